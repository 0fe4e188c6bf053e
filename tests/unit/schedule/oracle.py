"""A brute-force reading of the layer rules, written apart from the code under test.

Nothing here calls ``core.schedule`` arithmetic (no ``to_instant``, ``add_units``,
``expand_windows``, ``active_units``): wall-clock readings become instants by trying both folds
and walking minute by minute out of a spring-forward gap, calendar units are added by hand,
window membership is read from the instant's local wall clock (openings on its day and the day
before), and ``turn: active`` units are counted one by one on the wall clock. It is slow on
purpose: for property tests over a few weeks only.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta, tzinfo

from core.schedule.model import LayerSpec, WeeklyWindow

_MINUTE = timedelta(minutes=1)
_DAY = timedelta(days=1)
_UNIT = {"hourly": timedelta(hours=1), "daily": _DAY, "weekly": timedelta(weeks=1)}


def instant(reading: datetime, zone: tzinfo) -> datetime:
    """The UTC instant of the naive ``reading`` in ``zone``: the first of two in a fall-back
    hour; inside a spring-forward gap, the first minute after it that exists."""
    here = reading
    while True:
        found = []
        for fold in (0, 1):
            moment = here.replace(tzinfo=zone, fold=fold).astimezone(UTC)
            if moment.astimezone(zone).replace(tzinfo=None) == here:
                found.append(moment)
        if found:
            return min(found)
        here = here.replace(second=0, microsecond=0) + _MINUTE


def add_units(start: datetime, rotation: str, count: int) -> datetime:
    """``start`` plus ``count`` calendar units on the wall clock (months clamp the day)."""
    if rotation in _UNIT:
        return start + _UNIT[rotation] * count
    months = start.year * 12 + start.month - 1 + count
    year, month = divmod(months, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return start.replace(year=year, month=month + 1, day=min(start.day, last))


def opens_on(window: WeeklyWindow, day: date) -> bool:
    """True when ``window`` opens on ``day`` (its weekday and, if written, its date)."""
    if day.weekday() not in window.days:
        return False
    if window.days_of_month is None:
        return True
    last = calendar.monthrange(day.year, day.month)[1]
    return day.day in window.days_of_month or (-1 in window.days_of_month and day.day == last)


def opening(window: WeeklyWindow, day: date) -> tuple[datetime, datetime]:
    """The wall-clock ``[open, close)`` of ``window`` opened on ``day``."""
    midnight = datetime(day.year, day.month, day.day)
    opens = midnight + timedelta(minutes=window.from_min)
    closes = midnight + timedelta(minutes=window.to_min)
    if window.to_min <= window.from_min:
        closes += _DAY
    return opens, closes


def in_windows(windows: tuple[WeeklyWindow, ...], zone: tzinfo, moment: datetime) -> bool:
    """True when an opening of ``windows`` holds UTC ``moment`` (bounds by the DST rule)."""
    today = moment.astimezone(zone).date()
    for day in (today - _DAY, today):
        for w in windows:
            if opens_on(w, day):
                opens, closes = opening(w, day)
                if instant(opens, zone) <= moment < instant(closes, zone):
                    return True
    return False


def unit_counts(layer: LayerSpec, unit: int) -> bool:
    """True when unit ``unit``'s wall-clock span meets a wall-clock opening of the windows."""
    lo = add_units(layer.start, layer.rotation, unit)
    hi = add_units(layer.start, layer.rotation, unit + 1)
    day = lo.date() - _DAY
    while day <= (hi - timedelta(microseconds=1)).date():
        for w in layer.active or ():
            if opens_on(w, day):
                opens, closes = opening(w, day)
                if opens < hi and closes > lo:
                    return True
        day += _DAY
    return False


def brute_turn(layer: LayerSpec, moment: datetime) -> tuple[int, datetime] | None:
    """The turn holding ``moment`` and the wall-clock reading it began at, by walking."""
    zone = layer.zone
    if moment < instant(layer.start, zone):
        return None
    if layer.turn == "active":
        counting: list[int] = []
        unit = 0
        while True:
            if unit_counts(layer, unit):
                counting.append(unit)
            if instant(add_units(layer.start, layer.rotation, unit + 1), zone) > moment:
                break
            unit += 1
        index = max(len(counting) - 1, 0) // layer.every
        if index == 0:
            return 0, layer.start
        return index, add_units(layer.start, layer.rotation, counting[index * layer.every])
    index = 0
    while (
        instant(add_units(layer.start, layer.rotation, (index + 1) * layer.stride), zone) <= moment
    ):
        index += 1
    return index, add_units(layer.start, layer.rotation, index * layer.stride)


def brute_shift_wall(layer: LayerSpec, index: int, wall: datetime) -> datetime:
    """The wall-clock reading from which turn ``index``'s ``shift`` counts: the turn's start
    ``wall``, or for ``turn: active`` its first counting unit (turn 0 included)."""
    if layer.turn != "active":
        return wall
    seen, unit = -1, 0
    while True:
        if unit_counts(layer, unit):
            seen += 1
            if seen == index * layer.every:
                return add_units(layer.start, layer.rotation, unit)
        unit += 1


def brute_active(layer: LayerSpec, moment: datetime) -> bool:
    """True when ``layer`` (members aside) is active at UTC ``moment`` by the rules: after its
    start, inside its windows, in ``[rotation_start, until)``, before ``skip`` and ``shift``."""
    found = brute_turn(layer, moment)
    if found is None:
        return False
    index, wall = found
    zone = layer.zone
    if layer.active is not None and not in_windows(layer.active, zone, moment):
        return False
    if layer.rotation_start is not None and moment < instant(layer.rotation_start, zone):
        return False
    if layer.until is not None and moment >= instant(layer.until, zone):
        return False
    if layer.skip:
        on = add_units(layer.start, layer.rotation, index * layer.stride + layer.every)
        if moment >= instant(on, zone):
            return False
    ends = None if layer.shift is None else brute_shift_wall(layer, index, wall) + layer.shift
    return ends is None or moment < instant(ends, zone)


def brute_key(layer: LayerSpec, moment: datetime) -> str | None:
    """Who of ``layer`` is on call at ``moment`` by the rules, for plain round robin."""
    if not layer.members or not brute_active(layer, moment):
        return None
    found = brute_turn(layer, moment)
    assert found is not None
    return layer.members[found[0] % len(layer.members)]
