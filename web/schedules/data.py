"""What the schedules pages and API read: through the core use cases, never SQL of their own.

The final schedule is :func:`core.oncall.listing.schedule_listing`'s, exactly what ``oncall
schedule`` and chat show; the layers and the members' time off come from
:mod:`core.oncall.layers_view` over the same window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.config.model import Configuration, Schedule
from core.oncall import views
from core.oncall.layers_view import LayerTrack, TimeOffSpan, layer_tracks, members_time_off
from core.oncall.listing import ScheduleShifts, schedule_listing
from core.oncall.targets import Target
from core.oncall.who import WhoRow, who
from core.timeinput import TimeInputError, parse_instant
from web.deps import WebDeps

API_DEFAULT = timedelta(days=14)
API_MAX = timedelta(days=62)
REACH = timedelta(days=3660)
"""How far from now a window may start: ten years either way (the engine replays turns)."""


class UnknownSchedule(LookupError):
    """No configured schedule has this id."""


class BadWindow(ValueError):
    """A window that cannot be shown; the message says what is wrong, fit to show."""


@dataclass(frozen=True)
class ScheduleWindow:
    """One schedule over ``[start, end)`` (UTC): the final schedule, each layer's own
    shifts, and the time off of its members."""

    config: Configuration
    schedule: Schedule
    zone: str
    start: datetime
    end: datetime
    final: ScheduleShifts
    layers: tuple[LayerTrack, ...]
    time_off: tuple[TimeOffSpan, ...]

    def name_of(self, person_id: str) -> str:
        """The person's configured name, else the id."""
        person = self.config.person(person_id)
        return (person.name if person else None) or person_id


def zone_of(config: Configuration, schedule: Schedule) -> str:
    """The schedule's own time zone, else the configuration's."""
    return schedule.timezone or config.timezone


async def configured(deps: WebDeps, schedule_id: str) -> tuple[Configuration, Schedule]:
    """The current configuration and the schedule; :class:`UnknownSchedule` when absent."""
    async with deps.read_unit() as uow:
        config = await uow.config.load() or Configuration()
    schedule = config.schedule(schedule_id)
    if schedule is None:
        raise UnknownSchedule(schedule_id)
    return config, schedule


async def every_schedule(deps: WebDeps, now: datetime) -> tuple[Configuration, list[WhoRow]]:
    """The current configuration and who is on call now and next in each schedule (file
    order)."""
    async with deps.read_unit() as uow:
        config = await uow.config.load() or Configuration()
    answer = await who(deps.read_unit(), now)
    return config, list(answer.rows)


async def window_of(
    deps: WebDeps, config: Configuration, schedule: Schedule, start: datetime, end: datetime
) -> ScheduleWindow:
    """The schedule over ``[start, end)`` (checked by the caller: ``start < end``)."""
    listing = await schedule_listing(deps.read_unit(), Target("schedule", schedule.id), start, end)
    final = listing.schedules[0]
    async with deps.read_unit() as uow:
        state = await views.load_state(uow, listing.start, listing.end, schedule_ids=[schedule.id])
    return ScheduleWindow(
        config=config,
        schedule=schedule,
        zone=zone_of(config, schedule),
        start=listing.start,
        end=listing.end,
        final=final,
        layers=layer_tracks(state, schedule.id, listing.start, listing.end),
        time_off=members_time_off(state, schedule.id, listing.start, listing.end),
    )


def api_window(
    start: str | None, end: str | None, zone: ZoneInfo, now: datetime
) -> tuple[datetime, datetime]:
    """The API's window: ``from`` (default now) and ``to`` (default 14 days after ``from``),
    dates and local times read in ``zone``. :class:`BadWindow` when either cannot be read,
    ``to`` is not after ``from``, the window is longer than 62 days, or ``from`` is more than
    ten years from now."""
    try:
        lo = parse_instant(start, zone=zone, now=now, what="from") if start else now
        _near(lo, now)
        hi = parse_instant(end, zone=zone, now=now, what="to") if end else lo + API_DEFAULT
    except TimeInputError as exc:
        raise BadWindow(str(exc)) from None
    except OverflowError:
        raise BadWindow("the window is out of range") from None
    if hi <= lo:
        raise BadWindow("'to' must be after 'from'")
    if hi - lo > API_MAX:
        raise BadWindow("the window may be 62 days long at most")
    return lo, hi


def page_window(day: date, days: int, zone: ZoneInfo, now: datetime) -> tuple[datetime, datetime]:
    """The page's window: from local midnight of ``day`` to local midnight ``days`` days
    later in ``zone`` (so a DST change makes a day 23 or 25 hours, never shifts the edges).
    A midnight the clocks skip is read with the offset before the change.
    :class:`BadWindow` when ``day`` is more than ten years from now."""
    try:
        lo = datetime.combine(day, time(0), tzinfo=zone).astimezone(ZoneInfo("UTC"))
        hi = datetime.combine(day + timedelta(days=days), time(0), tzinfo=zone)
        _near(lo, now)
    except OverflowError:
        raise BadWindow("the period is out of range") from None
    return lo, hi.astimezone(ZoneInfo("UTC"))


def _near(moment: datetime, now: datetime) -> None:
    if abs(moment - now) > REACH:
        raise BadWindow("the window must start within ten years of now")
