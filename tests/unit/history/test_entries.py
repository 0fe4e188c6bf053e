"""History entries from audit entries, timeline events and shifts: pure, table-driven."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.history.entries import (
    IncidentInfo,
    assemble,
    audit_entries,
    event_entries,
    shift_entries,
)
from core.ports import AuditEntry
from core.schedule.model import Shift
from tests.unit.oncall.common import at

T = at("2026-03-02 08:00")


def test_old_or_odd_audit_details_never_raise() -> None:
    made = audit_entries(
        [
            AuditEntry(T, "dan", "override.create", "schedule:p", {}),
            AuditEntry(T, "bob", "timeoff.create", "person:bob", {"covers": ["junk", {}]}),
            AuditEntry(T, "ann", "swap.accepted", "schedule:p", {"swap": None}),
            AuditEntry(T, "cli:x", "config.apply", "oncall.yaml", {}),
            AuditEntry(T, "ann", "review.submit", "incident:3", {"summary": "Disk"}),
            AuditEntry(T, "x", "heartbeat.missed", "hb", {}),
        ]
    )
    assert [(e.kind, e.person) for e in made] == [
        ("override", None),
        ("timeoff", "bob"),
        ("cover", None),  # the junk cover is skipped, the empty one shows "?"
        ("swap", "ann"),
        ("config", None),
        ("review", None),
        ("heartbeat", None),
    ]
    assert made[0].detail == "override from ? to ? by dan"
    assert made[5].detail == "review.submit by ann: Disk"


def test_pages_one_per_person_ignored_events_left_out() -> None:
    events = [
        (1, T, "paged", None, {"people": ["ann", "dan"], "tier": 2}),
        (1, T, "acknowledge", "ann", {"effects": ["CancelPending", "Notify"]}),
        (1, T, "acknowledge", "ann", {"effects": ["already acknowledged"]}),  # no change
        (2, T, "resolve", "alertmanager", {"effects": ["Notify"]}),
        (1, T, "open", None, {}),
    ]
    made = event_entries(events, {1: IncidentInfo(1, "Disk", "api")}, {"ann": "Ann"})
    assert [(e.kind, e.person, e.subject) for e in made] == [
        ("page", "ann", "incident:1"),
        ("page", "dan", "incident:1"),
        ("acknowledge", "ann", "incident:1"),
        ("resolve", None, "incident:2"),
    ]
    assert made[0].detail == "paged for Disk (api), tier 2"
    assert made[3].detail == "resolved incident 2 by alertmanager"  # an incident not loaded


def test_assemble_orders_by_time_keeps_ties_and_filters_by_person() -> None:
    shift = Shift("ann", T, at("2026-03-03 08:00"), "layer:l")
    shifts = shift_entries("p", [shift], T, at("2026-03-03 08:00"), at("2026-03-02 12:00"))
    audit = audit_entries(
        [AuditEntry(T, "bob", "swap.request", "schedule:p", {"counterpart": "cat", "swap": 4})]
    )
    earlier = audit_entries([AuditEntry(at("2026-03-01 00:00"), "t", "config.apply", "f", {})])
    everything = assemble([shifts, audit, earlier])
    assert [e.kind for e in everything] == ["config", "shift", "swap"]
    assert shifts[0].detail == "on call (layer:l) until now"  # running at now
    assert [e.kind for e in assemble([shifts, audit], "cat")] == ["swap"]  # the counterpart
    assert [e.kind for e in assemble([shifts, audit], "ann")] == ["shift"]
    assert assemble([shifts, audit], "zed") == []


SINCE, UNTIL = at("2026-03-02 00:00"), at("2026-03-05 00:00")


@pytest.mark.parametrize(
    ("start", "end", "now", "detail", "bounds"),
    [
        # ended inside a window long past: its real end, never "until now"
        ("2026-03-02 09:00", "2026-03-03 09:00", "2026-12-01 00:00", "until 2026-03-03T09:00:00+00:00", ("2026-03-02 09:00", "2026-03-03 09:00")),
        # reaches past the end of a window in the past: it went on, it is not "now"
        ("2026-03-04 12:00", "2026-03-05 09:00", "2026-12-01 00:00", "continues after 2026-03-05T00:00:00+00:00", ("2026-03-04 12:00", "2026-03-05 00:00")),
        # ends exactly at the window's end: its real end
        ("2026-03-04 00:00", "2026-03-05 00:00", "2026-12-01 00:00", "until 2026-03-05T00:00:00+00:00", ("2026-03-04 00:00", "2026-03-05 00:00")),
        # began before the window (clipped to its start): said so
        ("2026-03-01 09:00", "2026-03-02 09:00", "2026-12-01 00:00", "began before 2026-03-02T00:00:00+00:00, until 2026-03-02T09:00:00+00:00", ("2026-03-02 00:00", "2026-03-02 09:00")),
        # still running at now, inside the window
        ("2026-03-04 12:00", "2026-03-05 09:00", "2026-03-04 13:00", "until now", ("2026-03-04 12:00", "2026-03-05 00:00")),
        # the window ends at now (the default) and the shift goes on: running at now
        ("2026-03-04 12:00", "2026-03-05 09:00", "2026-03-05 00:00", "until now", ("2026-03-04 12:00", "2026-03-05 00:00")),
        # a shift ahead of now (a window reaching into the future): its planned end
        ("2026-03-04 12:00", "2026-03-04 18:00", "2026-03-03 00:00", "until 2026-03-04T18:00:00+00:00", ("2026-03-04 12:00", "2026-03-04 18:00")),
        # a shift that ended before now, inside a window reaching past now
        ("2026-03-02 09:00", "2026-03-03 09:00", "2026-03-04 00:00", "until 2026-03-03T09:00:00+00:00", ("2026-03-02 09:00", "2026-03-03 09:00")),
    ],
)  # fmt: skip
def test_a_shift_says_how_it_really_runs(
    start: str, end: str, now: str, detail: str, bounds: tuple[str, str]
) -> None:
    (entry,) = shift_entries(
        "p", [Shift("ann", at(start), at(end), "layer:l")], SINCE, UNTIL, at(now)
    )
    assert entry.detail == f"on call (layer:l) {detail}"
    assert (entry.at, entry.end) == (at(bounds[0]), at(bounds[1]))


def test_shifts_only_in_the_margins_are_left_out() -> None:
    margins = [
        Shift("ann", SINCE - timedelta(seconds=1), SINCE, "layer:l"),
        Shift("bob", UNTIL, UNTIL + timedelta(seconds=1), "layer:l"),
    ]
    assert shift_entries("p", margins, SINCE, UNTIL, at("2026-12-01 00:00")) == []
