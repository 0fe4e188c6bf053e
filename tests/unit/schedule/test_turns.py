"""Turn boundaries: daily, weekly, hourly, monthly hand-overs across DST, with explicit tables."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.schedule.model import LayerSpec, Rotation
from core.schedule.turns import turn_bounds, turn_index_at, turn_start, turns_between
from tests.unit.schedule.helpers import LORD_HOWE, chi, layer, local

R = datetime
H = timedelta(hours=1)


def table(spec: LayerSpec, first: int, last: int) -> list[tuple[str, str, timedelta]]:
    """Turns ``first..last`` as (local start, local end, real length) rows."""
    out = []
    for k in range(first, last + 1):
        b = turn_bounds(spec, k)
        out.append((local(b.start, spec.zone), local(b.end, spec.zone), b.end - b.start))
    return out


def test_daily_0900_across_spring_forward() -> None:
    spec = layer(rotation="daily", start=R(2020, 3, 6, 9, 0))
    assert table(spec, 0, 2) == [
        ("2020-03-06 09:00-06:00", "2020-03-07 09:00-06:00", 24 * H),
        # 09:00 stays 09:00: this turn has 23 hours
        ("2020-03-07 09:00-06:00", "2020-03-08 09:00-05:00", 23 * H),
        ("2020-03-08 09:00-05:00", "2020-03-09 09:00-05:00", 24 * H),
    ]


def test_daily_0900_across_fall_back() -> None:
    spec = layer(rotation="daily", start=R(2020, 10, 30, 9, 0))
    assert table(spec, 1, 3) == [
        ("2020-10-31 09:00-05:00", "2020-11-01 09:00-06:00", 25 * H),  # 25-hour turn
        ("2020-11-01 09:00-06:00", "2020-11-02 09:00-06:00", 24 * H),
        ("2020-11-02 09:00-06:00", "2020-11-03 09:00-06:00", 24 * H),
    ]


def test_daily_0230_on_spring_forward_day_hands_over_at_0300() -> None:
    spec = layer(rotation="daily", start=R(2020, 3, 6, 2, 30))
    assert table(spec, 1, 3) == [
        # 02:30 on 03-08 does not exist: the hand-over happens at 03:00 CDT
        ("2020-03-07 02:30-06:00", "2020-03-08 03:00-05:00", 23 * H + 30 * timedelta(minutes=1)),
        ("2020-03-08 03:00-05:00", "2020-03-09 02:30-05:00", 23 * H + 30 * timedelta(minutes=1)),
        ("2020-03-09 02:30-05:00", "2020-03-10 02:30-05:00", 24 * H),
    ]


def test_daily_0130_on_fall_back_day_hands_over_at_the_first_0130() -> None:
    spec = layer(rotation="daily", start=R(2020, 10, 30, 1, 30))
    assert table(spec, 1, 2) == [
        ("2020-10-31 01:30-05:00", "2020-11-01 01:30-05:00", 24 * H),  # first 01:30 (CDT)
        ("2020-11-01 01:30-05:00", "2020-11-02 01:30-06:00", 25 * H),
    ]


def test_weekly_across_both_changes() -> None:
    spring = layer(rotation="weekly", start=R(2020, 3, 2, 9, 0))
    assert table(spring, 0, 1) == [
        ("2020-03-02 09:00-06:00", "2020-03-09 09:00-05:00", 167 * H),  # lost an hour
        ("2020-03-09 09:00-05:00", "2020-03-16 09:00-05:00", 168 * H),
    ]
    fall = layer(rotation="weekly", start=R(2020, 10, 26, 9, 0))
    assert table(fall, 0, 0) == [("2020-10-26 09:00-05:00", "2020-11-02 09:00-06:00", 169 * H)]


def test_hourly_turn_lost_to_spring_forward_still_counts() -> None:
    spec = layer(rotation="hourly", start=R(2020, 3, 8, 0, 0))
    assert table(spec, 0, 3) == [
        ("2020-03-08 00:00-06:00", "2020-03-08 01:00-06:00", H),
        # 01:00 CST → wall 02:00, which does not exist → 03:00 CDT: one real hour
        ("2020-03-08 01:00-06:00", "2020-03-08 03:00-05:00", H),
        # the 02:00 turn is empty but keeps its index
        ("2020-03-08 03:00-05:00", "2020-03-08 03:00-05:00", timedelta(0)),
        ("2020-03-08 03:00-05:00", "2020-03-08 04:00-05:00", H),
    ]
    # at 03:00 CDT the empty turn 2 holds no instant: turn 3 is on
    assert turn_index_at(spec, chi(2020, 3, 8, 3, 0)) == 3
    assert list(turns_between(spec, chi(2020, 3, 8, 0, 30), chi(2020, 3, 8, 3, 30))) == [0, 1, 2, 3]


def test_hourly_turn_across_fall_back_lasts_two_hours() -> None:
    spec = layer(rotation="hourly", start=R(2020, 11, 1, 0, 0))
    assert table(spec, 0, 2) == [
        ("2020-11-01 00:00-05:00", "2020-11-01 01:00-05:00", H),
        # wall 01:00 (first, CDT) → wall 02:00 (CST): both 01:00 hours
        ("2020-11-01 01:00-05:00", "2020-11-01 02:00-06:00", 2 * H),
        ("2020-11-01 02:00-06:00", "2020-11-01 03:00-06:00", H),
    ]
    assert turn_index_at(spec, chi(2020, 11, 1, 1, 30, fold=1)) == 1  # second 01:30


def test_lord_howe_half_hour_changes() -> None:
    spring = layer(rotation="daily", start=R(2020, 10, 2, 2, 15), zone=LORD_HOWE)
    assert table(spring, 1, 2) == [
        # 02:15 on 10-04 falls in the 02:00→02:30 gap: hand-over at 02:30 (+11:00)
        ("2020-10-03 02:15+10:30", "2020-10-04 02:30+11:00", 23 * H + 45 * timedelta(minutes=1)),
        ("2020-10-04 02:30+11:00", "2020-10-05 02:15+11:00", 23 * H + 45 * timedelta(minutes=1)),
    ]
    fall = layer(rotation="daily", start=R(2021, 4, 2, 1, 45), zone=LORD_HOWE)
    assert table(fall, 1, 2) == [
        # 01:45 on 04-04 happens twice (02:00 → 01:30): the first, +11:00
        ("2021-04-03 01:45+11:00", "2021-04-04 01:45+11:00", 24 * H),
        ("2021-04-04 01:45+11:00", "2021-04-05 01:45+10:30", 24 * H + 30 * timedelta(minutes=1)),
    ]


def test_monthly_from_january_31() -> None:
    spec = layer(rotation="monthly", start=R(2021, 1, 31, 9, 0))
    starts = [local(turn_start(spec, k)) for k in range(5)]
    assert starts == [
        "2021-01-31 09:00-06:00",
        "2021-02-28 09:00-06:00",  # clamped to February's last day
        "2021-03-31 09:00-05:00",  # back to the 31st (CDT since 03-14)
        "2021-04-30 09:00-05:00",
        "2021-05-31 09:00-05:00",
    ]
    assert turn_index_at(spec, chi(2021, 3, 31, 8, 59)) == 1
    assert turn_index_at(spec, chi(2021, 3, 31, 9, 0)) == 2


@pytest.mark.parametrize(
    ("rotation", "every", "k", "expected"),
    [
        ("daily", 2, 1, "2020-03-08 09:00-05:00"),  # two-day turns
        ("daily", 2, 2, "2020-03-10 09:00-05:00"),
        ("hourly", 8, 3, "2020-03-07 09:00-06:00"),  # 24 wall hours after the start
        ("weekly", 2, 1, "2020-03-20 09:00-05:00"),
        ("monthly", 3, 1, "2020-06-06 09:00-05:00"),
    ],
)
def test_every_multiplies_the_unit(rotation: Rotation, every: int, k: int, expected: str) -> None:
    spec = layer(rotation=rotation, start=R(2020, 3, 6, 9, 0), every=every)
    assert local(turn_start(spec, k)) == expected


def test_nobody_before_the_start() -> None:
    spec = layer(rotation="daily", start=R(2020, 6, 1, 9, 0))
    assert turn_index_at(spec, chi(2020, 6, 1, 8, 59)) is None
    assert turn_index_at(spec, chi(2020, 6, 1, 9, 0)) == 0
    assert list(turns_between(spec, chi(2020, 5, 1), chi(2020, 6, 1, 9, 0))) == []
    assert list(turns_between(spec, chi(2020, 5, 1), chi(2020, 6, 2, 9, 1))) == [0, 1]


def naive_turn_index(spec: LayerSpec, moment: datetime) -> int | None:
    """Walk turn by turn from the start (the reference the arithmetic must match)."""
    if moment < turn_start(spec, 0):
        return None
    k = 0
    while turn_start(spec, k + 1) <= moment:
        k += 1
    return k


@settings(max_examples=150, deadline=None)
@given(
    rotation=st.sampled_from(["hourly", "daily", "weekly", "monthly"]),
    every=st.integers(1, 3),
    start=st.datetimes(min_value=R(2020, 2, 20), max_value=R(2020, 3, 9)).map(
        lambda d: d.replace(second=0, microsecond=0)
    ),
    offset=st.timedeltas(min_value=timedelta(hours=-24), max_value=timedelta(days=20)),
)
def test_turn_index_matches_a_walk(
    rotation: Rotation, every: int, start: datetime, offset: timedelta
) -> None:
    spec = layer(rotation=rotation, start=start, every=every)
    moment = turn_start(spec, 0) + offset
    assert turn_index_at(spec, moment) == naive_turn_index(spec, moment)


@settings(max_examples=150, deadline=None)
@given(
    rotation=st.sampled_from(["hourly", "daily", "weekly", "monthly"]),
    every=st.integers(1, 3),
    start=st.datetimes(min_value=R(2020, 2, 20), max_value=R(2020, 11, 5)).map(
        lambda d: d.replace(second=0, microsecond=0)
    ),
    k=st.integers(0, 60),
    nudge=st.sampled_from([timedelta(0), timedelta(microseconds=-1)]),
)
def test_turn_index_at_boundaries_matches_a_walk(
    rotation: Rotation, every: int, start: datetime, k: int, nudge: timedelta
) -> None:
    # exactly at a hand-over the incoming turn holds; a microsecond before, the outgoing one
    spec = layer(rotation=rotation, start=start, every=every)
    moment = turn_start(spec, k) + nudge
    assert turn_index_at(spec, moment) == naive_turn_index(spec, moment)


def test_every_hand_over_instant_belongs_to_the_incoming_turn() -> None:
    spec = layer(rotation="hourly", start=R(2020, 10, 31, 20, 0))
    for k in range(12):  # across the 2020-11-01 fall back; no empty turn here
        assert turn_index_at(spec, turn_start(spec, k)) == k
        if k:
            assert turn_index_at(spec, turn_start(spec, k) - timedelta(microseconds=1)) == k - 1


def test_second_occurrence_after_an_ambiguous_hand_over() -> None:
    # daily 01:30: on 11-01 the hand-over is at the first 01:30 (CDT, 06:30Z); 01:10 CST
    # (07:10Z) reads earlier on the clock but comes after it, so it is in the new turn
    spec = layer(rotation="daily", start=R(2020, 10, 30, 1, 30))
    assert turn_index_at(spec, chi(2020, 11, 1, 1, 10, fold=1)) == 2
    assert turn_index_at(spec, chi(2020, 11, 1, 1, 10)) == 1  # the first 01:10 (CDT)
