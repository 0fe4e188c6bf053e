"""The fair round robin of CONFIG.md: a queue of members, turn by turn.

Each turn goes to the first member in the queue who is eligible: whose ``available`` hours
contain every active hour of the turn, and who is not on time off for all of them (only the
hours in which the layer is active during the turn count). That member goes to the back;
members passed over keep their places. Where nobody is eligible, the first member available
for the largest part of the turn's active hours takes it and goes to the back. Hours the holder
cannot serve are covered, instant by instant, by the first member of the queue (as it stands
after the holder went to the back) who can serve; covering moves nobody; hours nobody can
serve are gaps.

When everyone is always available and nobody has time off this is plain round robin, turn
``k`` to member ``k mod n``, and :func:`queue_at` computes it arithmetically.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from core.schedule.intervals import Timeline, intersect, subtract, total
from core.schedule.model import Interval, LayerSpec, QueueCheckpoint, utc
from core.schedule.roster import MemberView, Roster
from core.schedule.shape import shaped_spans
from core.schedule.turns import TurnClock, turn_index_at, turn_start
from core.schedule.windows import expand_spans

Span = tuple[datetime, datetime]
"""A half-open ``[start, end)`` as a plain pair, where building an :class:`Interval` costs."""

_NEVER = datetime.min.replace(tzinfo=UTC)
_FOREVER = datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class TurnAssignment:
    """How one turn was given out.

    ``bounds`` is the whole turn (possibly empty). ``holder`` is None only for a layer without
    members. ``eligible`` is False when nobody was eligible and the largest-part rule chose the
    holder. ``held`` are the active hours the holder serves, ``covers`` the generated covers
    (person, span), ``gaps`` the active hours nobody can serve. ``queue_after`` is the queue
    for the next turn.
    """

    index: int
    bounds: Interval
    holder: str | None
    eligible: bool
    held: tuple[Interval, ...]
    covers: tuple[tuple[str, Interval], ...]
    gaps: tuple[Interval, ...]
    queue_after: tuple[str, ...]


def rotate(order: Sequence[str], steps: int) -> tuple[str, ...]:
    """``order`` after ``steps`` turns in which the front member held and went to the back."""
    if not order:
        return ()
    steps %= len(order)
    return (*order[steps:], *order[:steps])


def _clip(timeline: Timeline, active: Sequence[Interval]) -> list[Interval]:
    if timeline.always or not active:
        return list(active)
    return intersect(active, timeline.clip(active[0].start, active[-1].end))


def is_eligible(active: Sequence[Interval], view: MemberView) -> bool:
    """CONFIG.md eligibility for a turn whose active hours are ``active`` (normal form).

    True when the person's ``available`` hours contain every active hour and their time off
    does not cover all of them. A turn with no active hour (empty, or the layer is never active
    in it) has everyone eligible, so it goes to the front of the queue like any turn.
    """
    if not active:
        return True
    if not view.available.always and subtract(active, _clip(view.available, active)):
        return False
    return bool(subtract(active, _clip(view.time_off, active)))


def servable(active: Sequence[Interval], view: MemberView) -> list[Interval]:
    """The active hours the person can serve: inside ``available`` hours, not on time off."""
    hours = list(active) if view.available.always else _clip(view.available, active)
    return subtract(hours, _clip(view.time_off, active))


def assign_turn(
    index: int,
    bounds: Interval,
    active: Sequence[Interval],
    queue: Sequence[str],
    views: Mapping[str, MemberView],
) -> TurnAssignment:
    """Give out turn ``index`` (``bounds``, active hours ``active``) from ``queue``.

    ``views`` must hold every queued member's constraints over at least ``bounds``. Edge cases:
    an empty queue gives no holder and makes every active hour a gap; an empty turn goes to the
    front member (everyone is eligible); when nobody is eligible, ties for the largest part go
    to the member nearest the front; a member named twice in the queue is two entries.
    """
    queue = tuple(queue)
    if not queue:
        return TurnAssignment(index, bounds, None, False, (), (), tuple(active), ())
    free: dict[str, list[Interval]] = {}  # servable hours, worked out only when needed

    def served(member: str) -> list[Interval]:
        if member not in free:
            free[member] = servable(active, views[member])
        return free[member]

    pos = next((p for p, m in enumerate(queue) if is_eligible(active, views[m])), None)
    eligible = pos is not None
    if pos is None:
        pos = max(range(len(queue)), key=lambda p: (total(served(queue[p])), -p))
    holder = queue[pos]
    after = (*queue[:pos], *queue[pos + 1 :], holder)
    held = served(holder)
    rest = subtract(active, held)
    covers: list[tuple[str, Interval]] = []
    for member in after[:-1]:
        if not rest:
            break
        got = intersect(rest, served(member))
        covers.extend((member, span) for span in got)
        rest = subtract(rest, got)
    covers.sort(key=lambda c: c[1].start)
    return TurnAssignment(
        index, bounds, holder, eligible, tuple(held), tuple(covers), tuple(rest), after
    )


class LayerContext:
    """A layer's active hours and its members' constraints precomputed over ``[start, end)``.

    Turns asked of it must lie inside that span. ``active``, when given, must be the layer's
    active hours over exactly that span (as :func:`active_spans_of` gives them).
    """

    def __init__(
        self,
        layer: LayerSpec,
        roster: Roster,
        start: datetime,
        end: datetime,
        active: list[Span] | None = None,
    ) -> None:
        self.layer = layer
        self.clock = TurnClock(layer)
        self._spans = active_spans_of(layer, utc(start), utc(end)) if active is None else active
        self._ends = [e for _, e in self._spans]
        self._views = {m: roster.view(m, start, end) for m in set(layer.members)}

    def active_spans(self, start: datetime, end: datetime) -> list[Span]:
        """The layer's active hours inside ``[start, end)`` as ``(start, end)`` pairs."""
        if start >= end:
            return []
        spans = self._spans
        out: list[Span] = []
        for k in range(bisect_right(self._ends, start), len(spans)):
            lo, hi = spans[k]
            if lo >= end:
                break
            out.append((lo if lo > start else start, hi if hi < end else end))
        return out

    def unconstrained(self, member: str) -> bool:
        """True when ``member`` has no ``available`` hours and no time off in the whole span."""
        view = self._views[member]
        return view.available.always and not view.time_off.meets(_NEVER, _FOREVER)

    def holds_all(self, member: str, active: Iterable[Span]) -> bool:
        """True when ``member``, at the front of the queue, simply holds the whole turn.

        That is when they have no ``available`` hours and no time off in the turn's active
        hours ``active``: they are eligible, serve every active hour (no covers, no gaps) and
        go to the back, whoever else is off or restricted.
        """
        view = self._views[member]
        return view.available.always and not any(view.time_off.meets(s, e) for s, e in active)

    def assign(self, index: int, queue: Sequence[str]) -> TurnAssignment:
        """Give out turn ``index`` from ``queue`` (see :func:`assign_turn`).

        Fast path: when the front member :meth:`holds_all` the turn, no interval arithmetic.
        """
        bounds = Interval(self.clock.start(index), self.clock.start(index + 1))
        spans = self.active_spans(bounds.start, bounds.end)
        active = tuple(Interval(lo, hi) for lo, hi in spans)
        if queue and self.holds_all(queue[0], spans):
            return TurnAssignment(index, bounds, queue[0], True, active, (), (), rotate(queue, 1))
        return assign_turn(index, bounds, active, queue, self._views)


