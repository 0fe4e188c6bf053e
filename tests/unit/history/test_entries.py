"""History entries from audit entries, timeline events and shifts: pure, table-driven."""

from __future__ import annotations

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
    shifts = shift_entries("p", [Shift("ann", T, at("2026-03-03 08:00"), "layer:l")], T)
    audit = audit_entries(
        [AuditEntry(T, "bob", "swap.request", "schedule:p", {"counterpart": "cat", "swap": 4})]
    )
    earlier = audit_entries([AuditEntry(at("2026-03-01 00:00"), "t", "config.apply", "f", {})])
    everything = assemble([shifts, audit, earlier])
    assert [e.kind for e in everything] == ["config", "shift", "swap"]
    assert shifts[0].detail == "on call (layer:l) until now"  # reaches the window's end
    assert [e.kind for e in assemble([shifts, audit], "cat")] == ["swap"]  # the counterpart
    assert [e.kind for e in assemble([shifts, audit], "ann")] == ["shift"]
    assert assemble([shifts, audit], "zed") == []
