"""One layer's on-call shifts over a window: turn holders, generated covers and gaps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.schedule.fairqueue import LayerContext, TurnAssignment, queue_at
from core.schedule.intervals import clip, normalize
from core.schedule.model import Interval, LayerSpec, QueueCheckpoint, Shift, utc
from core.schedule.roster import Roster
from core.schedule.turns import TurnClock, turn_start, turns_between


@dataclass(frozen=True, slots=True)
class LayerShifts:
    """A layer's shifts (holder: ``layer:<id>``, covers: ``cover``) and its gaps, in order.

    Gaps are the active hours in which nobody in the layer can serve; hours in which the layer
    is not active are neither shifts nor gaps.
    """

    shifts: tuple[Shift, ...]
    gaps: tuple[Interval, ...]


def layer_turns(
    layer: LayerSpec,
    roster: Roster,
    start: datetime,
    end: datetime,
    checkpoint: QueueCheckpoint | None = None,
) -> list[TurnAssignment]:
    """Every turn overlapping ``[start, end)``, given out by the fair round robin, unclipped.

    Edge cases: turns before the layer's start do not exist (an empty list when the window
    ends before it); empty turns inside the window are included; ``checkpoint`` (at or before
    the first turn) saves replaying from the layer's start. Each turn's ``queue_after`` can be
    stored as the checkpoint of the next turn.
    """
    start, end = utc(start), utc(end)
    indices = list(turns_between(layer, start, end))
    if not indices:
        return []
    order = queue_at(layer, roster, indices[0], checkpoint).order
    context = LayerContext(
        layer, roster, turn_start(layer, indices[0]), turn_start(layer, indices[-1] + 1)
    )
    out: list[TurnAssignment] = []
    for index in indices:
        turn = context.assign(index, order)
        out.append(turn)
        order = turn.queue_after
    return out


def layer_shifts(
    layer: LayerSpec,
    roster: Roster,
    start: datetime,
    end: datetime,
    checkpoint: QueueCheckpoint | None = None,
) -> LayerShifts:
    """The layer's shifts and gaps clipped to ``[start, end)``, in time order.

    The same turns as :func:`layer_turns`, given out in one pass: a turn whose front member
    has no ``available`` hours and no time off in its active hours is plain round robin (they
    hold every active hour and go to the back, see :meth:`LayerContext.holds_all`), so only
    the other turns go through :meth:`LayerContext.assign`. Pieces of the same
    person and source that touch across a hand-over (a member holding two turns in a row,
    which only happens with one member or time off) are merged. An empty rotation has no
    shifts and its active hours are all gaps.
    """
    start, end = utc(start), utc(end)
    clock = TurnClock(layer)
    first = clock.index_at(start) if start < end else None
    first = 0 if first is None else first
    # starts[i] is the start of turn first + i; the last one is the end of the last turn
    starts: list[datetime] = []
    while start < end and clock.start(first + len(starts)) < end:
        starts.append(clock.start(first + len(starts)))
    if not starts:
        return LayerShifts((), ())
    starts.append(clock.start(first + len(starts)))
    order = queue_at(layer, roster, first, checkpoint).order
    context = LayerContext(layer, roster, starts[0], starts[-1])
    active = context.active_spans(starts[0], starts[-1])
    out = _ShiftWriter(start, end)
    gaps: list[Interval] = []
    source = f"layer:{layer.id}"
    a = 0  # cursor into active
    for offset in range(len(starts) - 1):
        lo, hi = starts[offset], starts[offset + 1]
        while a < len(active) and active[a][1] <= lo:
            a += 1
        spans = []
        k = a
        while k < len(active) and active[k][0] < hi:
            spans.append((max(active[k][0], lo), min(active[k][1], hi)))
            k += 1
        if not order:  # nobody to give the turn to: all of its active hours are gaps
            gaps.extend(Interval(s, e) for s, e in spans)
        elif context.holds_all(order[0], spans):
            holder, order = order[0], (*order[1:], order[0])
            for s, e in spans:
                out.add(holder, s, e, source)
        else:
            turn = context.assign(first + offset, order)
            order = turn.queue_after
            assert turn.holder is not None  # the queue is not empty
            pieces = [(s.start, s.end, turn.holder, source) for s in turn.held]
            pieces.extend((s.start, s.end, person, "cover") for person, s in turn.covers)
            for s, e, person, kind in sorted(pieces, key=lambda p: p[0]):
                out.add(person, s, e, kind)
            gaps.extend(turn.gaps)
    return LayerShifts(tuple(out.shifts), tuple(clip(normalize(gaps), start, end)))


class _ShiftWriter:
    """Collects shifts in time order, clipped to ``[start, end)``, merging touching ones."""

    def __init__(self, start: datetime, end: datetime) -> None:
        self.start, self.end = start, end
        self.shifts: list[Shift] = []

    def add(self, person: str, lo: datetime, hi: datetime, source: str) -> None:
        lo, hi = max(lo, self.start), min(hi, self.end)
        if lo >= hi:
            return
        shifts = self.shifts
        if shifts:
            last = shifts[-1]
            if last.end == lo and last.person == person and last.source == source:
                shifts[-1] = Shift(person, last.start, hi, source)
                return
        shifts.append(Shift(person, lo, hi, source))


def merge_shifts(shifts: list[Shift]) -> list[Shift]:
    """Sort by start and merge touching shifts of the same person and source."""
    out: list[Shift] = []
    for s in sorted(shifts, key=lambda s: (s.start, s.end)):
        if (
            out
            and out[-1].end == s.start
            and (out[-1].person, out[-1].source)
            == (
                s.person,
                s.source,
            )
        ):
            out[-1] = Shift(s.person, out[-1].start, s.end, s.source)
        else:
            out.append(s)
    return out
