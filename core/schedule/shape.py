"""A layer's active hours: its ``active`` windows clipped by its turn shape.

A layer is active where all of these hold (each one that is written):

- its ``active`` windows are open (always, without windows);
- the instant is in ``[rotation_start, until)`` (wall-clock readings, hand-over DST rule);
- with ``skip``: the instant is in the first ``every`` units of its turn (the ``skip`` units
  after them have nobody from this layer);
- with ``shift``: the instant is before the turn's wall-clock start plus ``shift`` (the end is a
  wall-clock reading too, so across DST the shift lasts an hour more or less of real time); for
  ``turn: active`` the shift counts from the turn's first active unit, turn 0 included (whose
  ``start`` may lie in a unit that does not count, a Saturday of a weekdays layer).

Where the layer is not active the layers below show through (it is not a gap). Turn numbers
never change: turns before ``rotation_start`` or after ``until`` take their place in the queue
like turns in which the layer is never active.
"""

from __future__ import annotations

from datetime import datetime

from core.schedule.activeunits import active_units
from core.schedule.model import LayerSpec
from core.schedule.turns import clock_of, turn_wall
from core.schedule.wallclock import add_units, to_instant
from core.schedule.windows import expand_spans

Span = tuple[datetime, datetime]


def layer_bounds(layer: LayerSpec) -> tuple[datetime | None, datetime | None]:
    """The UTC instants of ``rotation_start`` and ``until`` (None where not written)."""
    lo = None if layer.rotation_start is None else to_instant(layer.rotation_start, layer.zone)
    hi = None if layer.until is None else to_instant(layer.until, layer.zone)
    return lo, hi


def shift_wall(layer: LayerSpec, index: int) -> datetime:
    """The naive wall-clock reading from which turn ``index``'s ``shift`` counts.

    Calendar turns: the turn's start. ``turn: active``: the turn's first counting unit, for
    turn 0 too (``start`` itself when its unit counts, else the first later unit that does:
    a weekdays layer starting on a Saturday has its first shift on Monday).
    """
    if layer.turn == "active" and index >= 0:
        unit = active_units(layer).nth(index * layer.every)
        return add_units(layer.start, layer.rotation, unit)
    return turn_wall(layer, index)


def on_end(layer: LayerSpec, index: int) -> datetime:
    """The UTC instant at which turn ``index`` stops being on (by ``skip`` and ``shift``).

    Never after the next turn's start; the turn's own end without ``skip`` or ``shift``.
    """
    clock = clock_of(layer)
    end = clock.start(index + 1)
    walls = []
    if layer.skip:
        walls.append(add_units(layer.start, layer.rotation, index * layer.stride + layer.every))
    if layer.shift is not None:
        walls.append(shift_wall(layer, index) + layer.shift)
    for wall in walls:
        end = min(end, to_instant(wall, layer.zone))
    return end


def on_spans(layer: LayerSpec, start: datetime, end: datetime) -> list[Span]:
    """Where in UTC ``[start, end)`` the layer's shape lets it be active, windows aside.

    Sorted, disjoint and merged where they touch (a shift as long as its turn). Empty when the
    span lies before ``rotation_start`` or at or after ``until``.
    """
    lo, hi = layer_bounds(layer)
    if lo is not None and lo > start:
        start = lo
    if hi is not None and hi < end:
        end = hi
    if start >= end:
        return []
    if not layer.skip and layer.shift is None:
        return [(start, end)]
    clock = clock_of(layer)
    index = clock.index_at(start)
    index = 0 if index is None else index
    out: list[Span] = []
    while True:
        begins = clock.start(index)
        if begins >= end:
            break
        s, e = max(begins, start), min(on_end(layer, index), end)
        if s < e:
            if out and out[-1][1] == s:
                out[-1] = (out[-1][0], e)
            else:
                out.append((s, e))
        index += 1
    return out


def shaped_spans(layer: LayerSpec, start: datetime, end: datetime) -> list[Span]:
    """The active hours of a layer with a shape inside UTC ``[start, end)``: windows ∩ shape."""
    base = on_spans(layer, start, end)
    if not base or layer.active is None:
        return base
    windows = expand_spans(layer.active, layer.zone, base[0][0], base[-1][1])
    return intersect_spans(windows, base)


def intersect_spans(left: list[Span], right: list[Span]) -> list[Span]:
    """Instants in both sorted lists of disjoint spans."""
    out: list[Span] = []
    i = j = 0
    while i < len(left) and j < len(right):
        lo = max(left[i][0], right[j][0])
        hi = min(left[i][1], right[j][1])
        if lo < hi:
            out.append((lo, hi))
        if left[i][1] <= right[j][1]:
            i += 1
        else:
            j += 1
    return out