def active_spans_of(layer: LayerSpec, start: datetime, end: datetime) -> list[Span]:
    """The layer's active hours inside UTC ``[start, end)`` (all of it without windows).

    A layer with ``until``, ``rotation_start``, ``skip`` or ``shift`` is clipped by them
    (:func:`core.schedule.shape.shaped_spans`).
    """
    if layer.shaped:
        return shaped_spans(layer, start, end)
    if layer.active is None:
        return [(start, end)] if start < end else []
    return expand_spans(layer.active, layer.zone, start, end)


def initial_queue(layer: LayerSpec, checkpoint: QueueCheckpoint | None) -> QueueCheckpoint:
    """Where a replay starts: ``checkpoint`` reconciled with the members, else turn 0.

    Reconciling keeps a change of members from breaking a stored checkpoint: ids no longer in
    the layer are dropped, new members join at the back in file order. A checkpoint with a
    negative index is ignored.
    """
    if checkpoint is None or checkpoint.turn_index < 0:
        return QueueCheckpoint(0, layer.members)
    remaining = list(layer.members)
    order: list[str] = []
    for member in checkpoint.order:
        if member in remaining:
            remaining.remove(member)
            order.append(member)
    return QueueCheckpoint(checkpoint.turn_index, (*order, *remaining))


