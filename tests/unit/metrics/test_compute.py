"""Response metrics from scripted incident timelines (fixed datetimes, no clock).

People: ann (America/Chicago, no ``available``: nights are 22:00-07:00 Chicago time), bob
(Europe/Berlin, available 08:00-20:00), cat (UTC, no ``available``). Chicago springs forward
on 2026-03-08 at 02:00 (CST, UTC-6 -> CDT, UTC-5) and falls back on 2026-11-01 at 02:00.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from core.incidents.lifecycle import IncidentState
from core.incidents.ports import IncidentRecord
from core.metrics.compute import incident_metrics
from core.metrics.offhours import is_off_hours, off_hours_time
from tests.unit.oncall.common import at, config

PEOPLE = [
    {"id": "ann", "timezone": "America/Chicago"},
    {"id": "bob", "timezone": "Europe/Berlin", "available": ["08:00-20:00"]},
    {"id": "cat"},
    {"id": "dan"},
]
CONFIG = config(people=PEOPLE)
H = timedelta(hours=1)
M = timedelta(minutes=1)


def ev(when: str, kind: str, actor: str | None = None, **detail: Any) -> Any:
    return (at(when), kind, actor, detail)


def record(opened: str) -> IncidentRecord:
    return IncidentRecord(
        source="alertmanager",
        dedup_key="k",
        title="t",
        service_id="api",
        team_id="ops",
        policy_id="ops",
        severity="critical",
        state=IncidentState(),
        opened_at=at(opened),
        labels={},
        annotations={},
        links={},
        id=7,
    )


def resolved(when: str, by: str) -> IncidentState:
    return IncidentState(status="resolved", resolved_at=at(when), resolved_by=by)


ACKED = {"effects": ["CancelPending", "Notify"]}
ESCALATED = {"effects": ["CancelPending", "Notify", "PageTier", "ScheduleEscalation"]}


def test_a_scripted_incident() -> None:
    events = [
        ev("2026-03-02 10:00", "routed"),
        ev("2026-03-02 10:00", "open", effects=["Notify", "PageTier", "ScheduleEscalation"]),
        ev("2026-03-02 10:00", "paged", people=["cat"], tier=1),
        ev("2026-03-02 10:05", "escalationdue", **ESCALATED),  # taken: pages tier 2
        ev("2026-03-02 10:05", "paged", people=["dan"], tier=2),
        ev("2026-03-02 10:07", "acknowledge", "dan", **ACKED),
        ev("2026-03-02 10:08", "acknowledge", "cat", effects=["acknowledged already by dan"]),
        ev("2026-03-02 10:20", "resolve", "dan", effects=["CancelPending", "Notify"]),
    ]
    m = incident_metrics(
        record("2026-03-02 10:00"), resolved("2026-03-02 10:20", "dan"), events, CONFIG
    )
    assert (m.time_to_acknowledge, m.time_to_resolve) == (7 * M, 20 * M)
    assert (m.acknowledged_by, m.resolved_by, m.responder) == ("dan", "dan", "dan")
    assert m.escalations == 1
    assert [(p.person_id, p.at, p.until) for p in m.pages] == [
        ("cat", at("2026-03-02 10:00"), at("2026-03-02 10:07")),  # until the acknowledgement
        ("dan", at("2026-03-02 10:05"), at("2026-03-02 10:07")),
    ]
    assert not m.off_hours and all(not p.off_hours for p in m.pages)


def test_exhausted_escalation_is_not_counted_and_nobody_acknowledged() -> None:
    events = [
        ev("2026-03-02 10:00", "paged", people=["cat"], tier=1),
        ev("2026-03-02 10:05", "escalationdue", effects=["CancelPending", "Notify"]),  # exhausted
        ev("2026-03-02 10:06", "escalate", "cat", effects=["no escalation policy: nobody"]),
    ]
    m = incident_metrics(
        record("2026-03-02 10:00"), resolved("2026-03-02 11:00", "alertmanager"), events, CONFIG
    )
    assert m.escalations == 0
    assert m.time_to_acknowledge is None and m.acknowledged_by is None
    assert m.responder == "cat"  # the resolver is no person: the last one paged
    assert m.pages[0].until == at("2026-03-02 11:00")  # a page unanswered runs to resolution


def test_resolver_who_is_a_person_is_the_responder() -> None:
    events = [ev("2026-03-02 10:00", "paged", people=["cat"], tier=1)]
    m = incident_metrics(
        record("2026-03-02 10:00"), resolved("2026-03-02 10:30", "dan"), events, CONFIG
    )
    assert m.responder == "dan"
    assert m.off_hours is False  # dan never paged: judged at opening, 10:00 UTC


def test_nobody_paged_nobody_acknowledged() -> None:
    m = incident_metrics(
        record("2026-03-02 23:00"), resolved("2026-03-02 23:30", "alertmanager"), [], CONFIG
    )
    assert m.responder is None and m.off_hours is False and m.pages == ()


def test_a_page_after_a_snooze_runs_to_the_next_acknowledgement() -> None:
    events = [
        ev("2026-03-02 10:00", "paged", people=["cat"], tier=1),
        ev("2026-03-02 10:02", "acknowledge", "cat", **ACKED),
        ev("2026-03-02 11:00", "paged", people=["cat"], tier=1),  # snooze ended
        ev("2026-03-02 11:10", "acknowledge", "cat", **ACKED),
    ]
    m = incident_metrics(
        record("2026-03-02 10:00"), resolved("2026-03-02 12:00", "cat"), events, CONFIG
    )
    assert m.time_to_acknowledge == 2 * M  # the first acknowledgement
    assert [p.until for p in m.pages] == [at("2026-03-02 10:02"), at("2026-03-02 11:10")]


def test_resolving_an_unresolved_state_is_refused() -> None:
    with pytest.raises(ValueError, match="resolved"):
        incident_metrics(record("2026-03-02 10:00"), IncidentState(), [], CONFIG)


# Off-hours, each row: person, from, to (UTC), off-hours time, off-hours at `from`.
OFF_HOURS = [
    # ann, Chicago: the spring-forward night 2026-03-07 22:00 CST (04:00 UTC) to 03-08 07:00
    # CDT (12:00 UTC) is 8 hours, not 9.
    ("ann", "2026-03-08 03:00", "2026-03-08 13:00", 8 * H, False),
    # the fall-back night 2026-10-31 22:00 CDT (03:00 UTC) to 11-01 07:00 CST (13:00 UTC): 10 h
    ("ann", "2026-11-01 02:00", "2026-11-01 14:00", 10 * H, False),
    # a page at 21:59 CST is on-hours; one minute later the night begins
    ("ann", "2026-03-08 03:59", "2026-03-08 04:01", 1 * M, False),
    ("ann", "2026-03-08 04:00", "2026-03-08 04:01", 1 * M, True),
    # 06:59 CDT on the spring-forward morning is 11:59 UTC: still night; 07:00 is 12:00 UTC
    ("ann", "2026-03-08 11:59", "2026-03-08 12:30", 1 * M, True),
    # bob, Berlin, available 08:00-20:00 (CET, UTC+1): 19:30-21:00 local has 1 h off-hours
    ("bob", "2026-03-02 18:30", "2026-03-02 20:00", 1 * H, False),
    ("bob", "2026-03-02 19:00", "2026-03-02 19:01", 1 * M, True),
    # cat, UTC nights
    ("cat", "2026-03-02 21:00", "2026-03-03 08:00", 9 * H, False),
    # someone the configuration does not know has no off-hours
    ("alertmanager", "2026-03-02 23:00", "2026-03-03 01:00", timedelta(0), False),
]


@pytest.mark.parametrize(("person", "start", "end", "expected", "off_at_start"), OFF_HOURS)
def test_off_hours(
    person: str, start: str, end: str, expected: timedelta, off_at_start: bool
) -> None:
    assert off_hours_time(CONFIG, person, at(start), at(end)) == expected
    assert is_off_hours(CONFIG, person, at(start)) is off_at_start


def test_off_hours_across_the_spring_forward_night_in_an_incident() -> None:
    events = [
        ev("2026-03-08 03:30", "paged", people=["ann"], tier=1),  # 21:30 CST: on-hours
        ev("2026-03-08 13:00", "acknowledge", "ann", **ACKED),  # 08:00 CDT
    ]
    m = incident_metrics(
        record("2026-03-08 03:30"), resolved("2026-03-08 14:00", "ann"), events, CONFIG
    )
    (page,) = m.pages
    assert page.off_hours_time == 8 * H  # 22:00 CST to 07:00 CDT
    assert page.off_hours is False and m.off_hours is False
    night = replace(m.pages[0], at=at("2026-03-08 05:00"))
    assert is_off_hours(CONFIG, "ann", night.at)  # 23:00 CST


# Held in a maintenance window ------------------------------------------------------------
# Opened 01:00 in a window ending 06:00 (``maintenance`` at the opening); the times run from
# the end of the hold, never from the opening.
HELD = [
    ev("2026-03-02 01:00", "routed"),
    ev("2026-03-02 01:00", "open", effects=["Notify", "HoldForMaintenance"]),
    ev("2026-03-02 01:00", "maintenance", until="2026-03-02T06:00:00+00:00"),
]
PAGED_AT_END = [
    ev("2026-03-02 06:00", "maintenanceended", effects=["Notify", "PageTier"]),
    ev("2026-03-02 06:00", "paged", people=["cat"], tier=1),
]


@pytest.mark.parametrize(
    ("later", "resolution", "expected"),
    [
        # paged at the window's end (06:00), acknowledged 06:05: 5 minutes, not 5h05m
        (
            [*PAGED_AT_END, ev("2026-03-02 06:05", "acknowledge", "cat", **ACKED)],
            "2026-03-02 06:30",
            (5 * M, 30 * M),
        ),
        # the window was extended to 07:00 (a second ``maintenance``): from 07:00
        (
            [
                ev("2026-03-02 06:00", "maintenance", until="2026-03-02T07:00:00+00:00"),
                ev("2026-03-02 07:00", "maintenanceended", effects=["Notify", "PageTier"]),
                ev("2026-03-02 07:00", "paged", people=["cat"], tier=1),
                ev("2026-03-02 07:02", "acknowledge", "cat", **ACKED),
            ],
            "2026-03-02 07:10",
            (2 * M, 10 * M),
        ),
        # escalated by hand while held (paged 03:00): from that page
        (
            [
                ev("2026-03-02 03:00", "escalate", "dan", **ESCALATED),
                ev("2026-03-02 03:00", "paged", people=["cat"], tier=2),
                ev("2026-03-02 03:04", "acknowledge", "cat", **ACKED),
                ev("2026-03-02 06:00", "maintenanceended", effects=[]),
            ],
            "2026-03-02 07:00",
            (4 * M, 4 * H),
        ),
        # acknowledged from the card while held (04:00): the hold ends there, 0 to acknowledge
        (
            [
                ev("2026-03-02 04:00", "acknowledge", "cat", **ACKED),
                ev("2026-03-02 06:00", "maintenanceended", effects=[]),
            ],
            "2026-03-02 06:30",
            (timedelta(0), 150 * M),
        ),
        # paged at the end, nobody acknowledged, the alert resolved itself at 06:20
        (PAGED_AT_END, "2026-03-02 06:20", (None, 20 * M)),
        # resolved while still held (never paged): nothing to measure, neither time
        ([], "2026-03-02 03:00", (None, None)),
    ],
)
def test_a_held_incident_is_measured_from_the_end_of_its_hold(
    later: list[Any], resolution: str, expected: tuple[Any, Any]
) -> None:
    m = incident_metrics(
        record("2026-03-02 01:00"), resolved(resolution, "alertmanager"), HELD + later, CONFIG
    )
    assert (m.time_to_acknowledge, m.time_to_resolve) == expected
    assert m.opened_at == at("2026-03-02 01:00")  # the opening itself is kept as it was


def test_an_incident_never_held_is_measured_from_its_opening() -> None:
    events = [  # a page at 06:00 of an incident opened at 01:00 that was not held
        ev("2026-03-02 01:00", "open", effects=["Notify"]),
        ev("2026-03-02 06:00", "paged", people=["cat"], tier=1),
        ev("2026-03-02 06:05", "acknowledge", "cat", **ACKED),
    ]
    m = incident_metrics(
        record("2026-03-02 01:00"), resolved("2026-03-02 06:30", "cat"), events, CONFIG
    )
    assert (m.time_to_acknowledge, m.time_to_resolve) == (5 * H + 5 * M, 5 * H + 30 * M)
