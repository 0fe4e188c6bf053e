"""The final schedule: layers stacked in file order, overrides and swaps on top.

At an instant: an override if one covers it (the one created last where several do), else the
last listed layer that is active and has someone on call there, else nobody (a gap). A layer's
own gaps (active, nobody can serve) let earlier layers show through.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise

from core.schedule.layer import layer_shifts
from core.schedule.model import (
    FinalSchedule,
    Interval,
    Override,
    QueueCheckpoint,
    ScheduleSpec,
    Shift,
    make_shift,
    utc,
)
from core.schedule.roster import Roster
from core.schedule.whoat import LOOK_AROUND, who_at

__all__ = ["LOOK_AROUND", "final_schedule", "swap_overrides", "who_at"]


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
    stacked: list[Shift] = []
    for layer in schedule.layers:  # a later layer wins wherever it has someone
        checkpoint = (checkpoints or {}).get(layer.id)
        stacked = overlay(stacked, layer_shifts(layer, roster, start, end, checkpoint).shifts)
    ordered = sorted(enumerate(overrides), key=lambda item: (item[1].created_seq, item[0]))
    pieces: list[_Piece] = []
    for rank, (_, ov) in enumerate(ordered):
        lo, hi = max(utc(ov.start), start), min(utc(ov.end), end)
        if lo < hi:
            pieces.append(_Piece((1, rank, 0), Shift(ov.person, lo, hi, ov.source)))
    if pieces:  # overrides among themselves first (they may overlap), then over the layers
        stacked = overlay(stacked, _stack(pieces, start, end))
    shifts = _merge_in_order(stacked)
    return FinalSchedule(tuple(shifts), tuple(_complement(shifts, start, end)))


def overlay(bottom: Sequence[Shift], top: Sequence[Shift]) -> list[Shift]:
    """``top`` laid over ``bottom``: ``top`` wins wherever it has a shift.

    Both are in time order without overlap (as a layer's shifts are); so is the result, whose
    pieces of ``bottom`` cut by ``top`` are not merged with their neighbours (see
    :func:`merge_shifts`). Runs of ``bottom`` between two pieces of ``top`` are found by
    bisection and copied whole, so a short ``top`` over a long ``bottom`` costs little.
    """
    if not top or not bottom:
        return list(top or bottom)
    ends = [b.end for b in bottom]
    count = len(bottom)
    out: list[Shift] = []
    cur = bottom[0].start  # bottom before cur is dealt with
    i = 0  # bottom[i:] is not yet dealt with; only bottom[i] may begin before cur
    for t in top:
        t_start = t.start
        j = bisect_right(ends, t_start, i)  # bottom[i:j] end by the time t starts
        if i < j:
            out.append(_from(bottom[i], cur))
            out.extend(bottom[i + 1 : j])
            i = j
        if i < count:
            piece = bottom[i]
            lo = piece.start if piece.start > cur else cur
            if lo < t_start:
                out.append(make_shift(piece.person, lo, t_start, piece.source))
        out.append(t)
        if t.end > cur:
            cur = t.end
        i = bisect_right(ends, cur, i)  # bottom pieces wholly under t are gone
    if i < len(bottom):
        out.append(_from(bottom[i], cur))
        out.extend(bottom[i + 1 :])
    return out


def _from(piece: Shift, cur: datetime) -> Shift:
    """``piece`` without the part before ``cur`` (which must be before its end)."""
    if piece.start >= cur:
        return piece
    return make_shift(piece.person, cur, piece.end, piece.source)


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
            out.append(make_shift(top.person, here, after, top.source))
    return out


def _merge_in_order(shifts: list[Shift]) -> list[Shift]:
    """:func:`merge_shifts` of shifts already in time order without overlap (no sorting).

    A run of touching shifts of one person and source becomes one new shift; a shift that
    touches neither neighbour is kept as it is.
    """
    out: list[Shift] = []
    i, count = 0, len(shifts)
    while i < count:
        first = shifts[i]
        end, j = first.end, i + 1
        while j < count:
            nxt = shifts[j]
            if nxt.start != end or nxt.person != first.person or nxt.source != first.source:
                break
            end, j = nxt.end, j + 1
        if j > i + 1:
            first = make_shift(first.person, first.start, end, first.source)
        out.append(first)
        i = j
    return out


def _complement(covered: Sequence[Shift], start: datetime, end: datetime) -> list[Interval]:
    gaps: list[Interval] = []
    cursor = start
    for iv in covered:
        if iv.start > cursor:
            gaps.append(Interval(cursor, iv.start))
        if iv.end > cursor:
            cursor = iv.end
    if cursor < end:
        gaps.append(Interval(cursor, end))
    return gaps


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
