"""Who is on call, who is next, and schedule listings: the use cases every surface renders.

The configuration is tests/unit/oncall/common.py's: ``primary`` (team ops) hands over daily at
09:00 UTC between ann and bob from Monday 2026-03-02; ``office`` (team web) is cat on weekdays
09:00-17:00 only; service ``api`` pages primary, ``site`` pages office, ``batch`` pages dan
directly, ``orphan`` has no policy.
"""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

import pytest

from core.oncall.listing import (
    InvalidWindow,
    ListedShift,
    ScheduleShifts,
    check_window,
    listing_zone,
    schedule_listing,
)
from core.oncall.targets import (
    PersonRef,
    QueryError,
    Target,
    TooManyTargets,
    UnknownTarget,
    pick_target,
    resolve_target,
    suggestions,
    teams_of,
)
from core.oncall.who import OnCallShift, WhoRow, who, who_for_person, who_for_teams
from core.ports import StoredOverride
from core.schedule.model import Interval
from tests.fakes import FakeUnitOfWork, Store
from tests.unit.oncall.common import DOC, at, config, revision

NAMES = {"ann": "Ann Lee", "bob": "Bob Ray", "cat": "Cat Moss"}  # dan has no name


def named_doc() -> dict[str, Any]:
    doc = copy.deepcopy(DOC)
    doc["people"] = [{"id": p, **({"name": NAMES[p]} if p in NAMES else {})} for p in NAMES]
    doc["people"].append({"id": "dan"})
    return doc


def unit(*overrides: StoredOverride, **sections: Any) -> FakeUnitOfWork:
    doc = named_doc()
    doc.update(sections)
    cfg = config(**{k: doc[k] for k in ("people", "teams", "schedules", "services")})
    return FakeUnitOfWork(
        Store(revisions=[revision(cfg, "2026-03-01 00:00")], overrides=list(overrides))
    )


def override(person: str, start: str, end: str, oid: int = 1, schedule: str = "primary"):
    return StoredOverride(
        oid, schedule, person, at(start), at(end), "override", at("2026-03-01 00:00"), "t"
    )


def ann() -> PersonRef:
    return PersonRef("ann", "Ann Lee")


def bob() -> PersonRef:
    return PersonRef("bob", "Bob Ray")


def cat() -> PersonRef:
    return PersonRef("cat", "Cat Moss")


# --- who ---------------------------------------------------------------------------------


async def test_who_for_every_schedule_shows_current_and_next() -> None:
    answer = await who(unit(), at("2026-03-03 10:00"))  # a Tuesday
    assert (answer.at, answer.timezone, answer.targets) == (at("2026-03-03 10:00"), "UTC", ())
    assert answer.rows == (
        WhoRow(
            schedule="primary",
            schedule_name=None,
            team="ops",
            # turn 1 of the daily layer is bob's; ann takes over at the next 09:00
            current=OnCallShift(
                bob(), at("2026-03-03 09:00"), at("2026-03-04 09:00"), "layer:daily"
            ),
            next=OnCallShift(ann(), at("2026-03-04 09:00"), at("2026-03-05 09:00"), "layer:daily"),
        ),
        WhoRow(
            schedule="office",
            schedule_name=None,
            team="web",
            current=OnCallShift(
                cat(), at("2026-03-03 09:00"), at("2026-03-03 17:00"), "layer:hours"
            ),
            # a gap follows 17:00: the next shift is the next morning's, after the gap
            next=OnCallShift(cat(), at("2026-03-04 09:00"), at("2026-03-04 17:00"), "layer:hours"),
        ),
    )
    assert not any(r.is_gap for r in answer.rows)


async def test_at_a_hand_over_instant_the_incoming_shift_is_current() -> None:
    (row,) = (await who(unit(), at("2026-03-04 09:00"), Target("schedule", "primary"))).rows
    assert row.current is not None and row.current.person == ann()
    assert row.current.start == at("2026-03-04 09:00")
    assert row.next is not None and row.next.person == bob()


async def test_in_a_gap_next_is_the_shift_after_the_gap_within_the_lookahead() -> None:
    friday_evening = at("2026-03-06 18:00")  # office reopens Monday 09:00: 2 days 15 hours on
    (row,) = (await who(unit(), friday_evening, "office")).rows
    assert row.is_gap and row.current is None
    assert row.next == OnCallShift(
        cat(), at("2026-03-09 09:00"), at("2026-03-09 17:00"), "layer:hours"
    )
    # The look-ahead window is half-open: a shift starting exactly at its end is not found.
    exact = timedelta(days=2, hours=15)
    (row,) = (await who(unit(), friday_evening, "office", lookahead=exact)).rows
    assert row.next is None
    (row,) = (
        await who(unit(), friday_evening, "office", lookahead=exact + timedelta(minutes=1))
    ).rows
    assert row.next is not None and row.next.start == at("2026-03-09 09:00")


