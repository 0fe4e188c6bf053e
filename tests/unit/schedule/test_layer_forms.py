"""Table tests of the layer forms migrating users bring (issue 15), at fixed instants.

Each form is run across a DST change in America/Chicago (2026-03-08 02:00 -> 03:00, 2026-11-01
02:00 -> 01:00) and in Australia/Sydney (2026-04-05 03:00 -> 02:00, 2026-10-04 02:00 -> 03:00),
and every table is checked against ``who_at`` too: both views come from one computation.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from core.schedule.final import final_schedule, who_at
from core.schedule.model import LayerSpec, Override, ScheduleSpec, WeeklyWindow
from core.schedule.roster import Roster
from core.schedule.turns import turn_index_at, turn_start
from tests.unit.schedule.helpers import (
    CHICAGO,
    assert_tiles,
    at,
    chi,
    off,
    roster,
    rows,
    window,
)

SYDNEY = ZoneInfo("Australia/Sydney")
ABC = ("A", "B", "C")


def syd(y: int, mo: int, d: int, h: int = 0, mi: int = 0, fold: int = 0) -> datetime:
    """An instant given as Australia/Sydney wall-clock time."""
    return at(SYDNEY, y, mo, d, h, mi, fold)


def spec(
    members: Sequence[str] = ABC,
    rotation: str = "daily",
    start: datetime = datetime(2026, 3, 5, 9, 0),
    zone: ZoneInfo = CHICAGO,
    every: int = 1,
    **shape: object,
) -> LayerSpec:
    """A layer ``top`` with the given shape (``until=``, ``skip=``, ...)."""
    return LayerSpec("top", tuple(members), rotation, every, start, zone, **shape)  # type: ignore[arg-type]


def base(zone: ZoneInfo = CHICAGO) -> LayerSpec:
    """A layer below everything: ``x`` on call always, from 2026-01-01."""
    return LayerSpec("base", ("x",), "weekly", 1, datetime(2026, 1, 1), zone)


def table(
    top: LayerSpec,
    start: datetime,
    end: datetime,
    zone: ZoneInfo = CHICAGO,
    people: Roster | None = None,
    overrides: Sequence[Override] = (),
) -> list[tuple[str, str, str, str]]:
    """The final schedule of ``base`` under ``top`` as rows; ``who_at`` agrees at every bound
    and one minute before it."""
    sched = ScheduleSpec("S", zone, (base(zone), top))
    people = people or roster()
    final = final_schedule(sched, people, start, end, overrides=overrides)
    assert_tiles(final, start, end)
    assert not final.gaps  # base shows through wherever top is not active
    for shift in final.shifts:
        for moment in (shift.start, shift.end - timedelta(minutes=1)):
            got = who_at(sched, people, moment, overrides=overrides)
            assert got is not None and (got.person, got.source) == (shift.person, shift.source)
            if shift.start > start:
                assert got.start == shift.start
            if shift.end < end:
                assert got.end == shift.end
    return rows(final.shifts, zone)


X = "layer:base"
T = "layer:top"


# 1. until: no shifts at or after it; the layers below show through


def test_until_ends_the_layer_across_spring_forward_in_chicago() -> None:
    top = spec(until=datetime(2026, 3, 9, 15, 0))
    assert table(top, chi(2026, 3, 5), chi(2026, 3, 11)) == [
        ("x", "2026-03-05 00:00-06:00", "2026-03-05 09:00-06:00", X),
        ("A", "2026-03-05 09:00-06:00", "2026-03-06 09:00-06:00", T),
        ("B", "2026-03-06 09:00-06:00", "2026-03-07 09:00-06:00", T),
        ("C", "2026-03-07 09:00-06:00", "2026-03-08 09:00-05:00", T),  # 23 hours
        ("A", "2026-03-08 09:00-05:00", "2026-03-09 09:00-05:00", T),
        ("B", "2026-03-09 09:00-05:00", "2026-03-09 15:00-05:00", T),  # until (exclusive)
        ("x", "2026-03-09 15:00-05:00", "2026-03-11 00:00-05:00", X),
    ]


def test_until_at_an_ambiguous_reading_is_its_first_instant_in_sydney() -> None:
    # 02:30 happens twice on 2026-04-05 (03:00 AEDT -> 02:00 AEST): until is the first one
    top = spec(start=datetime(2026, 4, 3, 9, 0), zone=SYDNEY, until=datetime(2026, 4, 5, 2, 30))
    assert table(top, syd(2026, 4, 3), syd(2026, 4, 6), SYDNEY) == [
        ("x", "2026-04-03 00:00+11:00", "2026-04-03 09:00+11:00", X),
        ("A", "2026-04-03 09:00+11:00", "2026-04-04 09:00+11:00", T),
        ("B", "2026-04-04 09:00+11:00", "2026-04-05 02:30+11:00", T),
        ("x", "2026-04-05 02:30+11:00", "2026-04-06 00:00+10:00", X),
    ]


def test_nothing_from_until_on_whatever_the_window() -> None:
    top = spec(until=datetime(2026, 3, 6, 9, 0))
    after = ScheduleSpec("S", CHICAGO, (top,))
    assert final_schedule(after, roster(), chi(2026, 3, 6, 9), chi(2026, 4, 1)).shifts == ()
    assert who_at(after, roster(), chi(2026, 3, 6, 9)) is None
    got = who_at(after, roster(), chi(2026, 3, 6, 8, 59))
    assert got is not None and (got.person, got.end) == ("A", chi(2026, 3, 6, 9))


def test_until_composes_with_time_off_covers_and_overrides() -> None:
    # B is off the morning of its last turn (covered by C, next in the queue); the cover ends
    # at until like the turn; an override after until wins over the base layer
    top = spec(until=datetime(2026, 3, 7, 12, 0))
    people = roster(off("B", chi(2026, 3, 6, 9), chi(2026, 3, 6, 15)))
    over = [Override("o", chi(2026, 3, 7, 13), chi(2026, 3, 7, 14), 1)]
    assert table(top, chi(2026, 3, 5, 9), chi(2026, 3, 7, 15), people=people, overrides=over) == [
        ("A", "2026-03-05 09:00-06:00", "2026-03-06 09:00-06:00", T),
        ("C", "2026-03-06 09:00-06:00", "2026-03-06 15:00-06:00", "cover"),
        ("B", "2026-03-06 15:00-06:00", "2026-03-07 09:00-06:00", T),
        ("C", "2026-03-07 09:00-06:00", "2026-03-07 12:00-06:00", T),
        ("x", "2026-03-07 12:00-06:00", "2026-03-07 13:00-06:00", X),
        ("o", "2026-03-07 13:00-06:00", "2026-03-07 14:00-06:00", "override"),
        ("x", "2026-03-07 14:00-06:00", "2026-03-07 15:00-06:00", X),
    ]


# 2. rotation_start: active only from it; turn order as if it had run since start


def test_rotation_start_keeps_the_turn_order_of_start_across_spring_forward() -> None:
    # start Mar 1 09:00, so Mar 7 09:00 is turn 6 (A) and Mar 8 09:00 turn 7 (B); 02:30 on
    # Mar 8 does not exist: rotation_start is the first instant after the gap (03:00 CDT)
    top = spec(start=datetime(2026, 3, 1, 9, 0), rotation_start=datetime(2026, 3, 8, 2, 30))
    assert table(top, chi(2026, 3, 7), chi(2026, 3, 10)) == [
        ("x", "2026-03-07 00:00-06:00", "2026-03-08 03:00-05:00", X),
        ("A", "2026-03-08 03:00-05:00", "2026-03-08 09:00-05:00", T),
        ("B", "2026-03-08 09:00-05:00", "2026-03-09 09:00-05:00", T),
        ("C", "2026-03-09 09:00-05:00", "2026-03-10 00:00-05:00", T),
    ]


def test_rotation_start_and_until_in_sydney_across_spring_forward() -> None:
    # weekly from Sat 2026-09-05 09:00: Oct 3 09:00 is turn 4 (B of A, B, C)
    top = spec(
        rotation="weekly",
        start=datetime(2026, 9, 5, 9, 0),
        zone=SYDNEY,
        rotation_start=datetime(2026, 10, 3, 20, 0),
        until=datetime(2026, 10, 12, 9, 0),
    )
    assert table(top, syd(2026, 10, 3), syd(2026, 10, 14), SYDNEY) == [
        ("x", "2026-10-03 00:00+10:00", "2026-10-03 20:00+10:00", X),
        ("B", "2026-10-03 20:00+10:00", "2026-10-10 09:00+11:00", T),
        ("C", "2026-10-10 09:00+11:00", "2026-10-12 09:00+11:00", T),
        ("x", "2026-10-12 09:00+11:00", "2026-10-14 00:00+11:00", X),
    ]


def test_turns_before_rotation_start_take_their_place_in_the_queue_despite_time_off() -> None:
    # A is off for turn 0, which lies before rotation_start: nobody is eligible-or-not there
    # (no active hour), so A still takes it and the order stays A, B, C
    top = spec(start=datetime(2026, 3, 1, 9, 0), rotation_start=datetime(2026, 3, 4, 9, 0))
    people = roster(off("A", chi(2026, 3, 1), chi(2026, 3, 2, 12)))
    assert table(top, chi(2026, 3, 4), chi(2026, 3, 7), people=people) == [
        ("x", "2026-03-04 00:00-06:00", "2026-03-04 09:00-06:00", X),
        ("A", "2026-03-04 09:00-06:00", "2026-03-05 09:00-06:00", T),
        ("B", "2026-03-05 09:00-06:00", "2026-03-06 09:00-06:00", T),
        ("C", "2026-03-06 09:00-06:00", "2026-03-07 00:00-06:00", T),
    ]


# 3. skip: after each turn, `skip` units with nobody from this layer; skipped units are no turns


def test_weekly_skip_one_gives_alternate_weeks_across_spring_forward_in_chicago() -> None:
    top = spec(rotation="weekly", start=datetime(2026, 2, 23, 9, 0), skip=1)
    assert table(top, chi(2026, 2, 23, 9), chi(2026, 3, 30, 9)) == [
        ("A", "2026-02-23 09:00-06:00", "2026-03-02 09:00-06:00", T),
        ("x", "2026-03-02 09:00-06:00", "2026-03-09 09:00-05:00", X),  # the week of the change
        ("B", "2026-03-09 09:00-05:00", "2026-03-16 09:00-05:00", T),
        ("x", "2026-03-16 09:00-05:00", "2026-03-23 09:00-05:00", X),
        ("C", "2026-03-23 09:00-05:00", "2026-03-30 09:00-05:00", T),
    ]
    assert [turn_index_at(top, chi(2026, 3, d, 12)) for d in (1, 8, 9, 23)] == [0, 0, 1, 2]


def test_daily_every_two_skip_one_across_fall_back_in_sydney() -> None:
    # 2026-04-05 03:00 AEDT -> 02:00 AEST: the skipped day is 25 hours long
    top = spec(start=datetime(2026, 4, 1, 9, 0), zone=SYDNEY, every=2, skip=1)
    assert table(top, syd(2026, 4, 1, 9), syd(2026, 4, 10, 9), SYDNEY) == [
        ("A", "2026-04-01 09:00+11:00", "2026-04-03 09:00+11:00", T),
        ("x", "2026-04-03 09:00+11:00", "2026-04-04 09:00+11:00", X),
        ("B", "2026-04-04 09:00+11:00", "2026-04-06 09:00+10:00", T),
        ("x", "2026-04-06 09:00+10:00", "2026-04-07 09:00+10:00", X),
        ("C", "2026-04-07 09:00+10:00", "2026-04-09 09:00+10:00", T),
        ("x", "2026-04-09 09:00+10:00", "2026-04-10 09:00+10:00", X),
    ]


def test_skip_composes_with_time_off_covers_overrides_and_windows() -> None:
    # weekly, skip 1, weekday office hours. B is off all of turn 1, so C takes it and B keeps
    # the front (B then takes turn 2); A is off one afternoon of turn 0: B covers it (the
    # queue after A went to the back is B, C, A). An override wins in a skipped week.
    top = spec(
        rotation="weekly",
        start=datetime(2026, 2, 23, 9, 0),
        skip=1,
        active=(window(range(5), "09:00", "17:00"),),
    )
    people = roster(
        off("A", chi(2026, 2, 24, 13), chi(2026, 2, 24, 17)),
        off("B", chi(2026, 3, 9), chi(2026, 3, 14)),
    )
    over = [Override("o", chi(2026, 3, 3, 10), chi(2026, 3, 3, 11), 1)]
    got = table(top, chi(2026, 2, 23), chi(2026, 3, 24), people=people, overrides=over)
    held = [(p, s[:10], e[11:16]) for p, s, e, src in got if src in (T, "cover")]
    assert held[:7] == [
        ("A", "2026-02-23", "17:00"),
        ("A", "2026-02-24", "13:00"),
        ("B", "2026-02-24", "17:00"),  # the cover
        ("A", "2026-02-25", "17:00"),
        ("A", "2026-02-26", "17:00"),
        ("A", "2026-02-27", "17:00"),
        ("C", "2026-03-09", "17:00"),  # B is off: C takes turn 1, B keeps its place
    ]
    assert held[-1] == ("B", "2026-03-23", "17:00")  # turn 2 goes to B
    assert ("o", "2026-03-03 10:00-06:00", "2026-03-03 11:00-06:00", "override") in got
    assert [r for r in got if r[1].startswith("2026-03-1") and r[3] != X] == [
        ("C", "2026-03-10 09:00-05:00", "2026-03-10 17:00-05:00", T),
        ("C", "2026-03-11 09:00-05:00", "2026-03-11 17:00-05:00", T),
        ("C", "2026-03-12 09:00-05:00", "2026-03-12 17:00-05:00", T),
        ("C", "2026-03-13 09:00-05:00", "2026-03-13 17:00-05:00", T),
    ]


# 4. shift: each turn is on call for `shift` of wall-clock time from its start only


def test_a_three_hour_shift_every_two_days_across_spring_forward_in_chicago() -> None:
    top = spec(start=datetime(2026, 3, 6, 9, 0), every=2, shift=timedelta(hours=3))
    assert table(top, chi(2026, 3, 6), chi(2026, 3, 11)) == [
        ("x", "2026-03-06 00:00-06:00", "2026-03-06 09:00-06:00", X),
        ("A", "2026-03-06 09:00-06:00", "2026-03-06 12:00-06:00", T),
        ("x", "2026-03-06 12:00-06:00", "2026-03-08 09:00-05:00", X),
        ("B", "2026-03-08 09:00-05:00", "2026-03-08 12:00-05:00", T),
        ("x", "2026-03-08 12:00-05:00", "2026-03-10 09:00-05:00", X),
        ("C", "2026-03-10 09:00-05:00", "2026-03-10 12:00-05:00", T),
        ("x", "2026-03-10 12:00-05:00", "2026-03-11 00:00-05:00", X),
    ]


def test_a_shift_ends_at_its_wall_clock_reading_by_the_hand_over_rule() -> None:
    # Chicago, 01:30 + 1h = 02:30 on 2026-03-08, which does not exist: the shift ends at
    # 03:00 CDT, 30 real minutes after it began
    top = spec(start=datetime(2026, 3, 7, 1, 30), shift=timedelta(hours=1))
    got = table(top, chi(2026, 3, 8), chi(2026, 3, 8, 6))
    assert got[1] == ("B", "2026-03-08 01:30-06:00", "2026-03-08 03:00-05:00", T)
    # Sydney, 2026-04-05: a shift from 02:00 (the first, AEDT) to 03:00 wall is 3:00 AEST,
    # two real hours; one from 01:30 to 02:30 ends at the first 02:30 (one hour)
    two = spec(start=datetime(2026, 4, 4, 2, 0), zone=SYDNEY, shift=timedelta(hours=1))
    assert table(two, syd(2026, 4, 5), syd(2026, 4, 5, 6), SYDNEY)[1] == (
        "B",
        "2026-04-05 02:00+11:00",
        "2026-04-05 03:00+10:00",
        T,
    )
    one = spec(start=datetime(2026, 4, 4, 1, 30), zone=SYDNEY, shift=timedelta(hours=1))
    assert table(one, syd(2026, 4, 5), syd(2026, 4, 5, 6), SYDNEY)[1] == (
        "B",
        "2026-04-05 01:30+11:00",
        "2026-04-05 02:30+11:00",
        T,
    )


def test_a_ten_minute_check_every_two_hours_inside_office_hours() -> None:
    # hourly every 2 from 08:00 with a 10-minute shift, windows 09:00-17:00 on weekdays:
    # the intersection is 10:00-10:10, 12:00-12:10, ... (08:00-08:10 is outside the window)
    top = spec(
        ("A", "B"),
        "hourly",
        datetime(2026, 3, 9, 8, 0),
        every=2,
        shift=timedelta(minutes=10),
        active=(window(range(5), "09:00", "17:00"),),
    )
    got = table(top, chi(2026, 3, 9), chi(2026, 3, 10))
    assert [(p, s[11:16], e[11:16]) for p, s, e, src in got if src == T] == [
        ("B", "10:00", "10:10"),  # turn 1
        ("A", "12:00", "12:10"),
        ("B", "14:00", "14:10"),
        ("A", "16:00", "16:10"),
    ]


def test_shift_composes_with_time_off_and_skip() -> None:
    # weekly, every 1, skip 1, 8-hour shifts from Monday 09:00; A is off on the first
    # Monday: B takes turn 0 and A keeps the front (A takes turn 1)
    top = spec(
        rotation="weekly",
        start=datetime(2026, 10, 19, 9, 0),
        skip=1,
        shift=timedelta(hours=8),
    )
    people = roster(off("A", chi(2026, 10, 19, 8), chi(2026, 10, 19, 18)))
    got = table(top, chi(2026, 10, 19), chi(2026, 11, 17), people=people)
    assert [(p, s, e) for p, s, e, src in got if src == T] == [
        ("B", "2026-10-19 09:00-05:00", "2026-10-19 17:00-05:00"),
        ("A", "2026-11-02 09:00-06:00", "2026-11-02 17:00-06:00"),  # after fall back
        ("C", "2026-11-16 09:00-06:00", "2026-11-16 17:00-06:00"),
    ]


# 5. days_of_month on a window: it opens only on those dates (and its days, if given)


def dom_window(
    days_of_month: Sequence[int], frm: str, to: str, days: Sequence[int] = range(7)
) -> WeeklyWindow:
    """A window that opens on ``days`` that are also ``days_of_month``."""
    w = window(days, frm, to)
    return WeeklyWindow(w.days, w.from_min, w.to_min, frozenset(days_of_month))


def test_the_first_and_the_last_day_of_the_month_across_fall_back_in_chicago() -> None:
    # Nov 1 2026 is the fall-back Sunday: the whole-day window lasts 25 hours; -1 is Oct 31
    # and Nov 30; 31 does not open in November
    top = spec(
        rotation="weekly",
        start=datetime(2026, 10, 5, 0, 0),
        active=(dom_window([1, -1], "00:00", "00:00"), dom_window([31], "12:00", "13:00")),
    )
    got = table(top, chi(2026, 10, 29), chi(2026, 12, 2))
    assert [(p, s, e) for p, s, e, src in got if src == T] == [
        ("A", "2026-10-31 00:00-05:00", "2026-11-02 00:00-06:00"),  # 24 + 25 hours, turn 3
        ("C", "2026-11-30 00:00-06:00", "2026-12-02 00:00-06:00"),  # Nov 30 and Dec 1, turn 8
    ]
    assert who_at(ScheduleSpec("S", CHICAGO, (top,)), roster(), chi(2026, 11, 1, 1, 30, 1)) == (
        who_at(ScheduleSpec("S", CHICAGO, (top,)), roster(), chi(2026, 11, 1, 12))
    )


def test_days_of_month_across_both_changes_in_sydney() -> None:
    # 5 April 2026 has 25 hours, 4 October 23; daily turns at 09:00
    top = spec(
        start=datetime(2026, 3, 30, 9, 0),
        zone=SYDNEY,
        active=(dom_window([5, 4], "00:00", "00:00"),),
    )
    april = table(top, syd(2026, 4, 3), syd(2026, 4, 7), SYDNEY)
    assert [r for r in april if r[3] == T] == [
        ("B", "2026-04-04 00:00+11:00", "2026-04-04 09:00+11:00", T),  # turn 4 (Apr 3 09:00)
        ("C", "2026-04-04 09:00+11:00", "2026-04-05 09:00+10:00", T),
        ("A", "2026-04-05 09:00+10:00", "2026-04-06 00:00+10:00", T),
    ]
    october = table(top, syd(2026, 10, 3), syd(2026, 10, 6), SYDNEY)
    assert [r[:3] for r in october if r[3] == T] == [
        ("B", "2026-10-04 00:00+10:00", "2026-10-04 09:00+11:00"),  # 8 real hours, turn 187
        ("C", "2026-10-04 09:00+11:00", "2026-10-05 09:00+11:00"),
        ("A", "2026-10-05 09:00+11:00", "2026-10-06 00:00+11:00"),
    ]


def test_days_and_days_of_month_must_both_match_and_windows_may_cross_midnight() -> None:
    # the first Monday of the month, 09:00-17:00; and the last day's night, 22:00-06:00
    top = spec(
        rotation="monthly",
        start=datetime(2026, 1, 1, 0, 0),
        active=(
            dom_window(range(1, 8), "09:00", "17:00", days=[0]),
            dom_window([-1], "22:00", "06:00"),
        ),
    )
    got = table(top, chi(2026, 2, 25), chi(2026, 4, 8))
    assert [r for r in got if r[3] == T] == [
        ("B", "2026-02-28 22:00-06:00", "2026-03-01 00:00-06:00", T),  # February's turn
        ("C", "2026-03-01 00:00-06:00", "2026-03-01 06:00-06:00", T),  # March's, from 00:00
        ("C", "2026-03-02 09:00-06:00", "2026-03-02 17:00-06:00", T),  # first Monday
        ("C", "2026-03-31 22:00-05:00", "2026-04-01 00:00-05:00", T),
        ("A", "2026-04-01 00:00-05:00", "2026-04-01 06:00-05:00", T),
        ("A", "2026-04-06 09:00-05:00", "2026-04-06 17:00-05:00", T),
    ]


def test_a_turn_whose_windows_never_open_takes_its_place_in_the_queue() -> None:
    # the 31st in a weekly layer: the weeks without one are turns nobody is on call in; time
    # off in such a week passes nobody over (no active hour)
    top = spec(
        rotation="weekly",
        start=datetime(2026, 3, 2, 0, 0),
        active=(dom_window([31], "00:00", "00:00"),),
    )
    people = roster(off("A", chi(2026, 3, 2), chi(2026, 3, 9)))
    got = table(top, chi(2026, 3, 1), chi(2026, 6, 1), people=people)
    # turn 4 holds Mar 31 (4 mod 3: B); May 31 is in turn 12 (A)
    assert [r for r in got if r[3] == T] == [
        ("B", "2026-03-31 00:00-05:00", "2026-04-01 00:00-05:00", T),
        ("A", "2026-05-31 00:00-05:00", "2026-06-01 00:00-05:00", T),
    ]


# 6. turn: active: a turn is `every` units in which the layer is active at all

WEEKDAYS = (window(range(5), "00:00", "00:00"),)  # Monday to Friday, whole days


def test_the_issues_example_weekdays_every_two_across_spring_forward_in_chicago() -> None:
    # Mon A, Tue A, Wed B, Thu B, Fri C, the weekend (with the change) does not count, Mon C,
    # Tue A, ...
    top = spec(start=datetime(2026, 3, 2, 0, 0), every=2, active=WEEKDAYS, turn="active")
    got = table(top, chi(2026, 3, 2), chi(2026, 3, 14))
    days = [(p, s[:10], e[:10]) for p, s, e, src in got if src == T]
    assert days == [
        ("A", "2026-03-02", "2026-03-04"),
        ("B", "2026-03-04", "2026-03-06"),
        ("C", "2026-03-06", "2026-03-07"),  # Friday, then the weekend shows the base
        ("C", "2026-03-09", "2026-03-10"),  # Monday: the rest of C's turn
        ("A", "2026-03-10", "2026-03-12"),
        ("B", "2026-03-12", "2026-03-14"),
    ]
    indices = [turn_index_at(top, chi(2026, 3, d, 12)) for d in range(2, 14)]
    assert indices == [0, 0, 1, 1, 2, 2, 2, 2, 3, 3, 4, 4]  # Mar 2 to Mar 13
    assert turn_start(top, 3) == chi(2026, 3, 10)
    # the calendar reading of the same layer: Sat and Sun count, so Mon is A's again
    calendar = spec(start=datetime(2026, 3, 2, 0, 0), every=2, active=WEEKDAYS)
    monday = who_at(ScheduleSpec("S", CHICAGO, (calendar,)), roster(), chi(2026, 3, 9, 12))
    assert monday is not None and monday.person == "A"


def test_office_hours_count_hour_by_hour_in_sydney() -> None:
    # hourly, every 4, weekdays 09:00-17:00: A 09-13, B 13-17, C the next morning; Friday
    # 3 April afternoon to Monday 6 April (fall back on Sunday) counts nothing
    top = spec(
        rotation="hourly",
        start=datetime(2026, 4, 2, 9, 0),
        zone=SYDNEY,
        every=4,
        active=(window(range(5), "09:00", "17:00"),),
        turn="active",
    )
    got = table(top, syd(2026, 4, 2), syd(2026, 4, 7), SYDNEY)
    assert [(p, s, e[11:]) for p, s, e, src in got if src == T] == [
        ("A", "2026-04-02 09:00+11:00", "13:00+11:00"),
        ("B", "2026-04-02 13:00+11:00", "17:00+11:00"),
        ("C", "2026-04-03 09:00+11:00", "13:00+11:00"),
        ("A", "2026-04-03 13:00+11:00", "17:00+11:00"),
        ("B", "2026-04-06 09:00+10:00", "13:00+10:00"),
        ("C", "2026-04-06 13:00+10:00", "17:00+10:00"),
    ]


def test_an_hour_lost_to_spring_forward_counts_as_an_empty_turn_in_sydney() -> None:
    # Sunday 4 October 2026, 02:00 -> 03:00: the wall-clock unit 02:00-03:00 meets the
    # window, so it counts (C's empty turn), as an empty calendar turn does
    top = spec(
        rotation="hourly",
        start=datetime(2026, 10, 4, 0, 0),
        zone=SYDNEY,
        active=(window([6], "00:00", "06:00"),),
        turn="active",
    )
    got = table(top, syd(2026, 10, 4), syd(2026, 10, 4, 7), SYDNEY)
    assert [(p, s[11:], e[11:]) for p, s, e, src in got if src == T] == [
        ("A", "00:00+10:00", "01:00+10:00"),
        ("B", "01:00+10:00", "03:00+11:00"),  # one real hour: 01:00 AEST to 03:00 AEDT
        ("A", "03:00+11:00", "04:00+11:00"),
        ("B", "04:00+11:00", "05:00+11:00"),
        ("C", "05:00+11:00", "06:00+11:00"),
    ]
    assert turn_start(top, 2) == turn_start(top, 3)  # C's turn is empty


def test_turn_active_composes_with_time_off_covers_and_shift() -> None:
    # the issue's example; A is off Tuesday afternoon (covered by B), C is off all of its
    # turn (Fri and Mon): A takes it and C keeps the front for the next turn
    top = spec(start=datetime(2026, 3, 2, 0, 0), every=2, active=WEEKDAYS, turn="active")
    people = roster(
        off("A", chi(2026, 3, 3, 12), chi(2026, 3, 4)),
        off("C", chi(2026, 3, 6), chi(2026, 3, 10)),
    )
    got = table(top, chi(2026, 3, 2), chi(2026, 3, 14), people=people)
    assert [(p, s[:16], e[:16], src) for p, s, e, src in got if src != X] == [
        ("A", "2026-03-02 00:00", "2026-03-03 12:00", T),
        ("B", "2026-03-03 12:00", "2026-03-04 00:00", "cover"),
        ("B", "2026-03-04 00:00", "2026-03-06 00:00", T),
        ("A", "2026-03-06 00:00", "2026-03-07 00:00", T),
        ("A", "2026-03-09 00:00", "2026-03-10 00:00", T),
        ("C", "2026-03-10 00:00", "2026-03-12 00:00", T),
        ("B", "2026-03-12 00:00", "2026-03-14 00:00", T),
    ]
    # with a 3-hour shift from each turn's first active day
    short = spec(
        start=datetime(2026, 3, 2, 9, 0),
        every=2,
        active=(window(range(5), "09:00", "17:00"),),
        turn="active",
        shift=timedelta(hours=3),
    )
    got = table(short, chi(2026, 3, 2), chi(2026, 3, 14))
    assert [(p, s[:16], e[11:16]) for p, s, e, src in got if src == T] == [
        ("A", "2026-03-02 09:00", "12:00"),
        ("B", "2026-03-04 09:00", "12:00"),
        ("C", "2026-03-06 09:00", "12:00"),
        ("A", "2026-03-10 09:00", "12:00"),
        ("B", "2026-03-12 09:00", "12:00"),
    ]


def test_turn_active_shift_counts_turn_zero_from_its_first_active_unit() -> None:
    # daily from Saturday 2026-03-07 09:00, weekdays 09:00-17:00, 3-hour shifts: Saturday and
    # Sunday (spring forward on Sunday) do not count, so turn 0 (A) is first active on Monday
    # and its shift is Monday 09:00-12:00, not Saturday 09:00 + 3h (which the window never
    # meets); B has Tuesday, C Wednesday
    top = spec(
        start=datetime(2026, 3, 7, 9, 0),
        active=(window(range(5), "09:00", "17:00"),),
        turn="active",
        shift=timedelta(hours=3),
    )
    monday = who_at(ScheduleSpec("S", CHICAGO, (top,)), roster(), chi(2026, 3, 9, 10))
    assert monday is not None
    assert (monday.person, monday.start, monday.end) == (
        "A",
        chi(2026, 3, 9, 9),
        chi(2026, 3, 9, 12),
    )
    got = table(top, chi(2026, 3, 6), chi(2026, 3, 14))
    assert [(p, s[:16], e[11:]) for p, s, e, src in got if src == T] == [
        ("A", "2026-03-09 09:00", "12:00-05:00"),  # Monday: turn 0's first active unit
        ("B", "2026-03-10 09:00", "12:00-05:00"),
        ("C", "2026-03-11 09:00", "12:00-05:00"),
        ("A", "2026-03-12 09:00", "12:00-05:00"),
        ("B", "2026-03-13 09:00", "12:00-05:00"),  # Friday; the weekend counts nothing
    ]
    assert turn_start(top, 0) == chi(2026, 3, 7, 9)  # the turn itself still begins at start
