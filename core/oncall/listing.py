"""The final schedule over a window, as neutral rows every surface renders.

``oncall schedule`` and chat's ``/oncall schedule`` call these and only format what they return.
Refusals are :class:`core.oncall.targets.QueryError`: an unknown or ambiguous target
(:class:`~core.oncall.targets.UnknownTarget`) or a bad window (:class:`InvalidWindow`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from core.config.model import Configuration
from core.oncall import views
from core.oncall.targets import (
    PersonRef,
    QueryError,
    Target,
    check_target,
    person_ref,
    resolve_target,
    schedules_of,
)
from core.ports import UnitOfWork
from core.schedule.model import Interval, utc

MAX_LISTING = timedelta(days=400)


class InvalidWindow(QueryError):
    """A listing window that ends before it starts (``inverted``) or is too long."""

    def __init__(self, message: str, *, inverted: bool) -> None:
        super().__init__(message)
        self.inverted = inverted


@dataclass(frozen=True)
class ListedShift:
    """A final shift clipped to the listing's window; pieces of one person from one source
    that touch are one shift."""

    schedule: str
    person: PersonRef
    start: datetime
    end: datetime
    source: str


@dataclass(frozen=True)
class ScheduleShifts:
    """One schedule over the window: its shifts and its gaps, each in time order."""

    schedule: str
    schedule_name: str | None
    team: str | None
    shifts: tuple[ListedShift, ...]
    gaps: tuple[Interval, ...]

    @property
    def timeline(self) -> tuple[ListedShift | Interval, ...]:
        """Shifts and gaps together in time order (they never overlap)."""
        both: list[ListedShift | Interval] = [*self.shifts, *self.gaps]
        return tuple(sorted(both, key=lambda item: item.start))


@dataclass(frozen=True)
class Listing:
    """The final schedule over ``[start, end)`` (in UTC) for one target.

    For a schedule, team or service: ``schedules`` holds one entry per schedule and
    ``person_shifts`` is empty. For a person: ``schedules`` is empty and ``person_shifts`` holds
    their shifts across every schedule, in time order (then by schedule id).
    """

    target: Target
    start: datetime
    end: datetime
    timezone: str
    schedules: tuple[ScheduleShifts, ...]
    person_shifts: tuple[ListedShift, ...] = ()


def check_window(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """The window in UTC; :class:`InvalidWindow` when it does not end after it starts or is
    longer than 400 days. ``ValueError`` for a naive datetime."""
    start, end = utc(start), utc(end)
    if end <= start:
        raise InvalidWindow("the window must end after it starts", inverted=True)
    if end - start > MAX_LISTING:
        raise InvalidWindow("the window may be 400 days long at most", inverted=False)
    return start, end


def listing_zone(config: Configuration, target: Target) -> str | None:
    """The zone dates typed for a listing of ``target`` are read in: the first schedule's zone
    (else the configuration's); for a person their own zone (else the configuration's). None
    for a team or service without schedules. Raises :class:`UnknownTarget`."""
    if target.kind == "person":
        check_target(config, target)
        person = config.person(target.id)
        return (person.timezone if person else None) or config.timezone
    schedules = schedules_of(config, target)
    return (schedules[0].timezone or config.timezone) if schedules else None


async def schedule_listing(
    uow: UnitOfWork, target: Target | str, start: datetime, end: datetime
) -> Listing:
    """The final schedule over ``[start, end)``: overrides, swaps and covers included, clipped
    to the window, for a schedule, a team (its schedules, file order; maybe none), a service
    (the schedules of its first tier) or a person (their shifts across schedules).

    A string is one word as typed in chat (:func:`resolve_target`; never a person). Targets are
    checked against the current configuration before the window. Raises
    :class:`UnknownTarget` and :class:`InvalidWindow` (see :func:`check_window`).
    """
    async with uow:
        config = await uow.config.load() or Configuration()
        chosen = resolve_target(config, target) if isinstance(target, str) else target
        if chosen.kind == "person":
            check_target(config, chosen)
            schedules = []
        else:
            schedules = schedules_of(config, chosen)
        lo, hi = check_window(start, end)
        ids = None if chosen.kind == "person" else [s.id for s in schedules]
        state = await views.load_state(uow, lo, hi, schedule_ids=ids)
    if chosen.kind == "person":
        person = person_ref(config, chosen.id)
        mine = tuple(
            ListedShift(sid, person, s.start, s.end, s.source)
            for sid, s in views.person_shifts(state, chosen.id, lo, hi)
        )
        return Listing(chosen, lo, hi, config.timezone, (), mine)
    listed = []
    for schedule in schedules:
        final = views.final_for(state, schedule.id, lo, hi)
        shifts = tuple(
            ListedShift(schedule.id, person_ref(config, s.person), s.start, s.end, s.source)
            for s in final.shifts
        )
        listed.append(ScheduleShifts(schedule.id, schedule.name, schedule.team, shifts, final.gaps))
    return Listing(chosen, lo, hi, config.timezone, tuple(listed))
