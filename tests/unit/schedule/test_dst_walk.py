"""A brute-force walk in 10-minute steps across both 2020 DST changes in America/Chicago.

At every step, ``who_at`` must name the person, source and bounds of the shift that the final
schedule's shift list holds at that instant (and nobody inside a gap).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from core.schedule.final import final_schedule, who_at
from core.schedule.model import Override, ScheduleSpec
from tests.unit.schedule.helpers import chi, layer, off, roster, schedule, window

STEP = timedelta(minutes=10)
SAT, SUN = 5, 6


def walk_schedule(year: int, month: int, day: int) -> ScheduleSpec:
    """Daily 02:30 hand-overs (inside the gap in spring, the fold in autumn) under an hourly
    layer (every 3 hours) active Saturday 22:00 → Sunday 02:30 and Sunday 01:00-01:30."""
    daily = layer(("a", "b", "c"), "daily", datetime(year, month, day, 2, 30), id="daily")
    hourly = layer(
        ("d", "e"),
        "hourly",
        datetime(year, month, day, 0, 0),
        every=3,
        active=[window([SAT], "22:00", "02:30"), window([SUN], "01:00", "01:30")],
        id="nights",
    )
    return schedule(daily, hourly)


CASES = {
    # spring forward 2020-03-08 02:00 CST → 03:00 CDT
    "spring": (
        walk_schedule(2020, 3, 1),
        roster(
            off("b", chi(2020, 3, 7, 23), chi(2020, 3, 8, 4)),
            off("d", chi(2020, 3, 8, 0), chi(2020, 3, 8, 1)),
        ),
        (Override("o", chi(2020, 3, 8, 1, 50), chi(2020, 3, 8, 3, 20), created_seq=1),),
        chi(2020, 3, 7, 12),
        chi(2020, 3, 9, 0),
    ),
    # fall back 2020-11-01 02:00 CDT → 01:00 CST; the override sits in the second 01:xx hour
    "fall": (
        walk_schedule(2020, 10, 25),
        roster(off("e", chi(2020, 10, 31, 23), chi(2020, 11, 1, 1, 20, fold=1))),
        (
            Override(
                "o", chi(2020, 11, 1, 1, 10, fold=1), chi(2020, 11, 1, 1, 40, fold=1), created_seq=1
            ),
        ),
        chi(2020, 10, 31, 12),
        chi(2020, 11, 2, 0),
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_who_at_matches_the_shift_list_every_ten_minutes(case: str) -> None:
    spec, people, overrides, begin, end = CASES[case]
    margin = timedelta(days=10)
    final = final_schedule(spec, people, begin - margin, end + margin, overrides=overrides)
    seen = set()
    moment = begin
    while moment < end:
        expected = [s for s in final.shifts if s.start <= moment < s.end]
        in_gap = [g for g in final.gaps if g.start <= moment < g.end]
        assert len(expected) + len(in_gap) == 1, moment  # exactly one piece holds each instant
        got = who_at(spec, people, moment, overrides=overrides)
        if in_gap:
            assert got is None, moment
        else:
            (shift,) = expected
            assert got is not None, moment
            assert (got.person, got.start, got.end, got.source) == (
                shift.person,
                shift.start,
                shift.end,
                shift.source,
            ), moment
            seen.add(shift.source)
        moment += STEP
    # the walk went through layers, covers and the override
    assert {"layer:daily", "layer:nights", "override"} <= seen


def test_fall_walk_sees_the_repeated_hour_twice() -> None:
    spec, people, overrides, _, _ = CASES["fall"]
    first = who_at(spec, people, chi(2020, 11, 1, 1, 15), overrides=overrides)
    second = who_at(spec, people, chi(2020, 11, 1, 1, 15, fold=1), overrides=overrides)
    assert first is not None and second is not None
    assert second.source == "override" and first.source != "override"
