"""The final schedule: layers stacked, gaps showing through, overrides and swaps on top."""

from __future__ import annotations

from datetime import datetime

from core.schedule.final import LOOK_AROUND, final_schedule, swap_overrides, who_at
from core.schedule.model import FinalSchedule, Interval, OnCall, Override, ScheduleSpec
from core.schedule.roster import Roster
from tests.unit.schedule.helpers import (
    assert_tiles,
    chi,
    layer,
    local,
    off,
    roster,
    rows,
    schedule,
    window,
)

R = datetime
WEEKDAYS, SAT = [0, 1, 2, 3, 4], 5
WEEK = layer(("x", "y"), "weekly", R(2020, 3, 2, 9, 0), id="week")
DAY = layer(
    ("a", "b"), "daily", R(2020, 3, 2, 9, 0), active=[window(WEEKDAYS, "09:00", "17:00")], id="day"
)


def final(
    spec: ScheduleSpec,
    start: datetime,
    end: datetime,
    r: Roster | None = None,
    overrides: tuple[Override, ...] = (),
) -> FinalSchedule:
    """The final schedule, checked to tile the window before it is returned."""
    got = final_schedule(spec, r or roster(), start, end, overrides=overrides)
    assert_tiles(got, start, end)
    return got


def test_later_layer_wins_where_active() -> None:
    got = final(schedule(WEEK, DAY), chi(2020, 3, 2, 9), chi(2020, 3, 4, 9))
    assert rows(got.shifts) == [
        ("a", "2020-03-02 09:00-06:00", "2020-03-02 17:00-06:00", "layer:day"),
        ("x", "2020-03-02 17:00-06:00", "2020-03-03 09:00-06:00", "layer:week"),  # day inactive
        ("b", "2020-03-03 09:00-06:00", "2020-03-03 17:00-06:00", "layer:day"),
        ("x", "2020-03-03 17:00-06:00", "2020-03-04 09:00-06:00", "layer:week"),
    ]
    assert got.gaps == ()


def test_a_gap_in_a_later_layer_lets_earlier_layers_show_through() -> None:
    solo = layer(("a",), "daily", R(2020, 3, 2, 9, 0), active=[window(WEEKDAYS, "09:00", "17:00")])
    r = roster(off("a", chi(2020, 3, 2, 12), chi(2020, 3, 2, 13)))
    got = final(schedule(WEEK, solo), chi(2020, 3, 2, 9), chi(2020, 3, 2, 17), r)
    assert rows(got.shifts) == [
        ("a", "2020-03-02 09:00-06:00", "2020-03-02 12:00-06:00", "layer:L"),
        ("x", "2020-03-02 12:00-06:00", "2020-03-02 13:00-06:00", "layer:week"),  # shows through
        ("a", "2020-03-02 13:00-06:00", "2020-03-02 17:00-06:00", "layer:L"),
    ]


def test_nobody_anywhere_is_a_gap_of_the_final_schedule() -> None:
    got = final(schedule(DAY), chi(2020, 3, 2, 16), chi(2020, 3, 3, 10))
    assert rows(got.shifts) == [
        ("a", "2020-03-02 16:00-06:00", "2020-03-02 17:00-06:00", "layer:day"),
        ("b", "2020-03-03 09:00-06:00", "2020-03-03 10:00-06:00", "layer:day"),
    ]
    assert got.gaps == (Interval(chi(2020, 3, 2, 17), chi(2020, 3, 3, 9)),)


def test_overnight_and_2400_windows_in_a_top_layer() -> None:
    nights = layer(
        ("n",),
        "weekly",
        R(2020, 3, 2, 0, 0),
        active=[window([SAT], "22:00", "06:00"), window([0], "20:00", "24:00")],
        id="nights",
    )
    got = final(schedule(WEEK, nights), chi(2020, 3, 7, 12), chi(2020, 3, 10, 0))
    assert rows(got.shifts) == [
        ("x", "2020-03-07 12:00-06:00", "2020-03-07 22:00-06:00", "layer:week"),
        # Saturday night across spring forward: 22:00 CST to 06:00 CDT
        ("n", "2020-03-07 22:00-06:00", "2020-03-08 06:00-05:00", "layer:nights"),
        ("x", "2020-03-08 06:00-05:00", "2020-03-09 09:00-05:00", "layer:week"),
        ("y", "2020-03-09 09:00-05:00", "2020-03-09 20:00-05:00", "layer:week"),
        ("n", "2020-03-09 20:00-05:00", "2020-03-10 00:00-05:00", "layer:nights"),  # to 24:00
    ]


