"""What one layer, or the overrides, say at a single instant, with the span it stays the same.

A *segment* is ``(lo, hi, key)``: every instant of ``[lo, hi)`` gets the same answer ``key``,
which is ``(person, source)`` or None (nobody: before the layer's start, outside its active
windows, in one of its gaps, or no override). Segments need not be maximal: a caller walking
from segment to segment compares keys and carries on while they are equal. :data:`NEVER` and
:data:`FOREVER` stand for unbounded ends.

These answer :func:`core.schedule.whoat.who_at` without computing a final schedule over a
window; they agree instant by instant with :func:`core.schedule.layer.layer_shifts` and the
override stacking of :func:`core.schedule.final.final_schedule`.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from datetime import UTC, datetime

from core.schedule.fairqueue import LayerContext, active_spans_of, initial_queue, replay_queues
from core.schedule.model import LayerSpec, Override, QueueCheckpoint, utc
from core.schedule.roster import Roster
from core.schedule.shape import Span, layer_bounds
from core.schedule.turns import clock_of
from core.schedule.windows import window_segment

Key = tuple[str, str]
Segment = tuple[datetime, datetime, Key | None]

_MARK = 256
"""A non-plain layer's replays leave the queue every this many turns (to resume from)."""

NEVER = datetime.min.replace(tzinfo=UTC)
FOREVER = datetime.max.replace(tzinfo=UTC)


class OverrideProbe:
    """Overrides and swaps at an instant: the one created last wins where several cover it.

    Edge cases: zero-length overrides are ignored; equal ``created_seq`` rank by their order in
    the input (the later one wins), as in :func:`core.schedule.final.final_schedule`.
    """

    def __init__(self, overrides: Iterable[Override]) -> None:
        overrides = tuple(overrides)
        if not overrides:
            self._spans: list[tuple[datetime, datetime, Key]] = []
            self._edges: list[datetime] = []
            return
        ranked = sorted(enumerate(overrides), key=lambda item: (item[1].created_seq, item[0]))
        spans = [(utc(ov.start), utc(ov.end), (ov.person, ov.source)) for _, ov in ranked]
        self._spans = [(lo, hi, key) for lo, hi, key in reversed(spans) if lo < hi]
        self._edges = sorted({edge for lo, hi, _ in self._spans for edge in (lo, hi)})

    def segment(self, moment: datetime) -> Segment:
        """The winning override at ``moment`` (None if none), between neighbouring edges."""
        if not self._spans:
            return NEVER, FOREVER, None
        pos = bisect_right(self._edges, moment)
        lo = self._edges[pos - 1] if pos else NEVER
        hi = self._edges[pos] if pos < len(self._edges) else FOREVER
        for start, end, key in self._spans:  # highest rank first
            if start <= moment < end:
                return lo, hi, key
        return lo, hi, None


