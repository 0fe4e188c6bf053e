"""Pieces that exist only for speed give what the plain computation gives."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.schedule.intervals import normalize
from core.schedule.model import Interval, Shift, WeeklyWindow, make_shift
from core.schedule.windows import expand_windows
from tests.unit.schedule.helpers import BERLIN, CHICAGO, window

WINDOW_SETS: list[tuple[WeeklyWindow, ...]] = [
    (window([0, 1, 2, 3, 4], "09:00", "17:00"),),
    (window([5, 6], "00:00", "00:00"),),
    (window([5], "22:00", "06:00"), window([2], "01:30", "02:30")),
    (window([0], "18:00", "24:00"), window([1], "00:00", "06:00"), window([3], "02:00", "02:00")),
]


def test_make_shift_equals_the_constructor() -> None:
    assert not hasattr(Shift, "__post_init__")  # make_shift would skip it
    when = datetime(2026, 3, 8, 8, tzinfo=UTC)
    made = make_shift("ann", when, when + timedelta(hours=1), "layer:x")
    plain = Shift("ann", when, when + timedelta(hours=1), "layer:x")
    assert made == plain and hash(made) == hash(plain)
    assert [getattr(made, f.name) for f in fields(Shift)] == [
        getattr(plain, f.name) for f in fields(Shift)
    ]


@pytest.mark.parametrize("windows", WINDOW_SETS)
@pytest.mark.parametrize("zone", [CHICAGO, BERLIN])
@pytest.mark.parametrize("offset_hours", [0, 5, 31, 100])
def test_long_expansion_equals_joined_short_ones(
    windows: tuple[WeeklyWindow, ...], zone: ZoneInfo, offset_hours: int
) -> None:
    # long ranges go week by week, ranges under a week day by day: both must agree
    start = datetime(2026, 2, 20, tzinfo=UTC) + timedelta(hours=offset_hours)
    end = start + timedelta(days=300, hours=offset_hours)
    pieces: list[Interval] = []
    cut = start
    while cut < end:
        nxt = min(cut + timedelta(days=3), end)
        pieces.extend(expand_windows(windows, zone, cut, nxt))
        cut = nxt
    assert expand_windows(windows, zone, start, end) == normalize(pieces)