def test_overrides_on_top_last_created_wins() -> None:
    p = Override("p", chi(2020, 3, 2, 10), chi(2020, 3, 2, 14), created_seq=1)
    q = Override("q", chi(2020, 3, 2, 12), chi(2020, 3, 2, 16), created_seq=2)
    window_ = (chi(2020, 3, 2, 9), chi(2020, 3, 2, 18))
    got = final(schedule(WEEK), *window_, overrides=(p, q))
    assert rows(got.shifts) == [
        ("x", "2020-03-02 09:00-06:00", "2020-03-02 10:00-06:00", "layer:week"),
        ("p", "2020-03-02 10:00-06:00", "2020-03-02 12:00-06:00", "override"),
        ("q", "2020-03-02 12:00-06:00", "2020-03-02 16:00-06:00", "override"),  # created last
        ("x", "2020-03-02 16:00-06:00", "2020-03-02 18:00-06:00", "layer:week"),
    ]
    later_p = Override("p", p.start, p.end, created_seq=3)
    got = final(schedule(WEEK), *window_, overrides=(later_p, q))
    assert [(s.person, local(s.end)) for s in got.shifts][1:3] == [
        ("p", "2020-03-02 14:00-06:00"),
        ("q", "2020-03-02 16:00-06:00"),
    ]


def test_an_override_covers_a_gap_too() -> None:
    fill = Override("z", chi(2020, 3, 2, 16), chi(2020, 3, 2, 18), created_seq=1)
    got = final(schedule(DAY), chi(2020, 3, 2, 16), chi(2020, 3, 2, 19), overrides=(fill,))
    # the override wins over a (16-17) and fills the day layer's gap (17-18)
    assert rows(got.shifts) == [
        ("z", "2020-03-02 16:00-06:00", "2020-03-02 18:00-06:00", "override"),
    ]
    assert got.gaps == (Interval(chi(2020, 3, 2, 18), chi(2020, 3, 2, 19)),)


def test_a_swap_exchanges_two_windows() -> None:
    # a holds Monday 09-17, b Tuesday 09-17; they swap
    monday = Interval(chi(2020, 3, 2, 9), chi(2020, 3, 2, 17))
    tuesday = Interval(chi(2020, 3, 3, 9), chi(2020, 3, 3, 17))
    records = swap_overrides("a", monday, "b", tuesday, created_seq=7)
    got = final(schedule(DAY), chi(2020, 3, 2, 9), chi(2020, 3, 3, 17), overrides=records)
    assert [(s.person, s.source) for s in got.shifts] == [("b", "swap"), ("a", "swap")]


def test_before_the_start_nobody_is_on_call() -> None:
    future = layer(("x", "y"), "weekly", R(2020, 6, 1, 9, 0))
    got = final(schedule(future), chi(2020, 5, 30), chi(2020, 6, 2))
    assert got.gaps == (Interval(chi(2020, 5, 30), chi(2020, 6, 1, 9)),)
    assert rows(got.shifts) == [
        ("x", "2020-06-01 09:00-05:00", "2020-06-02 00:00-05:00", "layer:L")
    ]
    assert who_at(schedule(future), roster(), chi(2020, 6, 1, 8, 59)) is None


def test_who_at_gives_the_whole_shift() -> None:
    spec = schedule(WEEK, DAY)
    # Wednesday evening: x's week shift, between day-layer pieces
    got = who_at(spec, roster(), chi(2020, 3, 4, 20))
    assert got == OnCall("x", chi(2020, 3, 4, 17), chi(2020, 3, 5, 9), "layer:week")
    # at the 09:00 hand-over instant the incoming person is on call (turn 2 of "day": a)
    assert who_at(spec, roster(), chi(2020, 3, 4, 9)) == OnCall(
        "a", chi(2020, 3, 4, 9), chi(2020, 3, 4, 17), "layer:day"
    )


def test_who_at_finds_bounds_beyond_the_first_look() -> None:
    monthly = layer(("m", "n"), "monthly", R(2020, 1, 31, 9, 0))
    got = who_at(schedule(monthly), roster(), chi(2020, 3, 15))
    assert got == OnCall("n", chi(2020, 2, 29, 9), chi(2020, 3, 31, 9), "layer:L")


def test_who_at_end_is_none_when_the_shift_does_not_end_within_a_year() -> None:
    solo = layer(("s",), "weekly", R(2020, 3, 2, 9, 0))
    got = who_at(schedule(solo), roster(), chi(2020, 3, 4))
    assert got == OnCall("s", chi(2020, 3, 2, 9), None, "layer:L")
    # a shift running since more than a year before is clipped to the look-back
    moment = chi(2022, 1, 1)
    late = who_at(schedule(solo), roster(), moment)
    assert late == OnCall("s", moment - LOOK_AROUND, None, "layer:L")


def test_who_at_in_a_gap_is_none() -> None:
    assert who_at(schedule(DAY), roster(), chi(2020, 3, 2, 18)) is None


def test_who_at_inside_an_override() -> None:
    o = Override("o", chi(2020, 3, 2, 10), chi(2020, 3, 2, 11), created_seq=1)
    got = who_at(schedule(DAY), roster(), chi(2020, 3, 2, 10, 30), overrides=(o,))
    assert got == OnCall("o", o.start, o.end, "override")
    assert who_at(schedule(DAY), roster(), chi(2020, 3, 2, 11), overrides=(o,)) == OnCall(
        "a", chi(2020, 3, 2, 11), chi(2020, 3, 2, 17), "layer:day"
    )


def test_an_empty_window_gives_nothing() -> None:
    assert final_schedule(schedule(DAY), roster(), chi(2020, 3, 2), chi(2020, 3, 2)) == (
        FinalSchedule((), ())
    )