async def test_a_shift_that_does_not_end_within_a_year_has_no_next() -> None:
    always = [
        *DOC["schedules"],
        {
            "id": "solo",
            "team": "ops",
            "layers": [
                {"id": "all", "members": ["dan"], "rotation": "weekly", "start": "2026-03-02 00:00"}
            ],
        },
    ]
    (row,) = (await who(unit(schedules=always), at("2026-03-03 10:00"), "solo")).rows
    assert row.current == OnCallShift(PersonRef("dan"), at("2026-03-02 00:00"), None, "layer:all")
    assert row.next is None
    assert row.current.person.display_name == "dan"  # no name in the file: the id


async def test_an_override_is_current_and_the_rotation_is_next() -> None:
    uow = unit(override("cat", "2026-03-03 12:00", "2026-03-03 15:00"))
    (row,) = (await who(uow, at("2026-03-03 13:00"), Target("schedule", "primary"))).rows
    assert row.current == OnCallShift(
        cat(), at("2026-03-03 12:00"), at("2026-03-03 15:00"), "override"
    )
    # bob's turn resumes at 15:00 and runs to the 09:00 hand-over
    assert row.next == OnCallShift(
        bob(), at("2026-03-03 15:00"), at("2026-03-04 09:00"), "layer:daily"
    )


async def test_service_first_tier_schedules_and_direct_people() -> None:
    now = at("2026-03-03 10:00")
    api = await who(unit(), now, Target("service", "api"))
    assert api.targets == (Target("service", "api"),)
    assert [r.schedule for r in api.rows] == ["primary"]
    (direct,) = (await who(unit(), now, Target("service", "batch"))).rows
    # a person target: paged directly, never a gap, the service's team
    assert direct == WhoRow(None, None, "ops", None, None, direct=PersonRef("dan"))
    assert not direct.is_gap
    assert (await who(unit(), now, Target("service", "orphan"))).rows == ()  # no policy


async def test_team_target_lists_its_schedules_and_names_come_through() -> None:
    schedules = copy.deepcopy(DOC["schedules"])
    schedules[0]["name"] = "Ops primary"
    (row,) = (await who(unit(schedules=schedules), at("2026-03-03 10:00"), "ops")).rows
    assert (row.schedule, row.schedule_name, row.team) == ("primary", "Ops primary", "ops")


@pytest.mark.parametrize(
    ("target", "message"),
    [
        (Target("team", "nope"), "unknown team 'nope'"),
        (Target("schedule", "nope"), "unknown schedule 'nope'"),
        (Target("service", "nope"), "unknown service 'nope'"),
        ("nope", "no schedule, team or service is called 'nope'"),
    ],
)
async def test_who_unknown_targets(target: Target | str, message: str) -> None:
    with pytest.raises(UnknownTarget) as caught:
        await who(unit(), at("2026-03-03 10:00"), target)
    assert str(caught.value) == message


async def test_who_refuses_a_person_target() -> None:
    with pytest.raises(QueryError, match="schedule, team or service"):
        await who(unit(), at("2026-03-03 10:00"), Target("person", "ann"))


async def test_who_for_teams_keeps_the_order_given_and_drops_repeats() -> None:
    answer = await who_for_teams(unit(), at("2026-03-03 10:00"), ["web", "ops", "web"])
    assert answer.targets == (Target("team", "web"), Target("team", "ops"))
    assert [r.schedule for r in answer.rows] == ["office", "primary"]
    assert (await who_for_teams(unit(), at("2026-03-03 10:00"), [])).rows == ()
    with pytest.raises(UnknownTarget, match="unknown team 'x'"):
        await who_for_teams(unit(), at("2026-03-03 10:00"), ["ops", "x"])


async def test_who_for_person_uses_their_teams() -> None:
    teams = [{"id": "ops"}, {"id": "web", "managers": ["ann"]}]
    answer = await who_for_person(unit(teams=teams), at("2026-03-03 10:00"), "ann")
    assert [r.schedule for r in answer.rows] == ["primary", "office"]
    assert (await who_for_person(unit(), at("2026-03-03 10:00"), "dan")).rows == ()  # no team
    with pytest.raises(UnknownTarget, match="unknown person 'zed'"):
        await who_for_person(unit(), at("2026-03-03 10:00"), "zed")


