"""The fair round robin: passing over, keeping places, largest part, covers, checkpoints."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from core.schedule.fairqueue import initial_queue, queue_at, rotate
from core.schedule.layer import layer_shifts, layer_turns
from core.schedule.model import PersonSpec, QueueCheckpoint
from tests.unit.schedule.helpers import (
    CHICAGO,
    chi,
    holders,
    layer,
    minutes,
    off,
    roster,
    rows,
    window,
)

R = datetime
WEEKDAYS = [0, 1, 2, 3, 4]
# daily 09:00 hand-overs from Monday 2020-03-02 (before the DST change on the 8th)
DAILY = layer(("a", "b", "c"), "daily", R(2020, 3, 2, 9, 0))
TURNS_0_TO_5 = (chi(2020, 3, 2, 9), chi(2020, 3, 8, 9))


def test_plain_round_robin() -> None:
    assert holders(DAILY, roster(), *TURNS_0_TO_5) == ["a", "b", "c", "a", "b", "c"]


def test_plain_round_robin_is_arithmetic_far_ahead() -> None:
    # a replay of a million turns would not finish quickly; rotation is arithmetic
    hourly = layer(("a", "b", "c"), "hourly", R(2020, 3, 2, 9, 0))
    assert queue_at(hourly, roster(), 1_000_001).order == ("c", "a", "b")
    assert queue_at(hourly, roster(), 1_000_001).turn_index == 1_000_001


def test_member_off_for_a_whole_turn_is_passed_over_and_keeps_place() -> None:
    # a is off for all of turn 0: b takes it, a takes turn 1 (keeps the front), then c
    r = roster(off("a", chi(2020, 3, 2, 9), chi(2020, 3, 3, 9)))
    assert holders(DAILY, r, *TURNS_0_TO_5) == ["b", "a", "c", "b", "a", "c"]


def test_eligibility_looks_only_at_active_hours() -> None:
    # active weekdays 09:00-17:00; a's time off 08:00-18:00 Monday covers every active hour of
    # turn 0 (Mon 09:00 → Tue 09:00) although not the whole turn: a is passed over
    business = layer(
        ("a", "b", "c"), "daily", R(2020, 3, 2, 9, 0), active=[window(WEEKDAYS, "09:00", "17:00")]
    )
    r = roster(off("a", chi(2020, 3, 2, 8), chi(2020, 3, 2, 18)))
    assert holders(business, r, *TURNS_0_TO_5) == ["b", "a", "c", "b", "a", "c"]
    # time off outside the active hours changes nothing
    r = roster(off("a", chi(2020, 3, 2, 18), chi(2020, 3, 3, 8)))
    assert holders(business, r, *TURNS_0_TO_5) == ["a", "b", "c", "a", "b", "c"]


def test_partial_time_off_is_covered_by_the_next_in_queue() -> None:
    # a holds turn 0 but is off 12:00-15:00; the queue after a went back is (b, c, a): b covers
    r = roster(off("a", chi(2020, 3, 2, 12), chi(2020, 3, 2, 15)))
    got = layer_shifts(DAILY, r, chi(2020, 3, 2, 9), chi(2020, 3, 4, 9))
    assert rows(got.shifts) == [
        ("a", "2020-03-02 09:00-06:00", "2020-03-02 12:00-06:00", "layer:L"),
        ("b", "2020-03-02 12:00-06:00", "2020-03-02 15:00-06:00", "cover"),
        ("a", "2020-03-02 15:00-06:00", "2020-03-03 09:00-06:00", "layer:L"),
        (
            "b",
            "2020-03-03 09:00-06:00",
            "2020-03-04 09:00-06:00",
            "layer:L",
        ),  # covering moved nobody
    ]
    assert got.gaps == ()


def test_covers_are_decided_instant_by_instant() -> None:
    # a off 12-15, b off 12-13: c covers 12-13, b (ahead of c in the queue) covers 13-15
    r = roster(
        off("a", chi(2020, 3, 2, 12), chi(2020, 3, 2, 15)),
        off("b", chi(2020, 3, 2, 12), chi(2020, 3, 2, 13)),
    )
    got = layer_shifts(DAILY, r, chi(2020, 3, 2, 11), chi(2020, 3, 2, 16))
    assert rows(got.shifts) == [
        ("a", "2020-03-02 11:00-06:00", "2020-03-02 12:00-06:00", "layer:L"),
        ("c", "2020-03-02 12:00-06:00", "2020-03-02 13:00-06:00", "cover"),
        ("b", "2020-03-02 13:00-06:00", "2020-03-02 15:00-06:00", "cover"),
        ("a", "2020-03-02 15:00-06:00", "2020-03-02 16:00-06:00", "layer:L"),
    ]


def test_hours_nobody_can_serve_are_gaps() -> None:
    r = roster(*(off(p, chi(2020, 3, 2, 12), chi(2020, 3, 2, 13)) for p in "abc"))
    got = layer_shifts(DAILY, r, chi(2020, 3, 2, 11), chi(2020, 3, 2, 14))
    assert [(g.start, g.end) for g in got.gaps] == [(chi(2020, 3, 2, 12), chi(2020, 3, 2, 13))]
    assert [s.person for s in got.shifts] == ["a", "a"]


TOKYO = ZoneInfo("Asia/Tokyo")
BERLIN = ZoneInfo("Europe/Berlin")
# In January: Berlin 07:00-23:00 is Chicago 00:00-16:00; Tokyo 09:00-17:00 is Chicago 18:00-02:00
EU = PersonSpec("eu", BERLIN, ((minutes("07:00"), minutes("23:00")),))
APAC = PersonSpec("apac", TOKYO, ((minutes("09:00"), minutes("17:00")),))


def test_nobody_eligible_the_largest_part_takes_it() -> None:
    spec = layer(("apac", "eu"), "daily", R(2020, 1, 13, 9, 0))
    r = roster(people=[EU, APAC])
    # eu can serve 16 of the 24 hours, apac 8: eu takes every turn although apac is in front
    assert holders(spec, r, chi(2020, 1, 13, 9), chi(2020, 1, 16, 9)) == ["eu", "eu", "eu"]
    got = layer_shifts(spec, r, chi(2020, 1, 13, 9), chi(2020, 1, 14, 9))
    assert rows(got.shifts) == [
        ("eu", "2020-01-13 09:00-06:00", "2020-01-13 16:00-06:00", "layer:L"),
        ("apac", "2020-01-13 18:00-06:00", "2020-01-14 00:00-06:00", "cover"),
        ("eu", "2020-01-14 00:00-06:00", "2020-01-14 09:00-06:00", "layer:L"),
    ]
    assert [(g.start, g.end) for g in got.gaps] == [(chi(2020, 1, 13, 16), chi(2020, 1, 13, 18))]


def test_largest_part_tie_goes_to_the_front_and_rotates() -> None:
    x = PersonSpec("x", CHICAGO, ((0, minutes("16:00")),))
    y = PersonSpec("y", CHICAGO, ((0, minutes("16:00")),))
    spec = layer(("x", "y"), "daily", R(2020, 1, 13, 9, 0))
    assert holders(spec, roster(people=[x, y]), chi(2020, 1, 13, 9), chi(2020, 1, 17, 9)) == [
        "x",
        "y",
        "x",
        "y",
    ]


def test_available_hours_that_contain_the_active_hours_make_one_eligible() -> None:
    # day available 08:00-18:00 Chicago, the layer is active 09:00-17:00: always eligible
    day = PersonSpec("day", CHICAGO, ((minutes("08:00"), minutes("18:00")),))
    spec = layer(
        ("day", "b"), "daily", R(2020, 3, 2, 9, 0), active=[window(WEEKDAYS, "09:00", "17:00")]
    )
    assert holders(spec, roster(people=[day]), *TURNS_0_TO_5) == [
        "day",
        "b",
        "day",
        "b",
        "day",
        "b",
    ]


def test_an_empty_turn_goes_to_the_front_member() -> None:
    # hourly from 00:00 on spring-forward day; a off until 06:00 CDT. Turn 2 (02:00) is empty:
    # nothing to serve, so a (front of the queue) takes it and goes to the back
    hourly = layer(("a", "b", "c"), "hourly", R(2020, 3, 8, 0, 0))
    r = roster(off("a", chi(2020, 3, 8, 0), chi(2020, 3, 8, 6)))
    assert holders(hourly, r, chi(2020, 3, 8, 0), chi(2020, 3, 8, 7)) == [
        "b",  # 00:00 CST, a off
        "c",  # 01:00 CST → 03:00 CDT, a off
        "a",  # 02:00 → empty turn
        "b",  # 03:00
        "c",  # 04:00
        "b",  # 05:00, a off (queue a b c → b)
        "a",  # 06:00, a back and at the front
    ]


def test_resuming_from_a_checkpoint_gives_the_same_queue() -> None:
    r = roster(
        off("a", chi(2020, 3, 2, 9), chi(2020, 3, 3, 9)),
        off("c", chi(2020, 3, 5, 0), chi(2020, 3, 7, 0)),
    )
    mid = queue_at(DAILY, r, 3)
    assert queue_at(DAILY, r, 9, mid) == queue_at(DAILY, r, 9)
    # each turn's queue_after is the checkpoint of the next turn
    turns = layer_turns(DAILY, r, *TURNS_0_TO_5)
    assert QueueCheckpoint(3, turns[2].queue_after) == mid


def test_a_checkpoint_after_the_asked_turn_is_ignored() -> None:
    late = QueueCheckpoint(50, ("c", "b", "a"))
    assert queue_at(DAILY, roster(), 4, late) == QueueCheckpoint(4, rotate(("a", "b", "c"), 4))


def test_checkpoint_is_reconciled_with_changed_members() -> None:
    spec = layer(("a", "c", "d"))  # b left, d joined
    got = initial_queue(spec, QueueCheckpoint(7, ("c", "b", "a")))
    assert got == QueueCheckpoint(7, ("c", "a", "d"))


def test_empty_rotation_has_nobody_and_its_active_hours_are_gaps() -> None:
    spec = layer((), "daily", R(2020, 3, 2, 9, 0))
    got = layer_shifts(spec, roster(), chi(2020, 3, 2, 9), chi(2020, 3, 3, 9))
    assert got.shifts == ()
    assert [(g.start, g.end) for g in got.gaps] == [(chi(2020, 3, 2, 9), chi(2020, 3, 3, 9))]
    assert queue_at(spec, roster(), 10).order == ()


def test_a_member_named_twice_is_two_places_in_the_queue() -> None:
    spec = layer(("a", "a", "b"), "daily", R(2020, 3, 2, 9, 0))
    assert holders(spec, roster(), *TURNS_0_TO_5) == ["a", "a", "b", "a", "a", "b"]


def test_starting_late_gives_the_same_holders_as_starting_at_turn_zero() -> None:
    # a off for turn 0, b off for turn 6: the queue is replayed only at those turns and
    # rotates arithmetically in between
    r = roster(
        off("a", chi(2020, 3, 2, 9), chi(2020, 3, 3, 9)),
        off("b", chi(2020, 3, 8, 9), chi(2020, 3, 9, 9)),
    )
    whole = holders(DAILY, r, chi(2020, 3, 2, 9), chi(2020, 3, 12, 9))
    # turn 0: a off → b; turn 6: queue (b, a, c), b off → a, and b keeps the front for turn 7
    assert whole == ["b", "a", "c", "b", "a", "c", "a", "b", "c", "a"]
    assert holders(DAILY, r, chi(2020, 3, 9, 9), chi(2020, 3, 12, 9)) == whole[7:]
