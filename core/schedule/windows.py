"""Weekly active windows of a layer and daily ``available`` hours, as instant intervals.

Windows are wall-clock readings in a zone. A window opens on each of its ``days`` at
``from``; it closes the same day at ``to`` when ``to > from``, otherwise the next day at
``to`` (``to`` at or before ``from`` crosses midnight; ``from == to`` is a whole wall-clock
day, which is 23 or 25 hours long across DST). ``to == 24:00`` is the next midnight. Bounds
follow the hand-over DST rule (a missing reading means the end of the gap, an ambiguous one
the first instant), so a window wholly inside a spring-forward gap is empty.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time, timedelta, tzinfo

from core.schedule.intervals import normalize
from core.schedule.model import ALL_DAYS, Interval, PersonSpec, WeeklyWindow, utc
from core.schedule.wallclock import to_instant, to_local


def expand_windows(
    windows: Iterable[WeeklyWindow], zone: tzinfo, start: datetime, end: datetime
) -> list[Interval]:
    """The instants of weekly ``windows`` (in ``zone``) inside ``[start, end)``, normalised.

    Edge cases: an overnight window opened the day before ``start`` is included; a window
    ending at 24:00 touches the next day's window starting at 00:00 and the two merge; an
    empty window list gives no interval.
    """
    start, end = utc(start), utc(end)
    if start >= end:
        return []
    windows = tuple(windows)
    day = to_local(start, zone).date() - timedelta(days=1)
    last = to_local(end, zone).date()
    out: list[Interval] = []
    while day <= last:
        midnight = datetime.combine(day, time())
        for w in windows:
            if day.weekday() not in w.days:
                continue
            opens = midnight + timedelta(minutes=w.from_min)
            closes = midnight + timedelta(minutes=w.to_min)
            if w.to_min <= w.from_min:
                closes += timedelta(days=1)
            lo = max(to_instant(opens, zone), start)
            hi = min(to_instant(closes, zone), end)
            if lo < hi:
                out.append(Interval(lo, hi))
        day += timedelta(days=1)
    return normalize(out)


def active_intervals(
    active: tuple[WeeklyWindow, ...] | None, zone: tzinfo, start: datetime, end: datetime
) -> list[Interval]:
    """When a layer with ``active`` windows applies inside ``[start, end)``.

    ``None`` (no windows written) means always: the whole ``[start, end)``.
    """
    start, end = utc(start), utc(end)
    if start >= end:
        return []
    if active is None:
        return [Interval(start, end)]
    return expand_windows(active, zone, start, end)


def available_intervals(person: PersonSpec, start: datetime, end: datetime) -> list[Interval]:
    """When ``person`` may be on call inside ``[start, end)`` by their daily ``available`` hours.

    Spans are wall-clock in the person's own zone and repeat every day; an overnight span
    (``22:00-06:00``) crosses midnight; ``None`` means always available.
    """
    if person.available is None:
        start, end = utc(start), utc(end)
        return [Interval(start, end)] if start < end else []
    spans = [WeeklyWindow(ALL_DAYS, lo, hi) for lo, hi in person.available]
    return expand_windows(spans, person.zone, start, end)
