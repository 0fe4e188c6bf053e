"""A schedule's layers one by one, and its members' time off (core.oncall.layers_view)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

from core.oncall.layers_view import TimeOffSpan, layer_tracks, members_time_off
from core.oncall.views import ScheduleState, final_for
from core.ports import StoredOverride, StoredTimeOff
from tests.unit.oncall.common import DOC, at, config, revision

CREATED = datetime(2026, 3, 1, tzinfo=UTC)


def _two_layers() -> ScheduleState:
    schedules = copy.deepcopy(DOC["schedules"])
    schedules[0]["layers"].append(
        {
            "id": "nights",
            "members": ["cat"],
            "rotation": "weekly",
            "start": "2026-03-02 00:00",
            "active": [{"from": "00:00", "to": "06:00"}],
        }
    )
    return ScheduleState((revision(config(schedules=schedules), "2026-03-01 00:00"),))


def _time_off(person: str, start: str, end: str, tid: int = 1) -> StoredTimeOff:
    return StoredTimeOff(tid, person, at(start), at(end), CREATED, "test")


def test_each_layer_has_its_own_shifts_before_later_layers_hide_them() -> None:
    state = _two_layers()
    tracks = layer_tracks(state, "primary", at("2026-03-02 09:00"), at("2026-03-04 09:00"))
    assert [t.layer for t in tracks] == ["daily", "nights"]
    daily, nights = tracks
    assert [(s.person, s.start, s.end, s.source) for s in daily.shifts] == [
        ("ann", at("2026-03-02 09:00"), at("2026-03-03 09:00"), "layer:daily"),
        ("bob", at("2026-03-03 09:00"), at("2026-03-04 09:00"), "layer:daily"),
    ]
    assert [(s.person, s.start, s.end) for s in nights.shifts] == [
        ("cat", at("2026-03-03 00:00"), at("2026-03-03 06:00")),
        ("cat", at("2026-03-04 00:00"), at("2026-03-04 06:00")),
    ]
    final = final_for(state, "primary", at("2026-03-02 09:00"), at("2026-03-04 09:00"))
    assert ("cat", at("2026-03-03 00:00")) in [(s.person, s.start) for s in final.shifts]


def test_overrides_change_the_final_schedule_but_not_the_layers() -> None:
    base = _two_layers()
    override = StoredOverride(
        1,
        "primary",
        "dan",
        at("2026-03-02 12:00"),
        at("2026-03-02 13:00"),
        "override",
        CREATED,
        "t",
    )
    state = ScheduleState(base.revisions, overrides=(override,))
    lo, hi = at("2026-03-02 09:00"), at("2026-03-03 09:00")
    assert layer_tracks(state, "primary", lo, hi) == layer_tracks(base, "primary", lo, hi)


def test_time_off_gives_a_cover_in_the_layer() -> None:
    base = _two_layers()
    state = ScheduleState(
        base.revisions, time_off=(_time_off("ann", "2026-03-02 12:00", "2026-03-02 14:00"),)
    )
    daily = layer_tracks(state, "primary", at("2026-03-02 09:00"), at("2026-03-03 09:00"))[0]
    assert [(s.person, s.source) for s in daily.shifts] == [
        ("ann", "layer:daily"),
        ("bob", "cover"),
        ("ann", "layer:daily"),
    ]


def test_a_window_across_revisions_lists_each_layer_once_newest_order_first() -> None:
    first = revision(config(), "2026-03-01 00:00", rid=1)
    second = _two_layers().revisions[0]
    second = type(second)(id=2, applied_at=at("2026-03-03 09:00"), config=second.config)
    state = ScheduleState((first, second))
    tracks = layer_tracks(state, "primary", at("2026-03-02 09:00"), at("2026-03-05 09:00"))
    assert [t.layer for t in tracks] == ["daily", "nights"]
    assert tracks[1].shifts[0].start == at("2026-03-04 00:00")  # nights only from revision 2
    assert [s.person for s in tracks[0].shifts] == ["ann", "bob", "ann"]


def test_empty_window_and_unknown_schedule() -> None:
    state = _two_layers()
    assert layer_tracks(state, "primary", at("2026-03-02 09:00"), at("2026-03-02 09:00")) == ()
    assert layer_tracks(state, "nope", at("2026-03-02 09:00"), at("2026-03-03 09:00")) == ()
    assert members_time_off(state, "nope", at("2026-03-02 09:00"), at("2026-03-03 09:00")) == ()


def test_members_time_off_is_clipped_and_only_of_members() -> None:
    base = _two_layers()
    offs = (
        _time_off("bob", "2026-03-01 00:00", "2026-03-02 12:00", 1),
        _time_off("dan", "2026-03-02 10:00", "2026-03-02 11:00", 2),  # not a member
        _time_off("cat", "2026-03-02 10:00", "2026-03-02 11:00", 3),
        _time_off("ann", "2026-03-09 00:00", "2026-03-10 00:00", 4),  # outside the window
    )
    state = ScheduleState(base.revisions, time_off=offs)
    assert members_time_off(state, "primary", at("2026-03-02 09:00"), at("2026-03-03 09:00")) == (
        TimeOffSpan("bob", at("2026-03-02 09:00"), at("2026-03-02 12:00")),
        TimeOffSpan("cat", at("2026-03-02 10:00"), at("2026-03-02 11:00")),
    )
