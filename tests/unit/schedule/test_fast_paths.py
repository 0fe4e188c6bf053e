"""The one-pass ``layer_shifts`` and the overlay stacking of ``final_schedule`` against the
straightforward computations they replace: every turn through ``layer_turns`` (the general
fair round robin) and a boundary sweep in which the highest piece wins each elementary span.

Scenarios come from ``test_who_at_direct``: Chicago and Lord Howe, windows, ``available``
hours, time off, overrides (overlapping ones included) and checkpoints.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from core.schedule.final import _Piece, _stack, final_schedule, overlay
from core.schedule.intervals import clip, normalize
from core.schedule.layer import LayerShifts, layer_shifts, layer_turns, merge_shifts
from core.schedule.model import (
    Interval,
    LayerSpec,
    Override,
    QueueCheckpoint,
    ScheduleSpec,
    Shift,
    utc,
)
from core.schedule.roster import Roster
from tests.unit.schedule.helpers import assert_tiles
from tests.unit.schedule.oracle import brute_active
from tests.unit.schedule.test_who_at_direct import PROPS, TICK, quarter_hours, scenarios

Scenario = tuple[
    ScheduleSpec, Roster, list[Override], dict[str, QueueCheckpoint], datetime, ZoneInfo
]


def reference_layer_shifts(
    layer: LayerSpec,
    roster: Roster,
    start: datetime,
    end: datetime,
    checkpoint: QueueCheckpoint | None,
) -> LayerShifts:
    """Every turn given out by ``layer_turns``, pieces clipped, then merged."""
    pieces: list[Shift] = []
    gaps: list[Interval] = []
    for turn in layer_turns(layer, roster, start, end, checkpoint):
        if turn.holder is not None:
            pieces.extend(
                Shift(turn.holder, s.start, s.end, f"layer:{layer.id}") for s in turn.held
            )
        pieces.extend(Shift(person, s.start, s.end, "cover") for person, s in turn.covers)
        gaps.extend(turn.gaps)
    clipped = [
        Shift(p.person, iv.start, iv.end, p.source)
        for p in pieces
        for iv in clip([Interval(p.start, p.end)], start, end)
    ]
    return LayerShifts(tuple(merge_shifts(clipped)), tuple(clip(normalize(gaps), start, end)))


def assert_active_hours_follow_the_oracle(
    layer: LayerSpec, got: LayerShifts, start: datetime, end: datetime
) -> None:
    """The layer's shifts and gaps cover exactly its active hours in ``[start, end)`` as the
    brute-force oracle reads them from the wall clock (:mod:`tests.unit.schedule.oracle`),
    checked at each piece's bounds, a tick before them and in their middles (a few dozen)."""
    spans = [(s.start, s.end) for s in got.shifts] + [(g.start, g.end) for g in got.gaps]
    moments = {m for lo, hi in spans for m in (lo, hi - TICK, lo + (hi - lo) / 2, lo - TICK)}
    for moment in sorted(m for m in moments if start <= m < end)[:40]:
        covered = any(lo <= moment < hi for lo, hi in spans)
        assert covered == brute_active(layer, moment), moment


def reference_final(
    spec: ScheduleSpec,
    roster: Roster,
    start: datetime,
    end: datetime,
    overrides: list[Override],
    points: dict[str, QueueCheckpoint],
) -> tuple[Shift, ...]:
    """Layers and overrides swept boundary by boundary: the highest piece wins."""
    pieces = [
        _Piece((0, rank, 0), shift)
        for rank, layer in enumerate(spec.layers)
        for shift in reference_layer_shifts(layer, roster, start, end, points.get(layer.id)).shifts
    ]
    ranked = sorted(enumerate(overrides), key=lambda item: (item[1].created_seq, item[0]))
    for rank, (_, ov) in enumerate(ranked):
        lo, hi = max(utc(ov.start), start), min(utc(ov.end), end)
        if lo < hi:
            pieces.append(_Piece((1, rank, 0), Shift(ov.person, lo, hi, ov.source)))
    return tuple(merge_shifts(_stack(pieces, start, end)))


@PROPS
@given(scenario=scenarios(), data=st.data())
def test_layer_shifts_and_final_schedule_equal_the_straightforward_computation(
    scenario: Scenario, data: st.DataObject
) -> None:
    equal_the_straightforward_computation(scenario, data)


def equal_the_straightforward_computation(scenario: Scenario, data: st.DataObject) -> None:
    """A random window's layer shifts and final schedule equal the references (every turn
    through the general fair round robin, layers stacked by a sweep), active hours follow the
    oracle, and shifts and gaps tile the window."""
    spec, roster, overrides, points, anchor, _ = scenario
    start = anchor + data.draw(st.integers(-4 * 24 * 3, 4 * 24 * 6).map(quarter_hours))
    end = start + data.draw(st.integers(0, 4 * 24 * 8).map(quarter_hours))
    for layer in spec.layers:
        checkpoint = points.get(layer.id)
        reference = reference_layer_shifts(layer, roster, start, end, checkpoint)
        assert layer_shifts(layer, roster, start, end, checkpoint) == reference
        assert_active_hours_follow_the_oracle(layer, reference, start, end)
    got = final_schedule(spec, roster, start, end, overrides=overrides, checkpoints=points)
    assert got.shifts == reference_final(spec, roster, start, end, overrides, points)
    if start < end:
        assert_tiles(got, start, end)


@PROPS
@given(
    bottom=st.lists(st.tuples(st.integers(0, 6), st.integers(1, 6), st.sampled_from("ab"))),
    top=st.lists(st.tuples(st.integers(0, 6), st.integers(1, 6), st.sampled_from("xy"))),
)
def test_overlay_equals_the_sweep(
    bottom: list[tuple[int, int, str]], top: list[tuple[int, int, str]]
) -> None:
    base = datetime(2020, 1, 1).astimezone()

    def shifts(spec: list[tuple[int, int, str]], source: str) -> list[Shift]:
        out, cursor = [], base
        for skip, length, person in spec:  # in time order, without overlap
            begin = cursor + timedelta(hours=skip)
            cursor = begin + timedelta(hours=length)
            out.append(Shift(person, utc(begin), utc(cursor), source))
        return out

    low, high = shifts(bottom, "low"), shifts(top, "high")
    start, end = utc(base), utc(base + timedelta(hours=200))
    pieces = [_Piece((0, 0, 0), s) for s in low] + [_Piece((0, 1, 0), s) for s in high]
    assert merge_shifts(overlay(low, high)) == merge_shifts(_stack(pieces, start, end))
