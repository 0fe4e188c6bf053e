"""Active windows and available hours as instants: overnight, 24:00, whole days, DST."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta, tzinfo

from core.schedule.model import Interval, PersonSpec
from core.schedule.windows import active_intervals, available_intervals
from tests.unit.schedule.helpers import BERLIN, CHICAGO, at, chi, local, window

SAT, SUN, MON, TUE = 5, 6, 0, 1


def spans(intervals: Sequence[Interval], zone: tzinfo = CHICAGO) -> list[tuple[str, str]]:
    """Intervals as (local start, local end) rows."""
    return [(local(iv.start, zone), local(iv.end, zone)) for iv in intervals]


def test_overnight_window_crosses_midnight_and_spring_forward() -> None:
    # Saturday 22:00 → Sunday 06:00; that night clocks jump at 02:00, so it lasts 7 real hours
    got = active_intervals(
        (window([SAT], "22:00", "06:00"),), CHICAGO, chi(2020, 3, 6), chi(2020, 3, 10)
    )
    assert spans(got) == [("2020-03-07 22:00-06:00", "2020-03-08 06:00-05:00")]
    assert got[0].end - got[0].start == timedelta(hours=7)


def test_overnight_window_opened_before_the_range_is_clipped() -> None:
    got = active_intervals(
        (window([SAT], "22:00", "06:00"),), CHICAGO, chi(2020, 3, 8, 1), chi(2020, 3, 8, 12)
    )
    assert spans(got) == [("2020-03-08 01:00-06:00", "2020-03-08 06:00-05:00")]


def test_to_2400_touches_the_next_days_window_and_merges() -> None:
    windows = (window([MON], "18:00", "24:00"), window([TUE], "00:00", "06:00"))
    got = active_intervals(windows, CHICAGO, chi(2020, 3, 9), chi(2020, 3, 11))
    assert spans(got) == [("2020-03-09 18:00-05:00", "2020-03-10 06:00-05:00")]


def test_from_equal_to_is_a_whole_wall_clock_day() -> None:
    # Saturday 09:00 → Sunday 09:00 across spring forward: 23 real hours
    got = active_intervals(
        (window([SAT], "09:00", "09:00"),), CHICAGO, chi(2020, 3, 2), chi(2020, 3, 10)
    )
    assert spans(got) == [("2020-03-07 09:00-06:00", "2020-03-08 09:00-05:00")]
    assert got[0].end - got[0].start == timedelta(hours=23)


def test_window_inside_the_gap_is_empty_that_day_only() -> None:
    windows = (window([SUN], "02:00", "02:30"),)
    assert active_intervals(windows, CHICAGO, chi(2020, 3, 7), chi(2020, 3, 9)) == []
    assert spans(active_intervals(windows, CHICAGO, chi(2020, 3, 14), chi(2020, 3, 16))) == [
        ("2020-03-15 02:00-05:00", "2020-03-15 02:30-05:00")
    ]


def test_window_on_fall_back_night_follows_first_instant_rule() -> None:
    # 01:30 → 02:30 on 11-01: opens at the first 01:30 (CDT), closes 02:30 CST: two real hours
    got = active_intervals(
        (window([SUN], "01:30", "02:30"),), CHICAGO, chi(2020, 10, 31), chi(2020, 11, 2)
    )
    assert spans(got) == [("2020-11-01 01:30-05:00", "2020-11-01 02:30-06:00")]
    assert got[0].end - got[0].start == timedelta(hours=2)


def test_no_windows_means_always_active() -> None:
    assert spans(active_intervals(None, CHICAGO, chi(2020, 3, 8), chi(2020, 3, 9))) == [
        ("2020-03-08 00:00-06:00", "2020-03-09 00:00-05:00")
    ]


def test_available_hours_are_in_the_persons_zone() -> None:
    # Berlin 22:00-06:00 overnight; in January Berlin is UTC+1 and Chicago UTC-6, so the
    # span is Chicago 15:00-23:00 (the one opened on the 13th closes at 23:00 on the 13th)
    eu = PersonSpec("eu", BERLIN, ((22 * 60, 6 * 60),))
    got = available_intervals(eu, chi(2020, 1, 14, 0), chi(2020, 1, 15, 0))
    assert spans(got) == [("2020-01-14 15:00-06:00", "2020-01-14 23:00-06:00")]


def test_available_span_across_european_spring_forward() -> None:
    # Berlin jumps 02:00 → 03:00 on 2020-03-29: 01:00-04:00 that night is two real hours
    night = PersonSpec("eu", BERLIN, ((60, 240),))
    got = available_intervals(night, at(BERLIN, 2020, 3, 29), at(BERLIN, 2020, 3, 30))
    assert spans(got, BERLIN) == [("2020-03-29 01:00+01:00", "2020-03-29 04:00+02:00")]
    assert got[0].end - got[0].start == timedelta(hours=2)


def test_always_available_person() -> None:
    anyone = PersonSpec("x", BERLIN, None)
    assert len(available_intervals(anyone, chi(2020, 1, 1), chi(2020, 1, 2))) == 1
