"""Off-hours (also "night") of a person: outside their ``available`` hours when they have
some, else 22:00-07:00 on their own wall clock.

Everything is computed on the person's wall clock with zoneinfo, so a night that crosses a
daylight-saving change has its real length (America/Chicago: the night of the spring-forward
Sunday is 8 hours, the fall-back one 10). A person the configuration does not know (an actor
such as ``alertmanager``) has no off-hours. A person without a zone reads the configuration's.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from core.config import timefmt
from core.config.model import Configuration
from core.schedule.intervals import clip, normalize, subtract, total
from core.schedule.model import ALL_DAYS, Interval, PersonSpec, WeeklyWindow, utc
from core.schedule.windows import available_intervals, expand_windows

NIGHT_FROM = 22 * 60
NIGHT_TO = 7 * 60
_NIGHT = (WeeklyWindow(ALL_DAYS, NIGHT_FROM, NIGHT_TO),)
_PROBE = timedelta(seconds=1)


def _spec(config: Configuration, person_id: str | None) -> PersonSpec | None:
    person = config.person(person_id) if person_id else None
    if person is None:
        return None
    zone = timefmt.zone(person.timezone or config.timezone)
    return PersonSpec(person.id, zone, tuple(person.available) if person.available else None)


def off_hours_spans(
    config: Configuration, person_id: str | None, start: datetime, end: datetime
) -> list[Interval]:
    """The off-hours instants of ``person_id`` in ``[start, end)``, normalised (UTC).

    Empty for an unknown person or an empty window. With ``available`` hours: their
    complement; without: the nights 22:00-07:00 (an overnight window opened the evening
    before ``start`` counts).
    """
    start, end = utc(start), utc(end)
    spec = _spec(config, person_id)
    if spec is None or start >= end:
        return []
    if spec.available is not None:
        return subtract([Interval(start, end)], available_intervals(spec, start, end))
    return expand_windows(_NIGHT, spec.zone, start, end)


def is_off_hours(config: Configuration, person_id: str | None, at: datetime) -> bool:
    """Whether the instant ``at`` is off-hours for the person (False for an unknown one)."""
    at = utc(at)
    return bool(off_hours_spans(config, person_id, at, at + _PROBE))


def off_hours_time(
    config: Configuration, person_id: str | None, start: datetime, end: datetime
) -> timedelta:
    """How much of ``[start, end)`` is off-hours for the person (zero when ``end <= start``)."""
    if utc(end) <= utc(start):
        return timedelta(0)
    return total(off_hours_spans(config, person_id, start, end))


def night_time(
    config: Configuration,
    person_id: str,
    spans: list[tuple[datetime, datetime]],
    within: Interval,
) -> timedelta:
    """The off-hours time of the union of ``spans`` clipped to ``within`` (overlapping pages
    of two incidents at once count once)."""
    pieces = normalize(Interval(utc(a), utc(b)) for a, b in spans if utc(b) > utc(a))
    pieces = clip(pieces, within.start, within.end)
    return sum((off_hours_time(config, person_id, p.start, p.end) for p in pieces), timedelta(0))