# --- targets -----------------------------------------------------------------------------


def test_teams_of_counts_layer_members_and_managers() -> None:
    cfg = config(teams=[{"id": "ops"}, {"id": "web", "managers": ["dan", "ann"]}])
    assert teams_of(cfg, "ann") == ("ops", "web")  # member of primary, manager of web
    assert teams_of(cfg, "cat") == ("web",)
    assert teams_of(cfg, "dan") == ("web",)  # paged directly by batch: not a member of ops
    assert teams_of(cfg, "zed") == ()


def test_pick_target() -> None:
    assert pick_target() is None
    assert pick_target(team="ops") == Target("team", "ops")
    with pytest.raises(TooManyTargets, match="not a team and a service"):
        pick_target(team="ops", service="api")


def word_config():
    return config(
        teams=[{"id": "ops", "name": "Operations"}, {"id": "web", "name": "Web"}],
        services=[
            {"id": "api", "team": "ops", "escalation_policy": "ops"},
            {"id": "site", "team": "web", "escalation_policy": "web", "name": "Web"},
            {"id": "ops", "team": "ops", "escalation_policy": "ops"},  # same id as a team
        ],
    )


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("primary", Target("schedule", "primary")),  # exact schedule id
        ("ops", Target("team", "ops")),  # exact: a team id beats the same service id
        ("api", Target("service", "api")),
        ("  api ", Target("service", "api")),  # surrounding spaces ignored
        ("OPS", Target("team", "ops")),  # id, ignoring case
        ("PRIMARY", Target("schedule", "primary")),
        ("operations", Target("team", "ops")),  # a name, ignoring case
    ],
)
def test_resolve_target(word: str, expected: Target) -> None:
    assert resolve_target(word_config(), word) == expected


@pytest.mark.parametrize(
    ("word", "message"),
    [
        ("web ", "team 'web'"),  # the exact id wins over the service named Web
        ("WEB", "team 'web'"),  # so does the id ignoring case
    ],
)
def test_ids_beat_names(word: str, message: str) -> None:
    assert str(resolve_target(word_config(), word)) == message


@pytest.mark.parametrize(
    ("word", "message"),
    [
        ("", "name a schedule, team or service"),
        (
            "prim",
            "no schedule, team or service is called 'prim'; did you mean schedule 'primary'?",
        ),
        (
            "primray",
            "no schedule, team or service is called 'primray'; did you mean schedule 'primary'?",
        ),
        (
            "s",
            "no schedule, team or service is called 's'; did you mean team 'ops' or "
            "service 'site' or service 'ops'?",
        ),
        ("zzz", "no schedule, team or service is called 'zzz'"),
    ],
)
def test_unknown_words_suggest_close_ids(word: str, message: str) -> None:
    with pytest.raises(UnknownTarget) as caught:
        resolve_target(word_config(), word)
    assert str(caught.value) == message


def test_a_name_shared_by_two_things_is_ambiguous() -> None:
    schedules = copy.deepcopy(DOC["schedules"])
    schedules[0]["name"] = "Office hours"
    schedules[1]["name"] = "office hours"
    cfg = config(schedules=schedules)
    with pytest.raises(UnknownTarget) as caught:
        resolve_target(cfg, "Office Hours")
    assert str(caught.value) == (
        "'Office Hours' could be schedule 'primary' or schedule 'office'; say which by its id"
    )


def test_suggestions_are_capped() -> None:
    services = [{"id": f"svc-{i}", "team": "ops"} for i in range(8)]
    assert len(suggestions(config(services=services), "svc")) == 5


# --- schedule listing --------------------------------------------------------------------


async def test_listing_of_one_schedule_clips_to_the_window_and_lists_gaps() -> None:
    listing = await schedule_listing(
        unit(), Target("schedule", "primary"), at("2026-03-02 00:00"), at("2026-03-03 12:00")
    )
    assert (listing.start, listing.end, listing.timezone) == (
        at("2026-03-02 00:00"),
        at("2026-03-03 12:00"),
        "UTC",
    )
    assert listing.person_shifts == ()
    ann_shift = ListedShift(
        "primary", ann(), at("2026-03-02 09:00"), at("2026-03-03 09:00"), "layer:daily"
    )
    bob_shift = ListedShift(  # clipped at the window's end
        "primary", bob(), at("2026-03-03 09:00"), at("2026-03-03 12:00"), "layer:daily"
    )
    before_start = Interval(at("2026-03-02 00:00"), at("2026-03-02 09:00"))  # layer not begun
    assert listing.schedules == (
        ScheduleShifts("primary", None, "ops", (ann_shift, bob_shift), (before_start,)),
    )
    assert listing.schedules[0].timeline == (before_start, ann_shift, bob_shift)


