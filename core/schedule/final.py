"""The final schedule: layers stacked in file order, overrides and swaps on top.

At an instant: an override if one covers it (the one created last where several do), else the
last listed layer that is active and has someone on call there, else nobody (a gap). A layer's
own gaps (active, nobody can serve) let earlier layers show through.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise

from core.schedule.intervals import normalize
from core.schedule.layer import layer_shifts, merge_shifts
from core.schedule.model import (
    FinalSchedule,
    Interval,
    OnCall,
    Override,
    QueueCheckpoint,
    ScheduleSpec,
    Shift,
    utc,
)
from core.schedule.roster import Roster

LOOK_AROUND = timedelta(days=365)
"""How far :func:`who_at` looks back and ahead for the bounds of the current shift."""

_FIRST_LOOK = timedelta(days=8)


@dataclass(frozen=True, slots=True)
class _Piece:
    level: tuple[int, int, int]
    shift: Shift


def final_schedule(
    schedule: ScheduleSpec,
    roster: Roster,
    start: datetime,
    end: datetime,
    *,
    overrides: Iterable[Override] = (),
    checkpoints: Mapping[str, QueueCheckpoint] | None = None,
) -> FinalSchedule:
    """Who is on call in ``schedule`` over ``[start, end)``, with the gaps where nobody is.

    ``roster`` holds the people and their time off; ``checkpoints`` (by layer id) let each
    layer's queue replay resume. Shifts come in time order, clipped to the window, with
    touching pieces of one person from one source merged; shifts and gaps tile the window
    exactly. Edge cases: an empty or inverted window gives nothing; overrides with equal
    ``created_seq`` rank by their order in ``overrides``; a zero-length override is ignored;
    the same person handing over to themselves from a different source stays two shifts.
    """
    start, end = utc(start), utc(end)
    if start >= end:
        return FinalSchedule((), ())
    pieces: list[_Piece] = []
    for rank, layer in enumerate(schedule.layers):
        checkpoint = (checkpoints or {}).get(layer.id)
        for shift in layer_shifts(layer, roster, start, end, checkpoint).shifts:
            pieces.append(_Piece((0, rank, 0), shift))
    ordered = sorted(enumerate(overrides), key=lambda item: (item[1].created_seq, item[0]))
    for rank, (_, ov) in enumerate(ordered):
        lo, hi = max(utc(ov.start), start), min(utc(ov.end), end)
        if lo < hi:
            pieces.append(_Piece((1, rank, 0), Shift(ov.person, lo, hi, ov.source)))
    shifts = merge_shifts(_stack(pieces, start, end))
    covered = normalize(Interval(s.start, s.end) for s in shifts)
    return FinalSchedule(tuple(shifts), tuple(_complement(covered, start, end)))


def _stack(pieces: list[_Piece], start: datetime, end: datetime) -> list[Shift]:
    """Sweep the boundaries; on each elementary span the highest-level piece wins."""
    starting: dict[datetime, list[_Piece]] = {}
    ending: dict[datetime, list[_Piece]] = {}
    for piece in pieces:
        starting.setdefault(piece.shift.start, []).append(piece)
        ending.setdefault(piece.shift.end, []).append(piece)
    points = sorted({start, end, *starting, *ending})
    live: dict[tuple[int, int, int], _Piece] = {}
    out: list[Shift] = []
    for here, after in pairwise(points):
        for piece in ending.get(here, ()):
            if live.get(piece.level) is piece:
                del live[piece.level]
        for piece in starting.get(here, ()):
            live[piece.level] = piece
        if live:
            top = live[max(live)].shift
            out.append(Shift(top.person, here, after, top.source))
    return out


def _complement(covered: list[Interval], start: datetime, end: datetime) -> list[Interval]:
    gaps: list[Interval] = []
    cursor = start
    for iv in covered:
        if iv.start > cursor:
            gaps.append(Interval(cursor, iv.start))
        cursor = max(cursor, iv.end)
    if cursor < end:
        gaps.append(Interval(cursor, end))
    return gaps


def who_at(
    schedule: ScheduleSpec,
    roster: Roster,
    at: datetime,
    *,
    overrides: Iterable[Override] = (),
    checkpoints: Mapping[str, QueueCheckpoint] | None = None,
) -> OnCall | None:
    """The final shift containing ``at`` with its full bounds, or None in a gap.

    The final schedule is computed for about a week around ``at``; while the shift found runs
    into an edge of what was computed, the next chunk (doubling in length) is computed to see
    whether it goes on, up to :data:`LOOK_AROUND` (a year) each way. A shift still running a
    year after ``at`` has ``end=None``; one that began more than a year before has ``start``
    clipped to ``at - LOOK_AROUND``. At a hand-over instant the incoming shift is returned.
    """
    at = utc(at)
    overrides = tuple(overrides)

    def compute(lo: datetime, hi: datetime) -> tuple[Shift, ...]:
        final = final_schedule(
            schedule, roster, lo, hi, overrides=overrides, checkpoints=checkpoints
        )
        return final.shifts

    lo, hi = at - _FIRST_LOOK, at + _FIRST_LOOK
    found = next((s for s in compute(lo, hi) if s.start <= at < s.end), None)
    if found is None:
        return None
    key = (found.person, found.source)
    start, end = found.start, found.end
    step, horizon = _FIRST_LOOK, at + LOOK_AROUND
    while end == hi < horizon:
        nxt = min(hi + step, horizon)
        ahead = compute(hi, nxt)
        if not ahead or ahead[0].start != hi or (ahead[0].person, ahead[0].source) != key:
            break
        end, hi, step = ahead[0].end, nxt, step * 2
    step, horizon_back = _FIRST_LOOK, at - LOOK_AROUND
    while start == lo > horizon_back:
        prev = max(lo - step, horizon_back)
        behind = compute(prev, lo)
        if not behind or behind[-1].end != lo or (behind[-1].person, behind[-1].source) != key:
            break
        start, lo, step = behind[-1].start, prev, step * 2
    return OnCall(found.person, start, None if end == horizon else end, found.source)


def swap_overrides(
    first: str, first_window: Interval, second: str, second_window: Interval, created_seq: int
) -> tuple[Override, Override]:
    """An accepted swap as two ``source="swap"`` overrides.

    ``second`` takes ``first``'s window and ``first`` takes ``second``'s. Both records share
    ``created_seq``; a later override or swap over the same hours wins over them.
    """
    return (
        Override(second, first_window.start, first_window.end, created_seq, "swap"),
        Override(first, second_window.start, second_window.end, created_seq, "swap"),
    )
