"""The one computation behind every view: revisions, overrides, team and service views, gaps."""

from __future__ import annotations

import copy
from datetime import timedelta

from core.oncall.views import (
    ScheduleState,
    coverage_gaps,
    final_for,
    first_tier_targets,
    schedules_of_team,
    who_for,
)
from core.ports import StoredOverride, StoredTimeOff
from core.schedule.model import Interval
from tests.unit.oncall.common import DOC, at, config, revision


def shifts(final):  # (person, from, to, source) with short times
    return [
        (s.person, s.start.strftime("%d %H:%M"), s.end.strftime("%d %H:%M"), s.source)
        for s in final.shifts
    ]


def override(
    person: str, start: str, end: str, oid: int, schedule: str = "primary", source: str = "override"
):
    return StoredOverride(
        oid, schedule, person, at(start), at(end), source, at("2026-03-01 00:00"), "t"
    )


def test_final_schedule_of_one_revision() -> None:
    state = ScheduleState((revision(config(), "2026-03-01 00:00"),))
    final = final_for(state, "primary", at("2026-03-02 00:00"), at("2026-03-04 12:00"))
    assert shifts(final) == [
        ("ann", "02 09:00", "03 09:00", "layer:daily"),
        ("bob", "03 09:00", "04 09:00", "layer:daily"),
        ("ann", "04 09:00", "04 12:00", "layer:daily"),
    ]
    # Before the layer's start nobody is on call: a gap, not an error.
    assert final.gaps == (Interval(at("2026-03-02 00:00"), at("2026-03-02 09:00")),)


def test_first_revision_defines_the_past_and_a_later_one_only_the_future() -> None:
    later = copy.deepcopy(DOC["schedules"])
    later[0]["layers"][0]["members"] = ["cat", "dan"]
    state = ScheduleState(
        (
            revision(config(), "2026-03-10 00:00", 1),  # applied after the window starts
            revision(config(schedules=later), "2026-03-03 12:00", 2),
        )
    )
    final = final_for(state, "primary", at("2026-03-02 09:00"), at("2026-03-04 09:00"))
    assert shifts(final) == [
        ("ann", "02 09:00", "03 09:00", "layer:daily"),  # revision 1, although applied later
        ("bob", "03 09:00", "03 12:00", "layer:daily"),  # revision 1 until revision 2 took force
        ("dan", "03 12:00", "04 09:00", "layer:daily"),  # revision 2: turn 1 is dan's
    ]
    assert who_for(state, "primary", at("2026-03-03 10:00")).person == "bob"  # type: ignore[union-attr]
    assert who_for(state, "primary", at("2026-03-03 13:00")).person == "dan"  # type: ignore[union-attr]


def test_same_person_across_a_revision_is_one_shift() -> None:
    renamed = copy.deepcopy(DOC["teams"])
    renamed[0]["name"] = "Operations"  # a change that does not touch the rotation
    state = ScheduleState(
        (
            revision(config(), "2026-03-01 00:00", 1),
            revision(config(teams=renamed), "2026-03-02 15:00", 2),
        )
    )
    final = final_for(state, "primary", at("2026-03-02 09:00"), at("2026-03-03 09:00"))
    assert shifts(final) == [("ann", "02 09:00", "03 09:00", "layer:daily")]


def test_overrides_newest_wins_and_swaps_show_their_source() -> None:
    state = ScheduleState(
        (revision(config(), "2026-03-01 00:00"),),
        overrides=(
            override("cat", "2026-03-02 10:00", "2026-03-02 14:00", 5),
            override("dan", "2026-03-02 12:00", "2026-03-02 13:00", 7, source="swap"),
            override("dan", "2026-03-02 10:00", "2026-03-02 11:00", 3),  # older: loses to cat
            override("bob", "2026-03-02 10:00", "2026-03-02 23:00", 9, schedule="office"),
        ),
    )
    final = final_for(state, "primary", at("2026-03-02 09:00"), at("2026-03-02 15:00"))
    assert shifts(final) == [
        ("ann", "02 09:00", "02 10:00", "layer:daily"),
        ("cat", "02 10:00", "02 12:00", "override"),
        ("dan", "02 12:00", "02 13:00", "swap"),
        ("cat", "02 13:00", "02 14:00", "override"),
        ("ann", "02 14:00", "02 15:00", "layer:daily"),
    ]
    found = who_for(state, "primary", at("2026-03-02 12:30"))
    assert found is not None and (found.person, found.start, found.end) == (
        "dan",
        at("2026-03-02 12:00"),
        at("2026-03-02 13:00"),
    )


def test_time_off_brings_a_cover() -> None:
    state = ScheduleState(
        (revision(config(), "2026-03-01 00:00"),),
        time_off=(
            StoredTimeOff(
                1,
                "ann",
                at("2026-03-02 12:00"),
                at("2026-03-02 14:00"),
                at("2026-03-01 00:00"),
                "ann",
            ),
        ),
    )
    final = final_for(state, "primary", at("2026-03-02 09:00"), at("2026-03-02 15:00"))
    assert shifts(final) == [
        ("ann", "02 09:00", "02 12:00", "layer:daily"),
        ("bob", "02 12:00", "02 14:00", "cover"),
        ("ann", "02 14:00", "02 15:00", "layer:daily"),
    ]


def test_unknown_schedule_is_a_gap_and_nobody() -> None:
    state = ScheduleState((revision(config(), "2026-03-01 00:00"),))
    window = (at("2026-03-02 00:00"), at("2026-03-03 00:00"))
    assert final_for(state, "nope", *window).gaps == (Interval(*window),)
    assert who_for(state, "nope", window[0]) is None
    assert final_for(ScheduleState(()), "primary", *window).gaps == (Interval(*window),)


def test_team_and_service_targets() -> None:
    cfg = config()
    assert [s.id for s in schedules_of_team(cfg, "ops")] == ["primary"]
    assert schedules_of_team(cfg, "nobody") == []
    assert first_tier_targets(cfg, "api") == ["schedule:primary"]
    assert first_tier_targets(cfg, "batch") == ["person:dan"]
    assert first_tier_targets(cfg, "orphan") == []
    assert first_tier_targets(cfg, "unknown") == []


def test_coverage_gaps_per_service() -> None:
    state = ScheduleState((revision(config(), "2026-03-01 00:00"),))
    monday, tuesday = at("2026-03-02 00:00"), at("2026-03-03 00:00")
    # The office layer is active 09:00-17:00 on weekdays only.
    assert coverage_gaps(state, "site", monday, tuesday) == [
        Interval(monday, at("2026-03-02 09:00")),
        Interval(at("2026-03-02 17:00"), tuesday),
    ]
    assert coverage_gaps(state, "api", at("2026-03-02 09:00"), tuesday) == []
    assert coverage_gaps(state, "batch", monday, tuesday) == []  # a person is always pageable
    assert coverage_gaps(state, "orphan", monday, tuesday) == [Interval(monday, tuesday)]
    # An override closes a gap.
    covered = ScheduleState(
        state.revisions,
        overrides=(override("dan", "2026-03-02 17:00", "2026-03-03 00:00", 1, schedule="office"),),
    )
    assert coverage_gaps(covered, "site", monday, tuesday) == [
        Interval(monday, at("2026-03-02 09:00"))
    ]


def test_window_edges() -> None:
    state = ScheduleState((revision(config(), "2026-03-01 00:00"),))
    t = at("2026-03-02 09:00")
    assert final_for(state, "primary", t, t).shifts == ()
    assert final_for(state, "primary", t, t - timedelta(hours=1)).shifts == ()
