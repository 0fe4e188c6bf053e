"""Operations on sorted lists of disjoint half-open intervals, and a bisectable timeline.

Every function takes and returns lists sorted by start whose members do not overlap (the
"normal form" that :func:`normalize` produces); empty intervals are dropped.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from core.schedule.model import Interval


def _bounds(iv: Interval) -> tuple[datetime, datetime]:
    return iv.start, iv.end


def normalize(intervals: Iterable[Interval]) -> list[Interval]:
    """Sort, drop empty intervals and merge overlapping or touching ones."""
    out: list[Interval] = []
    for iv in sorted((i for i in intervals if i.start < i.end), key=_bounds):
        if out and iv.start <= out[-1].end:
            if iv.end > out[-1].end:
                out[-1] = Interval(out[-1].start, iv.end)
        else:
            out.append(iv)
    return out


def clip(intervals: Sequence[Interval], start: datetime, end: datetime) -> list[Interval]:
    """The parts of normal-form ``intervals`` inside ``[start, end)``."""
    out: list[Interval] = []
    for iv in intervals:
        if iv.end <= start:
            continue
        if iv.start >= end:
            break
        if iv.start >= start and iv.end <= end:
            out.append(iv)  # intervals are immutable: share rather than copy
        else:
            out.append(Interval(max(iv.start, start), min(iv.end, end)))
    return out


def intersect(left: Sequence[Interval], right: Sequence[Interval]) -> list[Interval]:
    """Instants in both normal-form lists."""
    out: list[Interval] = []
    i = j = 0
    while i < len(left) and j < len(right):
        lo = max(left[i].start, right[j].start)
        hi = min(left[i].end, right[j].end)
        if lo < hi:
            out.append(Interval(lo, hi))
        if left[i].end <= right[j].end:
            i += 1
        else:
            j += 1
    return out


def subtract(left: Sequence[Interval], right: Sequence[Interval]) -> list[Interval]:
    """Instants of ``left`` not in ``right`` (both in normal form)."""
    if not right:
        return [iv for iv in left if iv.start < iv.end]
    out: list[Interval] = []
    j = 0
    for iv in left:
        cur = iv.start
        while j < len(right) and right[j].end <= cur:
            j += 1
        k = j
        while k < len(right) and right[k].start < iv.end:
            if right[k].start > cur:
                out.append(Interval(cur, right[k].start))
            cur = max(cur, right[k].end)
            k += 1
        if cur == iv.start < iv.end:
            out.append(iv)  # untouched: share it (intervals are immutable)
        elif cur < iv.end:
            out.append(Interval(cur, iv.end))
    return out


def total(intervals: Iterable[Interval]) -> timedelta:
    """Summed length of disjoint intervals."""
    return sum((iv.end - iv.start for iv in intervals), timedelta())


class Timeline:
    """A normal-form interval list with fast clipping (bisect), or "always" when ``None``.

    ``Timeline(None)`` holds every instant: used for people without ``available`` hours and for
    layers without ``active`` windows.
    """

    __slots__ = ("_ends", "_intervals", "_starts")

    def __init__(self, intervals: Iterable[Interval] | None) -> None:
        self._intervals = None if intervals is None else normalize(intervals)
        self._starts = [] if self._intervals is None else [iv.start for iv in self._intervals]
        self._ends = [] if self._intervals is None else [iv.end for iv in self._intervals]

    @property
    def always(self) -> bool:
        """True when the timeline holds every instant."""
        return self._intervals is None

    def clip(self, start: datetime, end: datetime) -> list[Interval]:
        """The timeline's parts inside ``[start, end)`` (empty list when ``start >= end``)."""
        if start >= end:
            return []
        if self._intervals is None:
            return [Interval(start, end)]
        lo = bisect_right(self._ends, start)
        hi = bisect_left(self._starts, end)
        return clip(self._intervals[lo:hi], start, end)

    def meets(self, start: datetime, end: datetime) -> bool:
        """True when some instant of ``[start, end)`` is in the timeline (by bisection)."""
        if start >= end:
            return False
        if self._intervals is None:
            return True
        pos = bisect_right(self._ends, start)
        return pos < len(self._starts) and self._starts[pos] < end

    def overlaps(self, start: datetime, end: datetime) -> bool:
        """True when some instant of ``[start, end)`` is in the timeline."""
        return bool(self.clip(start, end))