class LayerProbe:
    """One layer's holder, cover or nothing at an instant.

    A *plain* layer (every member always available, nobody with any time off) is answered by
    arithmetic: turn ``k`` goes to the queue's member ``k mod n`` counted from the checkpoint
    (or the start), and a segment spans the whole run of turns with the same holder, cut by
    the active windows. Any other layer replays the fair round robin for the turn at hand
    (:class:`core.schedule.fairqueue.LayerContext`), resuming the queue from the previous turn
    when it was computed, else replaying from the nearest queue met before (``checkpoint``, the
    start, or a mark left every :data:`_MARK` turns by an earlier replay), keeping the queues
    of the turns just before the one asked: walking back turn by turn replays each turn about
    twice in all, not once per step. Before ``rotation_start`` and from ``until`` every layer
    (plain or not) answers nobody at once, with no replay.

    ``replayed_turns`` counts the turns replayed so far (the work done), for tests and figures.
    """

    def __init__(
        self, layer: LayerSpec, roster: Roster, checkpoint: QueueCheckpoint | None
    ) -> None:
        self.layer = layer
        self.source = f"layer:{layer.id}"
        self._roster = roster
        self._checkpoint = checkpoint
        self._clock = clock_of(layer)
        self._first = self._clock.start(0)
        resumed = initial_queue(layer, checkpoint)  # turn 0 and the members without one
        self._resume = resumed.turn_index
        self._resumed_order = resumed.order
        self._plain = all(
            roster.always_available(m) and not roster.has_time_off(m) for m in layer.members
        )
        self._queues: dict[int, tuple[str, ...]] = {}  # turns near those asked
        self._marks: dict[int, tuple[str, ...]] = {0: layer.members}  # sparse, from replays
        self._marks[self._resume] = self._resumed_order
        self.replayed_turns = 0
        self._turns: dict[int, list[Segment]] = {}
        self._is_shaped = layer.shaped
        self._from, self._until = layer_bounds(layer) if self._is_shaped else (None, None)
        self._shaped: dict[int, list[Span]] = {}

    def segment(self, moment: datetime) -> Segment:
        """The layer's answer at ``moment``; before the layer's start, nobody."""
        if not self.layer.members:
            return NEVER, FOREVER, None
        if moment < self._first:
            return NEVER, self._first, None
        if self._until is not None and moment >= self._until:
            return self._until, FOREVER, None
        if self._from is not None and moment < self._from:
            return NEVER, self._from, None
        index = self._clock.index_at(moment)
        assert index is not None  # moment is at or after turn 0
        if not self._plain:
            return self._replayed(index, moment)
        lo, hi, key = self._plain_run(index)
        if self._is_shaped:
            return self._shaped_segment(index, moment, lo, hi, key)
        if self.layer.active is None:
            return lo, hi, key
        wlo, whi, inside = window_segment(self.layer.active, self.layer.zone, moment)
        return max(lo, wlo), min(hi, whi), key if inside else None

    # plain layers: pure arithmetic

    def _holder(self, index: int) -> str:
        """Turn ``index``'s holder: ``queue_at`` resumes from the checkpoint at or after it."""
        if index >= self._resume:
            order = self._resumed_order
            return order[(index - self._resume) % len(order)]
        return self.layer.members[index % len(self.layer.members)]

    def _plain_run(self, index: int) -> Segment:
        """The turns around ``index`` with its holder, as one segment.

        Holders repeat with a period of n turns on each side of the checkpoint, so n + 1 equal
        holders in a row mean the holder never changes up to the checkpoint (or forever).
        """
        holder = self._holder(index)
        n = len(self.layer.members)
        limit = self._resume if index < self._resume else None  # the sequence changes there
        last = index + 1
        while last - index <= n and (limit is None or last < limit):
            if self._holder(last) != holder:
                break
            last += 1
        else:
            last = -1 if limit is None else limit
        hi = FOREVER if last < 0 else self._clock.start(last)
        floor = self._resume if index >= self._resume else 0
        first = index
        while first > floor and self._holder(first - 1) == holder:
            first -= 1
            if index - first >= n:
                first = floor
        return self._clock.start(first), hi, (holder, self.source)

    def _shaped_segment(
        self, index: int, moment: datetime, lo: datetime, hi: datetime, key: Key | None
    ) -> Segment:
        """A plain layer's answer where ``until``, ``rotation_start``, ``skip`` or ``shift``
        clip it: the active hours of turn ``index`` (:func:`active_spans_of`), met at
        ``moment``, which lies in ``[rotation_start, until)`` (:meth:`segment` answered the
        rest)."""
        turn_lo, turn_hi = self._clock.start(index), self._clock.start(index + 1)
        spans = self._shaped.get(index)
        if spans is None:
            if len(self._shaped) >= 64:
                self._shaped.clear()
            spans = self._shaped[index] = active_spans_of(self.layer, turn_lo, turn_hi)
        lo, hi = max(lo, turn_lo), min(hi, turn_hi)
        for start, end in spans:
            if end <= moment:
                lo = max(lo, end)
            elif start <= moment:
                return max(lo, start), min(hi, end), key
            else:
                return lo, min(hi, start), None
        return lo, hi, None

    # other layers: replay the turn

    def _queue(self, index: int) -> tuple[str, ...]:
        """The queue before turn ``index``, as :func:`queue_at` from the checkpoint gives it.

        Replays from the latest mark at or before ``index`` (a checkpoint after ``index``
        does not apply: turn 0 then, as in :func:`queue_at`), leaving a mark every
        :data:`_MARK` turns and keeping the queues of the :data:`_MARK` turns before ``index``.
        """
        found = self._queues.get(index)
        if found is not None:
            return found
        if index >= self._resume:
            base = max(k for k in self._marks if self._resume <= k <= index)
        else:
            base = max(k for k in self._marks if k <= index)
        if len(self._queues) > 4 * _MARK:
            self._queues.clear()
        start = QueueCheckpoint(base, self._marks[base])
        for step in replay_queues(self.layer, self._roster, start, index):
            turn = step.turn_index
            if turn % _MARK == 0:  # on the same side of the checkpoint as base
                self._marks.setdefault(turn, step.order)
            if turn >= index - _MARK:
                self._queues[turn] = step.order
        self.replayed_turns += index - base
        return self._queues[index]

    def _replayed(self, index: int, moment: datetime) -> Segment:
        pieces = self._turns.get(index)
        if pieces is None:
            pieces = self._turns[index] = self._turn_pieces(index)
        for piece in pieces:
            if piece[0] <= moment < piece[1]:
                return piece
        raise AssertionError("turn pieces tile the turn")  # pragma: no cover

    def _turn_pieces(self, index: int) -> list[Segment]:
        """Turn ``index`` as segments tiling it: holder, covers and nobody in between."""
        lo, hi = self._clock.start(index), self._clock.start(index + 1)
        context = LayerContext(self.layer, self._roster, lo, hi)
        turn = context.assign(index, self._queue(index))
        if index + 1 != self._resume:  # the checkpoint's queue stands there
            self._queues.setdefault(index + 1, turn.queue_after)
        found: list[Segment] = []
        if turn.holder is not None:
            found.extend((s.start, s.end, (turn.holder, self.source)) for s in turn.held)
        found.extend((s.start, s.end, (person, "cover")) for person, s in turn.covers)
        found.sort(key=lambda piece: piece[0])
        out: list[Segment] = []
        cursor = lo
        for start, end, key in found:
            if start > cursor:
                out.append((cursor, start, None))
            out.append((start, end, key))
            cursor = end
        if cursor < hi:
            out.append((cursor, hi, None))
        return out
