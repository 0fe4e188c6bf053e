"""Pieces that exist only for speed give what the plain computation gives."""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.schedule.activeunits import active_units
from core.schedule.intervals import normalize
from core.schedule.model import Interval, LayerSpec, Shift, WeeklyWindow, make_shift
from core.schedule.turns import turn_index_at
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


def test_layers_that_differ_only_in_members_share_one_walk_of_their_units() -> None:
    # days_of_month makes the counting units a walk from start; an edit of the members (or
    # id, every, until, shift) must not walk again from start
    dates = (WeeklyWindow(frozenset(range(7)), 540, 1020, frozenset({1, 15, -1})),)
    first = LayerSpec(
        "t", ("A", "B"), "daily", 1, datetime(2016, 1, 1, 9), CHICAGO, dates, turn="active"
    )
    when = datetime(2026, 12, 5, 15, tzinfo=UTC)
    index = turn_index_at(first, when)
    walked = active_units(first)
    edited = replace(first, id="u", members=("C", "A", "B"), every=2, until=datetime(2027, 1, 1))
    assert active_units(edited) is walked
    assert turn_index_at(replace(first, members=("C",)), when) == index
    other_zone = replace(first, zone=BERLIN)
    other_windows = replace(first, active=(replace(dates[0], days_of_month=frozenset({2})),))
    assert active_units(other_zone) is not walked
    assert active_units(other_windows) is not walked
