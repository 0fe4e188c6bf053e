"""One layer's on-call shifts over a window: turn holders, generated covers and gaps."""

from __future__ import annotations

from bisect import bisect_right
from collections import deque
from dataclasses import dataclass
from datetime import datetime

from core.schedule.fairqueue import LayerContext, Span, TurnAssignment, active_spans_of, queue_at
from core.schedule.intervals import clip, normalize
from core.schedule.model import Interval, LayerSpec, QueueCheckpoint, Shift, make_shift, utc
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
    the other turns go through :meth:`LayerContext.assign`. Members without constraints in the
    whole span skip that check; the others' time off is found by bisection. The layer's active
    hours are expanded once for the span and met turn by turn in one merge pass; pieces stay
    plain tuples until the shifts are built at the end. Pieces of the same
    person and source that touch across a hand-over (a member holding two turns in a row,
    which only happens with one member or time off) are merged. An empty rotation has no
    shifts and its active hours are all gaps.
    """
    start, end = utc(start), utc(end)
    if start >= end:
        return LayerShifts((), ())
    clock = TurnClock(layer)
    first = clock.index_at(start)
    first = 0 if first is None else first
    # starts[i] is the start of turn first + i; the last one is the end of the last turn
    starts = clock.starts_from(first, end)
    if len(starts) < 2:
        return LayerShifts((), ())
    active = active_spans_of(layer, starts[0], starts[-1])
    context = LayerContext(layer, roster, starts[0], starts[-1], active)
    queue = deque(queue_at(layer, roster, first, checkpoint).order)
    plain = {m for m in queue if context.unconstrained(m)}
    off = _time_off(roster, plain, queue, starts[0], starts[-1])
    out: list[_Piece] = []  # (person, start, end, source), merged as they come
    gaps: list[Interval] = []
    source = f"layer:{layer.id}"
    a, count = 0, len(active)  # cursor into active
    for offset in range(len(starts) - 1):
        lo, hi = starts[offset], starts[offset + 1]
        while a < count and active[a][1] <= lo:
            a += 1
        spans: list[Span] = []
        k = a
        while k < count and active[k][0] < hi:
            s, e = active[k]
            spans.append((s if s > lo else lo, e if e < hi else hi))
            k += 1
        if not queue:  # nobody to give the turn to: all of its active hours are gaps
            gaps.extend(Interval(s, e) for s, e in spans)
            continue
        holder = queue[0]
        if holder in plain or _holds_all(off.get(holder), spans, context, holder):
            queue.rotate(-1)
            for s, e in spans:  # _add, inlined: this is the hot path
                if s < start:
                    s = start
                if e > end:
                    e = end
                if s < e:
                    last = out[-1] if out else None
                    if last and last[2] == s and last[0] == holder and last[3] == source:
                        out[-1] = (holder, last[1], e, source)
                        continue
                    out.append((holder, s, e, source))
            continue
        turn = context.assign(first + offset, tuple(queue))
        queue = deque(turn.queue_after)
        assert turn.holder is not None  # the queue is not empty
        pieces = [(s.start, s.end, turn.holder, source) for s in turn.held]
        pieces.extend((s.start, s.end, person, "cover") for person, s in turn.covers)
        for s, e, person, kind in sorted(pieces, key=lambda p: p[0]):
            _add(out, person, s, e, kind, start, end)
        gaps.extend(turn.gaps)
    shifts = tuple([make_shift(p, s, e, src) for p, s, e, src in out])
    return LayerShifts(shifts, tuple(clip(normalize(gaps), start, end)))


_Piece = tuple[str, datetime, datetime, str]
_Off = tuple[list[datetime], list[datetime]]


def _time_off(
    roster: Roster, plain: set[str], queue: deque[str], start: datetime, end: datetime
) -> dict[str, _Off]:
    """Starts and ends of the time off in ``[start, end)`` of the always available members
    not in ``plain``."""
    out: dict[str, _Off] = {}
    for member in set(queue) - plain:
        if roster.always_available(member):
            spans = roster.time_off_spans(member, start, end)
            out[member] = ([iv.start for iv in spans], [iv.end for iv in spans])
    return out


def _holds_all(off: _Off | None, spans: list[Span], context: LayerContext, member: str) -> bool:
    """:meth:`LayerContext.holds_all`, by bisection when ``off`` has the member's time off."""
    if off is None:
        return context.holds_all(member, spans)
    starts, ends = off
    for lo, hi in spans:
        pos = bisect_right(ends, lo)
        if pos < len(starts) and starts[pos] < hi:
            return False
    return True


def _add(
    out: list[_Piece],
    person: str,
    lo: datetime,
    hi: datetime,
    source: str,
    start: datetime,
    end: datetime,
) -> None:
    """Append ``person``'s piece clipped to ``[start, end)``, merged with a touching last one."""
    if lo < start:
        lo = start
    if hi > end:
        hi = end
    if lo >= hi:
        return
    if out:
        last = out[-1]
        if last[2] == lo and last[0] == person and last[3] == source:
            out[-1] = (person, last[1], hi, source)
            return
    out.append((person, lo, hi, source))


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
            out[-1] = make_shift(s.person, out[-1].start, s.end, s.source)
        else:
            out.append(s)
    return out