async def test_listing_includes_overrides_and_works_by_word() -> None:
    uow = unit(override("cat", "2026-03-02 12:00", "2026-03-02 13:00"))
    listing = await schedule_listing(uow, "ops", at("2026-03-02 09:00"), at("2026-03-02 15:00"))
    (only,) = listing.schedules
    assert [(s.person.id, s.start.hour, s.end.hour, s.source) for s in only.shifts] == [
        ("ann", 9, 12, "layer:daily"),
        ("cat", 12, 13, "override"),
        ("ann", 13, 15, "layer:daily"),
    ]
    assert listing.target == Target("team", "ops")


async def test_listing_of_a_service_is_its_first_tier_schedules() -> None:
    window = (at("2026-03-02 00:00"), at("2026-03-03 00:00"))
    site = await schedule_listing(unit(), Target("service", "site"), *window)
    assert [s.schedule for s in site.schedules] == ["office"]
    batch = await schedule_listing(unit(), Target("service", "batch"), *window)
    assert batch.schedules == ()  # a person target has no schedule to list


async def test_listing_of_a_person_spans_schedules_in_time_order() -> None:
    uow = unit(override("cat", "2026-03-02 07:00", "2026-03-02 10:00"))
    listing = await schedule_listing(
        uow, Target("person", "cat"), at("2026-03-02 00:00"), at("2026-03-03 12:00")
    )
    assert listing.schedules == ()
    assert [(s.schedule, s.start, s.end, s.source) for s in listing.person_shifts] == [
        ("primary", at("2026-03-02 07:00"), at("2026-03-02 10:00"), "override"),
        # cat holds office too from 09:00: both shifts show, overlapping, each in its schedule
        ("office", at("2026-03-02 09:00"), at("2026-03-02 17:00"), "layer:hours"),
        ("office", at("2026-03-03 09:00"), at("2026-03-03 12:00"), "layer:hours"),
    ]


@pytest.mark.parametrize(
    ("start", "end", "inverted"),
    [
        ("2026-03-02 00:00", "2026-03-02 00:00", True),  # empty
        ("2026-03-03 00:00", "2026-03-02 00:00", True),  # inverted
        ("2026-03-02 00:00", "2027-04-06 00:01", False),  # 400 days and a minute
    ],
)
async def test_bad_windows(start: str, end: str, inverted: bool) -> None:
    with pytest.raises(InvalidWindow) as caught:
        await schedule_listing(unit(), Target("schedule", "primary"), at(start), at(end))
    assert caught.value.inverted is inverted


def test_a_window_of_exactly_400_days_is_allowed() -> None:
    start = at("2026-03-02 00:00")
    assert check_window(start, start + timedelta(days=400)) == (
        start,
        start + timedelta(days=400),
    )


async def test_an_unknown_target_is_reported_before_a_bad_window() -> None:
    with pytest.raises(UnknownTarget, match="unknown person 'zed'"):
        await schedule_listing(
            unit(), Target("person", "zed"), at("2026-03-03 00:00"), at("2026-03-02 00:00")
        )


def test_listing_zone() -> None:
    schedules = copy.deepcopy(DOC["schedules"])
    schedules[1]["timezone"] = "Europe/Berlin"
    people = [{"id": "ann", "timezone": "Asia/Tokyo"}, *({"id": p} for p in ("bob", "cat", "dan"))]
    cfg = config(schedules=schedules, people=people, timezone="America/New_York")
    assert listing_zone(cfg, Target("schedule", "office")) == "Europe/Berlin"
    assert listing_zone(cfg, Target("schedule", "primary")) == "America/New_York"
    assert listing_zone(cfg, Target("service", "site")) == "Europe/Berlin"
    assert listing_zone(cfg, Target("service", "orphan")) is None  # no schedules to read in
    assert listing_zone(cfg, Target("person", "ann")) == "Asia/Tokyo"
    assert listing_zone(cfg, Target("person", "bob")) == "America/New_York"
    with pytest.raises(UnknownTarget, match="unknown team 'x'"):
        listing_zone(cfg, Target("team", "x"))