def _candidate_turns(layer: LayerSpec, roster: Roster, first: int, stop: int) -> list[int]:
    """Turns in ``[first, stop)`` that some member's time off touches (a superset is fine)."""
    lo, hi = turn_start(layer, first), turn_start(layer, stop)
    found: set[int] = set()
    for member in set(layer.members):
        for span in roster.time_off_spans(member, lo, hi):
            begin = turn_index_at(layer, span.start)
            finish = turn_index_at(layer, span.end)
            if begin is None or finish is None:
                continue
            found.update(range(max(begin, first), min(finish + 1, stop)))
    return sorted(found)


def replay_queues(
    layer: LayerSpec, roster: Roster, first: QueueCheckpoint, index: int
) -> Iterator[QueueCheckpoint]:
    """The queue just before each turn from ``first.turn_index`` to ``index`` (both included).

    ``first`` is taken as it is (reconcile it with :func:`initial_queue` first); the turns in
    between are replayed in one pass, as :func:`queue_at` replays them, so each yielded queue
    equals ``queue_at`` resumed from ``first``. Nothing but ``first`` when ``index`` is not
    after it; an empty queue stays empty. With everyone always available only the turns
    touched by time off are given out, the queue rotates by one at every other turn.
    """
    turn, order = first.turn_index, first.order
    yield QueueCheckpoint(turn, order)
    if turn >= index:
        return
    picked: set[int] | None = None  # None: every turn is given out
    lo, hi = turn_start(layer, turn), turn_start(layer, index)
    if all(roster.always_available(m) for m in layer.members):
        picked = set(_candidate_turns(layer, roster, turn, index))
        if picked:
            lo, hi = turn_start(layer, min(picked)), turn_start(layer, max(picked) + 1)
    context = LayerContext(layer, roster, lo, hi) if order and picked != set() else None
    while turn < index:
        if context is not None and (picked is None or turn in picked):
            order = context.assign(turn, order).queue_after
        else:
            order = rotate(order, 1)
        turn += 1
        yield QueueCheckpoint(turn, order)


def queue_at(
    layer: LayerSpec, roster: Roster, index: int, checkpoint: QueueCheckpoint | None = None
) -> QueueCheckpoint:
    """The queue just before turn ``index`` is given out.

    Resumes from ``checkpoint`` when it is at or before ``index`` (else from the layer's
    start). Fast paths: with everyone always available, only turns touched by time off are
    replayed and the queue simply rotates in between, so with no time off at all this is pure
    arithmetic (turn ``k`` to member ``k mod n``). Otherwise every turn from the checkpoint is
    replayed (store checkpoints to bound the work). Empty rotations give an empty queue.
    """
    base = initial_queue(layer, checkpoint)
    if base.turn_index > index:
        base = initial_queue(layer, None)
    first, order = base.turn_index, base.order
    if first >= index or not order:
        return QueueCheckpoint(index, order)
    if all(roster.always_available(m) for m in layer.members):
        candidates: Sequence[int] = _candidate_turns(layer, roster, first, index)
        if not candidates:
            return QueueCheckpoint(index, rotate(order, index - first))
        span_start = turn_start(layer, candidates[0])
        span_end = turn_start(layer, candidates[-1] + 1)
    else:
        candidates = range(first, index)
        span_start, span_end = turn_start(layer, first), turn_start(layer, index)
    context = LayerContext(layer, roster, span_start, span_end)
    current = first
    for turn in candidates:
        order = rotate(order, turn - current)
        order = context.assign(turn, order).queue_after
        current = turn + 1
    return QueueCheckpoint(index, rotate(order, index - current))
