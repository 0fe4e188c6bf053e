"""Which rotation units of a ``turn: active`` layer count: those in which it is active at all.

Unit ``u`` of a layer is the wall-clock span ``[start + u units, start + (u + 1) units)``. It
*counts* when that wall-clock span meets the wall-clock span of an opening of one of the
layer's ``active`` windows (an overnight window opened the day before included). The test is
on the wall clock on purpose: an hourly unit lost to spring forward inside a window still
counts, as an empty turn still takes its place in the queue (CONFIG.md), so the counting never
depends on the zone's transitions. ``until``, ``rotation_start``, ``skip`` and ``shift`` do not
change which units count (turn order stays as if the layer had run since ``start``).

Counting is arithmetic where the windows repeat: without ``days_of_month``, hourly and daily
units repeat their pattern every week (168 or 7 units), weekly and monthly units all count (a
unit holds every weekday). With ``days_of_month`` the units are walked once, lazily, and the
counting ones remembered per ``(start, rotation, zone, active, turn)``: layers that differ only
in their members, id, ``every``, ``until`` or other fields share one walk, so editing a layer's
members does not walk again.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import datetime, time, timedelta, tzinfo
from functools import lru_cache
from threading import Lock

from core.schedule.model import LayerSpec, Rotation, WeeklyWindow
from core.schedule.wallclock import add_units
from core.schedule.windows import opens_on

_DAY = timedelta(days=1)
_PERIOD = {"hourly": 168, "daily": 7}


def wall_meets(windows: tuple[WeeklyWindow, ...], lo: datetime, hi: datetime) -> bool:
    """True when the naive wall-clock span ``[lo, hi)`` meets an opening of ``windows``.

    Openings on the day before ``lo`` count (an overnight window reaches into the next day);
    ``from == to`` is a whole day, ``to`` at or before ``from`` closes the next day.
    """
    if lo >= hi:
        return False
    day = lo.date() - _DAY
    last = (hi - timedelta(microseconds=1)).date()
    while day <= last:
        midnight = datetime.combine(day, time())
        for w in windows:
            if not opens_on(w, day):
                continue
            opens = midnight + timedelta(minutes=w.from_min)
            closes = midnight + timedelta(minutes=w.to_min)
            if w.to_min <= w.from_min:
                closes += _DAY
            if opens < hi and closes > lo:
                return True
        day += _DAY
    return False


class ActiveUnits:
    """The counting units of one ``turn: active`` layer, as ranks and back.

    ``count_through(u)`` is how many units of ``0..u`` count; ``nth(j)`` is the index of the
    ``j``-th counting unit (from 0). A layer without windows, or whose windows name no day,
    counts every unit (it is then a calendar layer: never active, or always).
    """

    def __init__(
        self, start: datetime, rotation: Rotation, windows: tuple[WeeklyWindow, ...]
    ) -> None:
        self._start = start
        self._rotation: Rotation = rotation
        self._windows = windows
        self._all = not windows or not any(w.days for w in windows)
        dom = any(w.days_of_month is not None for w in windows)
        if not self._all and not dom and rotation in ("weekly", "monthly"):
            self._all = True  # a week or a month holds every weekday: every unit counts
        self._period = 0 if self._all or dom else _PERIOD[rotation]
        self._prefix: list[int] = [0]
        self._ranks: list[int] = []  # the counting units of one period, or walked so far
        if self._period:
            for u in range(self._period):
                if self._meets(u):
                    self._ranks.append(u)
                self._prefix.append(len(self._ranks))
            if not self._ranks:  # cannot happen with a non-empty window; stay arithmetic
                self._all = True
        self._walked = 0  # the walk has looked at units 0.._walked - 1
        self._lock = Lock()

    def _meets(self, unit: int) -> bool:
        lo = add_units(self._start, self._rotation, unit)
        hi = add_units(self._start, self._rotation, unit + 1)
        return wall_meets(self._windows, lo, hi)

    def _walk_to(self, unit: int) -> None:
        if self._walked > unit:
            return
        with self._lock:  # the walk is shared: one thread extends it at a time
            while self._walked <= unit:
                if self._meets(self._walked):
                    self._ranks.append(self._walked)
                self._walked += 1

    def count_through(self, unit: int) -> int:
        """How many of units ``0..unit`` count (0 for a negative ``unit``)."""
        if unit < 0:
            return 0
        if self._all:
            return unit + 1
        if self._period:
            cycles, rest = divmod(unit + 1, self._period)
            return cycles * len(self._ranks) + self._prefix[rest]
        self._walk_to(unit)
        return bisect_right(self._ranks, unit)

    def nth(self, rank: int) -> int:
        """The unit index of counting unit ``rank`` (``rank >= 0``)."""
        if self._all:
            return rank
        if self._period:
            cycles, rest = divmod(rank, len(self._ranks))
            return cycles * self._period + self._ranks[rest]
        while len(self._ranks) <= rank:
            self._walk_to(self._walked + 64)
        return self._ranks[rank]


def active_units(layer: LayerSpec) -> ActiveUnits:
    """The shared :class:`ActiveUnits` of ``layer``'s ``(start, rotation, zone, active, turn)``.

    Layers are immutable, and which units count depends on nothing else (not the members, id,
    ``every``, ``until``, ``rotation_start``, ``skip`` or ``shift``), so an edit of those
    reuses the walk already done.
    """
    return _shared(layer.start, layer.rotation, layer.zone, layer.active, layer.turn)


@lru_cache(maxsize=1024)
def _shared(
    start: datetime,
    rotation: Rotation,
    zone: tzinfo,
    active: tuple[WeeklyWindow, ...] | None,
    turn: str,
) -> ActiveUnits:
    del zone, turn  # part of the key only: counting is on the wall clock, for turn: active
    return ActiveUnits(start, rotation, active or ())
