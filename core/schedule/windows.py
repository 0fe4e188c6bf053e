"""Weekly active windows of a layer and daily ``available`` hours, as instant intervals.

Windows are wall-clock readings in a zone. A window opens on each of its ``days`` at
``from``; it closes the same day at ``to`` when ``to > from``, otherwise the next day at
``to`` (``to`` at or before ``from`` crosses midnight; ``from == to`` is a whole wall-clock
day, which is 23 or 25 hours long across DST). ``to == 24:00`` is the next midnight. Bounds
follow the hand-over DST rule (a missing reading means the end of the gap, an ambiguous one
the first instant), so a window wholly inside a spring-forward gap is empty. A window with
``days_of_month`` opens only on days whose weekday and date both match.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache

from core.schedule.model import ALL_DAYS, Interval, PersonSpec, WeeklyWindow, utc
from core.schedule.wallclock import to_instant, to_local

_DAY = timedelta(days=1)
_WEEK = timedelta(days=7)
_NEVER = datetime.min.replace(tzinfo=UTC)
_FOREVER = datetime.max.replace(tzinfo=UTC)


def expand_windows(
    windows: Iterable[WeeklyWindow], zone: tzinfo, start: datetime, end: datetime
) -> list[Interval]:
    """The instants of weekly ``windows`` (in ``zone``) inside ``[start, end)``, normalised.

    Edge cases: an overnight window opened the day before ``start`` is included; a window
    ending at 24:00 touches the next day's window starting at 00:00 and the two merge; an
    empty window list gives no interval.
    """
    return [Interval(lo, hi) for lo, hi in expand_spans(windows, zone, utc(start), utc(end))]


def expand_spans(
    windows: Iterable[WeeklyWindow], zone: tzinfo, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """:func:`expand_windows` as plain ``(start, end)`` pairs, for UTC ``start`` and ``end``."""
    if start >= end:
        return []
    windows = tuple(windows)
    day = to_local(start, zone).date() - _DAY
    last = to_local(end, zone).date()
    spans: list[tuple[datetime, datetime]] = []
    table = _opening_table(windows, zone)
    weeks = _opening_table(windows, zone, weeks=True)
    while day <= last:
        if day.weekday() == 0 and day + _WEEK <= last:  # a whole week, Monday to Sunday
            openings = weeks.get(day)
            if openings is None:
                openings = weeks[day] = _week_openings(table, windows, zone, day)
            day += _WEEK
        else:
            openings = _day_openings_in(table, windows, zone, day)
            day += _DAY
        for lo, hi in openings:
            if lo < start:
                lo = start
            if hi > end:
                hi = end
            if lo < hi:
                spans.append((lo, hi))
    spans.sort()
    merged: list[tuple[datetime, datetime]] = []
    for lo, hi in spans:
        if merged and lo <= merged[-1][1]:
            if hi > merged[-1][1]:
                merged[-1] = (merged[-1][0], hi)
        else:
            merged.append((lo, hi))
    return merged


def window_segment(
    windows: tuple[WeeklyWindow, ...], zone: tzinfo, moment: datetime
) -> tuple[datetime, datetime, bool]:
    """``(lo, hi, inside)``: ``moment`` is inside ``windows`` or not for all of ``[lo, hi)``.

    Inside, the span is one opening of a window (touching or overlapping openings are not
    joined); outside, it is the time between openings within ``moment``'s local day (from its
    midnight to the next, by the hand-over DST rule). Only openings on that day and the day
    before can reach into the day: a window lasts at most one wall-clock day. Windows without
    days never open: the span is then unbounded (``datetime.min`` to ``datetime.max``, UTC).
    """
    moment = utc(moment)
    lo, hi, openings = _day_openings(windows, zone, to_local(moment, zone).date())
    for opens, closes in openings:
        if closes <= moment:
            lo = max(lo, closes)
        elif opens <= moment:
            return opens, closes, True
        else:
            hi = min(hi, opens)
    return lo, hi, False


@lru_cache(maxsize=1 << 14)
def _day_openings(
    windows: tuple[WeeklyWindow, ...], zone: tzinfo, day: date
) -> tuple[datetime, datetime, tuple[tuple[datetime, datetime], ...]]:
    """The bounds of local ``day`` and the openings (on it and the day before) reaching it."""
    if not any(w.days for w in windows):
        return _NEVER, _FOREVER, ()
    today = datetime.combine(day, time())
    openings = _openings_on(windows, zone, day - _DAY) + _openings_on(windows, zone, day)
    return to_instant(today, zone), to_instant(today + _DAY, zone), openings


@lru_cache(maxsize=1 << 10)
def _opening_table(
    windows: tuple[WeeklyWindow, ...], zone: tzinfo, weeks: bool = False
) -> dict[date, tuple[tuple[datetime, datetime], ...]]:
    """A memo of :func:`_openings_on` for one set of windows (hashed once per expansion), by
    day; with ``weeks``, of the openings of the seven days from a Monday, by that Monday."""
    return _BoundedDict()


def _day_openings_in(
    table: dict[date, tuple[tuple[datetime, datetime], ...]],
    windows: tuple[WeeklyWindow, ...],
    zone: tzinfo,
    day: date,
) -> tuple[tuple[datetime, datetime], ...]:
    """:func:`_openings_on`, remembered in ``table``."""
    openings = table.get(day)
    if openings is None:
        openings = table[day] = _openings_on(windows, zone, day)
    return openings


def _week_openings(
    table: dict[date, tuple[tuple[datetime, datetime], ...]],
    windows: tuple[WeeklyWindow, ...],
    zone: tzinfo,
    monday: date,
) -> tuple[tuple[datetime, datetime], ...]:
    """The openings of the seven days from ``monday``, day by day."""
    out: list[tuple[datetime, datetime]] = []
    for offset in range(7):
        out.extend(_day_openings_in(table, windows, zone, monday + offset * _DAY))
    return tuple(out)


class _BoundedDict(dict[date, tuple[tuple[datetime, datetime], ...]]):
    """A dict that forgets everything once it holds 4,096 days (about eleven years)."""

    def __setitem__(self, key: date, value: tuple[tuple[datetime, datetime], ...]) -> None:
        if len(self) >= 4096:
            self.clear()
        super().__setitem__(key, value)


@lru_cache(maxsize=1 << 14)
def _openings_on(
    windows: tuple[WeeklyWindow, ...], zone: tzinfo, day: date
) -> tuple[tuple[datetime, datetime], ...]:
    """The instants at which ``windows`` open and close, for the openings on local ``day``."""
    midnight = datetime.combine(day, time())
    return tuple(_opening(w, midnight, zone) for w in windows if opens_on(w, day))


def opens_on(window: WeeklyWindow, day: date) -> bool:
    """True when ``window`` opens on local ``day`` (its weekday, and its date if restricted).

    ``-1`` in ``days_of_month`` is the month's last day; 31 never matches a 30-day month.
    """
    if day.weekday() not in window.days:
        return False
    dom = window.days_of_month
    if dom is None:
        return True
    if day.day in dom:
        return True
    return -1 in dom and day.day == calendar.monthrange(day.year, day.month)[1]


def _opening(w: WeeklyWindow, midnight: datetime, zone: tzinfo) -> tuple[datetime, datetime]:
    """The instants window ``w`` opens and closes when it opens on the day of ``midnight``."""
    opens = midnight + timedelta(minutes=w.from_min)
    closes = midnight + timedelta(minutes=w.to_min)
    if w.to_min <= w.from_min:
        closes += _DAY
    return to_instant(opens, zone), to_instant(closes, zone)


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
