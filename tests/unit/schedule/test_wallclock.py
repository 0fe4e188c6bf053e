"""Wall-clock readings to instants (CONFIG.md's DST rule) and wall-clock unit arithmetic."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.schedule.wallclock import add_units, to_instant, to_local
from tests.unit.schedule.helpers import CHICAGO, LORD_HOWE, z

R = datetime  # a naive wall-clock reading


@pytest.mark.parametrize(
    ("reading", "zone", "expected"),
    [
        # an ordinary winter reading: CST is UTC-6
        (R(2020, 1, 15, 9, 0), CHICAGO, z(2020, 1, 15, 15, 0)),
        # the last minute before spring forward (02:00 CST jumps to 03:00 CDT)
        (R(2020, 3, 8, 1, 59), CHICAGO, z(2020, 3, 8, 7, 59)),
        # 02:00 and 02:30 do not exist: the first instant after the gap, 03:00 CDT
        (R(2020, 3, 8, 2, 0), CHICAGO, z(2020, 3, 8, 8, 0)),
        (R(2020, 3, 8, 2, 30), CHICAGO, z(2020, 3, 8, 8, 0)),
        (R(2020, 3, 8, 2, 59), CHICAGO, z(2020, 3, 8, 8, 0)),
        # 03:00 CDT exists, UTC-5
        (R(2020, 3, 8, 3, 0), CHICAGO, z(2020, 3, 8, 8, 0)),
        (R(2020, 3, 8, 3, 1), CHICAGO, z(2020, 3, 8, 8, 1)),
        # fall back: 02:00 CDT goes back to 01:00 CST; 00:59 CDT happens once
        (R(2020, 11, 1, 0, 59), CHICAGO, z(2020, 11, 1, 5, 59)),
        # 01:00..01:59 happen twice: the first of the two (CDT, UTC-5)
        (R(2020, 11, 1, 1, 0), CHICAGO, z(2020, 11, 1, 6, 0)),
        (R(2020, 11, 1, 1, 30), CHICAGO, z(2020, 11, 1, 6, 30)),
        (R(2020, 11, 1, 1, 30, fold=1), CHICAGO, z(2020, 11, 1, 6, 30)),  # fold is ignored
        # 02:00 CST happens once, UTC-6
        (R(2020, 11, 1, 2, 0), CHICAGO, z(2020, 11, 1, 8, 0)),
        # Lord Howe springs forward 30 minutes: 02:00 (+10:30) becomes 02:30 (+11:00)
        (R(2020, 10, 4, 1, 59), LORD_HOWE, z(2020, 10, 3, 15, 29)),
        (R(2020, 10, 4, 2, 0), LORD_HOWE, z(2020, 10, 3, 15, 30)),
        (R(2020, 10, 4, 2, 15), LORD_HOWE, z(2020, 10, 3, 15, 30)),
        (R(2020, 10, 4, 2, 30), LORD_HOWE, z(2020, 10, 3, 15, 30)),
        # Lord Howe falls back 30 minutes: 02:00 (+11:00) becomes 01:30 (+10:30)
        (R(2021, 4, 4, 1, 29), LORD_HOWE, z(2021, 4, 3, 14, 29)),
        (R(2021, 4, 4, 1, 30), LORD_HOWE, z(2021, 4, 3, 14, 30)),  # first 01:30, +11:00
        (R(2021, 4, 4, 1, 59), LORD_HOWE, z(2021, 4, 3, 14, 59)),  # first 01:59, +11:00
        (R(2021, 4, 4, 2, 0), LORD_HOWE, z(2021, 4, 3, 15, 30)),  # once, +10:30
    ],
)
def test_reading_to_instant(reading: datetime, zone: ZoneInfo, expected: datetime) -> None:
    assert to_instant(reading, zone) == expected
    assert to_instant(reading, zone).tzinfo is UTC


def test_aware_reading_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        to_instant(datetime(2020, 1, 1, tzinfo=UTC), CHICAGO)


@pytest.mark.parametrize(
    ("start", "count", "expected"),
    [
        # monthly keeps the day of month, clamped, always from the original day
        (R(2021, 1, 31, 9), 1, R(2021, 2, 28, 9)),
        (R(2021, 1, 31, 9), 2, R(2021, 3, 31, 9)),
        (R(2021, 1, 31, 9), 3, R(2021, 4, 30, 9)),
        (R(2021, 1, 31, 9), 13, R(2022, 2, 28, 9)),
        (R(2020, 1, 31, 9), 1, R(2020, 2, 29, 9)),  # leap year
        (R(2021, 1, 31, 9), -2, R(2020, 11, 30, 9)),
        (R(2021, 12, 15, 9), 1, R(2022, 1, 15, 9)),  # year wrap
    ],
)
def test_monthly_units(start: datetime, count: int, expected: datetime) -> None:
    assert add_units(start, "monthly", count) == expected


def test_hour_day_week_units_are_wall_clock() -> None:
    start = R(2020, 3, 7, 2, 30)
    assert add_units(start, "hourly", 24) == R(2020, 3, 8, 2, 30)  # a reading in the gap
    assert add_units(start, "daily", 2) == R(2020, 3, 9, 2, 30)
    assert add_units(start, "weekly", 2) == R(2020, 3, 21, 2, 30)


ZONES = st.sampled_from([CHICAGO, LORD_HOWE, ZoneInfo("Europe/Berlin"), ZoneInfo("UTC")])
INSTANTS = st.datetimes(min_value=R(2019, 1, 1), max_value=R(2022, 12, 31)).map(
    lambda d: d.replace(tzinfo=UTC)
)


@settings(max_examples=200)
@given(moment=INSTANTS, zone=ZONES)
def test_round_trip_gives_the_first_instant_with_that_reading(
    moment: datetime, zone: ZoneInfo
) -> None:
    reading = to_local(moment, zone)
    back = to_instant(reading, zone)
    # the same instant, unless it was the second of an ambiguous pair (then the first)
    assert back == moment or (back < moment and to_local(back, zone) == reading)
    assert moment - back <= timedelta(hours=1)


@settings(max_examples=200)
@given(
    first=st.datetimes(min_value=R(2019, 1, 1), max_value=R(2022, 12, 31)),
    step=st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=6)),
    zone=ZONES,
)
def test_later_readings_never_give_earlier_instants(
    first: datetime, step: timedelta, zone: ZoneInfo
) -> None:
    assert to_instant(first, zone) <= to_instant(first + step, zone)
