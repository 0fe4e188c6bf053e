"""One layer's on-call shifts over a window: turn holders, generated covers and gaps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.schedule.fairqueue import LayerContext, TurnAssignment, queue_at
from core.schedule.intervals import clip, normalize
from core.schedule.model import Interval, LayerSpec, QueueCheckpoint, Shift, utc
from core.schedule.roster import Roster
from core.schedule.turns import turn_start, turns_between


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

    Pieces of the same person and source that touch across a hand-over (a member holding two
    turns in a row, which only happens with one member or time off) are merged. An empty
    rotation has no shifts and its active hours are all gaps.
    """
    start, end = utc(start), utc(end)
    pieces: list[Shift] = []
    gaps: list[Interval] = []
    source = f"layer:{layer.id}"
    for turn in layer_turns(layer, roster, start, end, checkpoint):
        if turn.holder is not None:
            pieces.extend(Shift(turn.holder, s.start, s.end, source) for s in turn.held)
        pieces.extend(Shift(person, s.start, s.end, "cover") for person, s in turn.covers)
        gaps.extend(turn.gaps)
    clipped = [
        Shift(p.person, iv.start, iv.end, p.source)
        for p in pieces
        for iv in clip([Interval(p.start, p.end)], start, end)
    ]
    return LayerShifts(tuple(merge_shifts(clipped)), tuple(clip(normalize(gaps), start, end)))


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
