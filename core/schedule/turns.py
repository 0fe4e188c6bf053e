"""Turn boundaries of a layer: turn ``k`` starts at the wall-clock ``start + k * stride`` units.

The stride is ``every + skip`` units (``skip`` is 0 unless written). Turns are numbered from 0
(the layer's ``start``); there is no turn before it, so nobody is on call before ``start``.
Turn ``k`` is ``[turn_start(k), turn_start(k + 1))``; it may be empty (an hourly turn lost to
spring forward), and it still counts as a turn.

A ``turn: active`` layer counts only units in which it is active at all
(:mod:`core.schedule.activeunits`): turn ``k >= 1`` starts with counting unit ``k * every``;
turn 0 starts at ``start``. Units that do not count lie inside the turn before them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from functools import lru_cache

from core.schedule.activeunits import active_units
from core.schedule.model import Interval, LayerSpec, utc
from core.schedule.wallclock import add_units, to_instant, to_local, units_between


def turn_wall(layer: LayerSpec, index: int) -> datetime:
    """The naive wall-clock reading at which turn ``index`` begins.

    Calendar turns: ``start + index * (every + skip)`` units. ``turn: active``: ``start`` for
    turn 0, else the start of counting unit ``index * every``; negative indices then give
    ``start`` moved back by ``index * (every + skip)`` units (arithmetic only, no real turn).
    """
    if layer.turn == "active" and index > 0:
        unit = active_units(layer).nth(index * layer.every)
        return add_units(layer.start, layer.rotation, unit)
    return add_units(layer.start, layer.rotation, index * layer.stride)


def turn_start(layer: LayerSpec, index: int) -> datetime:
    """The UTC instant turn ``index`` begins.

    Edge cases: a start reading inside a DST gap begins at the gap's end; an ambiguous one at
    the first of its two instants; monthly turns clamp the day of month (Jan 31 → Feb 28 →
    Mar 31). Negative indices are allowed for arithmetic but name no real turn.
    """
    return to_instant(turn_wall(layer, index), layer.zone)


def _estimate(layer: LayerSpec, reading: datetime) -> int:
    """A guess (off by one or so around DST) of the turn holding wall-clock ``reading``."""
    elapsed = units_between(layer.start, reading, layer.rotation)
    if layer.turn == "active":
        counted = active_units(layer).count_through(max(elapsed, 0))
        return max(counted - 1, 0) // layer.every
    return max(elapsed // layer.stride, 0)


def turn_bounds(layer: LayerSpec, index: int) -> Interval:
    """Turn ``index`` as a half-open interval (possibly empty across spring forward)."""
    return Interval(turn_start(layer, index), turn_start(layer, index + 1))


def turn_index_at(layer: LayerSpec, moment: datetime) -> int | None:
    """The index of the turn containing ``moment``, or None before the layer's start.

    Arithmetic, not iterative: the index is estimated from the wall-clock time elapsed since
    ``start`` and corrected by comparing boundaries (a step or two around DST changes). Empty
    turns never contain an instant, so the later of two turns starting at the same instant is
    the one returned.
    """
    moment = utc(moment)
    if moment < turn_start(layer, 0):
        return None
    index = _estimate(layer, to_local(moment, layer.zone))
    while index > 0 and turn_start(layer, index) > moment:
        index -= 1
    while turn_start(layer, index + 1) <= moment:
        index += 1
    return index


def turns_between(layer: LayerSpec, start: datetime, end: datetime) -> Iterator[int]:
    """Indices of the turns that overlap ``[start, end)``, in order, empty turns included.

    Edge cases: turns before the layer's start do not exist; an empty turn (zero length)
    lying inside the window is yielded too, since it still takes its place in the queue.
    """
    start, end = utc(start), utc(end)
    if start >= end:
        return
    first = turn_index_at(layer, start)
    index = 0 if first is None else first
    while turn_start(layer, index) < end:
        yield index
        index += 1


_UNITS = {"hourly": timedelta(hours=1), "daily": timedelta(days=1), "weekly": timedelta(weeks=1)}


_KEEP = 256


class TurnClock:
    """:func:`turn_start` and :func:`turn_index_at` of one layer, remembering the starts.

    Same results as the functions (same DST rules, same correction of the estimate). It keeps
    up to :data:`_KEEP` starts it was asked for (then forgets them all and starts again);
    :func:`clock_of` shares one clock per layer between computations.
    """

    __slots__ = ("_layer", "_starts", "_step", "_zone")

    def __init__(self, layer: LayerSpec) -> None:
        self._layer = layer
        self._zone = layer.zone
        unit = _UNITS.get(layer.rotation)
        fixed = unit is not None and layer.turn == "calendar"
        self._step = unit * layer.stride if fixed and unit is not None else None
        self._starts: dict[int, datetime] = {}

    def start(self, index: int) -> datetime:
        """The UTC instant turn ``index`` begins (see :func:`turn_start`)."""
        found = self._starts.get(index)
        if found is None:
            layer = self._layer
            if self._step is None:
                wall = turn_wall(layer, index)
            else:
                wall = layer.start + self._step * index
            if len(self._starts) >= _KEEP:
                self._starts.clear()
            found = self._starts[index] = to_instant(wall, self._zone)
        return found

    def starts_from(self, first: int, end: datetime) -> list[datetime]:
        """Starts of turns ``first``, ``first + 1``, ... before ``end``, then one more (the end
        of the last of them); just ``[start(first)]`` when that is not before ``end``.

        Same instants as :meth:`start`, without remembering them.
        """
        step, zone = self._step, self._zone
        if step is None:
            out = [self.start(first)]
            while out[-1] < end:
                out.append(self.start(first + len(out)))
            return out
        wall = self._layer.start + step * first
        here = to_instant(wall, zone)
        out = [here]
        while here < end:
            wall += step
            here = to_instant(wall, zone)
            out.append(here)
        return out

    def index_at(self, moment: datetime) -> int | None:
        """The turn containing UTC ``moment``, None before the start (see :func:`turn_index_at`)."""
        if moment < self.start(0):
            return None
        if self._step is None:
            index = _estimate(self._layer, moment.astimezone(self._zone).replace(tzinfo=None))
        else:  # elapsed real time: off by the zone's offset change at most, then corrected
            index = (moment - self.start(0)) // self._step
        index = max(index, 0)
        while index > 0 and self.start(index) > moment:
            index -= 1
        while self.start(index + 1) <= moment:
            index += 1
        return index


@lru_cache(maxsize=4096)
def clock_of(layer: LayerSpec) -> TurnClock:
    """The shared :class:`TurnClock` of ``layer`` (layers are immutable, so it stays right)."""
    return TurnClock(layer)
