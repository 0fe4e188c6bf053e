"""Load per person: who appears (members with zeros, extra people after), rests clipped to
the window, figures taken from the report (fixed datetimes, no clock)."""

from __future__ import annotations

from datetime import timedelta

from core.metrics.load import members, person_loads, rests
from core.metrics.report import PersonFigures
from core.ports import StoredTimeOff
from core.rest.grant import ACTOR
from tests.unit.oncall.common import at, config

CONFIG = config(teams=[{"id": "ops", "managers": ["dan"]}, {"id": "web"}])
START, END = at("2026-03-02 00:00"), at("2026-03-09 00:00")
H = timedelta(hours=1)


def off(person: str, start: str, end: str, by: str = ACTOR, oid: int = 1) -> StoredTimeOff:
    return StoredTimeOff(oid, person, at(start), at(end), at(start), by)


def figures(person: str, pages: int, on_call: timedelta, night: timedelta) -> PersonFigures:
    return PersonFigures(person, person, pages, 0, night, 0, 0, 0, on_call)


def test_members_are_layer_members_and_managers_in_the_files_people_order() -> None:
    assert members(CONFIG, "ops") == ["ann", "bob", "dan"]  # dan manages ops
    assert members(CONFIG, "web") == ["cat"]
    assert members(CONFIG, None) == ["ann", "bob", "cat", "dan"]
    assert members(CONFIG, "nope") == []


def test_rests_count_only_rest_after_night_pages_clipped_to_the_window() -> None:
    time_off = [
        off("ann", "2026-03-01 20:00", "2026-03-02 04:00"),  # crosses the start: 4 h inside
        off("ann", "2026-03-05 10:00", "2026-03-05 18:00", oid=2),  # inside: 8 h
        off("ann", "2026-03-06 10:00", "2026-03-07 10:00", by="anna", oid=3),  # a holiday
        off("ann", "2026-03-09 00:00", "2026-03-09 08:00", oid=4),  # at the end: outside
        off("bob", "2026-03-03 00:00", "2026-03-03 08:00", oid=5),  # someone else's
    ]
    assert rests(time_off, "ann", START, END) == (2, 12 * H)
    assert rests(time_off, "cat", START, END) == (0, timedelta(0))


def test_everyone_of_the_team_appears_with_zeros_and_others_named_by_the_report_after() -> None:
    by_person = [
        figures("bob", 3, 40 * H, timedelta(minutes=25)),
        figures("cat", 1, 0 * H, timedelta(0)),  # paged for ops by a person: target
    ]
    found = person_loads(CONFIG, by_person, [off("dan", "2026-03-04 00:00", "2026-03-04 06:00")],
                         "ops", START, END)  # fmt: skip
    assert [p.person for p in found] == ["ann", "bob", "dan", "cat"]
    ann, bob, dan, cat = found
    assert (ann.on_call, ann.pages, ann.off_hours_time, ann.rest_count) == (
        timedelta(0), 0, timedelta(0), 0
    )  # fmt: skip
    assert (bob.on_call, bob.pages, bob.off_hours_time) == (40 * H, 3, timedelta(minutes=25))
    assert (dan.rest_count, dan.rest_time, dan.teams) == (1, 6 * H, ("ops",))
    assert (cat.pages, cat.teams) == (1, ("web",))


def test_a_person_the_configuration_does_not_know_keeps_the_reports_name() -> None:
    found = person_loads(CONFIG, [figures("ghost", 1, H, timedelta(0))], [], "web", START, END)
    assert [(p.person, p.name, p.teams) for p in found] == [
        ("cat", "cat", ("web",)),
        ("ghost", "ghost", ()),
    ]
