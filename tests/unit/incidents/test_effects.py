"""Carrying out effects as rows: pages, notifications, tickets, steps, the timeline.

``apply_effects`` runs in a fake unit of work over a configuration built here; what it wrote
is read from the committed store. Times are fixed: 2026-03-02 is a Monday, and ``primary``
(ann and bob, daily from Monday 09:00) has ann on call at 10:00.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from core.config.model import Configuration
from core.incidents.effects import apply_effects, describe, incident_snapshot
from core.incidents.lifecycle import (
    CancelPending,
    Effect,
    Ignored,
    IncidentState,
    Notify,
    PagePerson,
    PageTier,
    ScheduleEscalation,
    ScheduleSnoozeEnd,
)
from core.incidents.ports import IncidentRecord, NewIncident
from tests.fakes import FakeUnitOfWork, Store
from tests.unit.oncall.common import DOC, at, config, revision

T0 = at("2026-03-02 10:00")
MIN = timedelta(minutes=1)

PEOPLE = [
    {"id": "ann", "slack": "U0ANN", "email": "ann@example.com", "teams": "29:ann"},
    {"id": "bob", "slack": "U0BOB"},
    {"id": "cat"},
    {"id": "dan", "email": "dan@example.com"},
]
TEAMS = [{"id": "ops", "slack_channel": "C0OPS", "teams_channel": "19:ops@thread"}, {"id": "web"}]
SERVICES = [
    {
        "id": "api",
        "name": "Public API",
        "team": "ops",
        "escalation_policy": "ops",
        "match": {"service": "api"},
        "runbook": "https://runbooks/api",
        "dashboard": "https://grafana/api",
    },
    *DOC["services"][1:],
]
POLICIES = [
    {
        "id": "ops",
        "tiers": [
            {"targets": ["schedule:primary", "person:ann"], "escalate_after": "5m"},
            {"targets": ["person:dan", "schedule:office"], "escalate_after": "10m"},
        ],
    },
    {"id": "web", "tiers": [{"targets": ["schedule:office"], "escalate_after": "5m"}]},
    {"id": "direct", "tiers": [{"targets": ["person:dan"], "escalate_after": "5m"}]},
]
CONFIG = config(people=PEOPLE, teams=TEAMS, services=SERVICES, escalation_policies=POLICIES)


def new_incident(severity: str = "critical", **changes: Any) -> NewIncident:
    base = NewIncident(
        source="alertmanager",
        dedup_key="g1",
        title="API down",
        service_id="api",
        team_id="ops",
        policy_id="ops",
        severity=severity,
        state=IncidentState(),
        opened_at=T0,
        labels={"service": "api", "severity": severity},
        annotations={"summary": "5xx above 5%"},
        links={"silence": "http://am/silence"},
    )
    return replace(base, **changes)


class Run:
    """One incident in a store; ``apply`` carries out effects in a unit and commits."""

    def __init__(self, incident: NewIncident | None = None, cfg: Configuration = CONFIG) -> None:
        self.store = Store(revisions=[revision(cfg, "2026-03-01 00:00")])
        self.config = cfg
        self.incident = incident or new_incident()

    async def record(self) -> IncidentRecord:
        async with FakeUnitOfWork(self.store) as uow:
            found = await uow.incidents.open_for("alertmanager", "g1")
            if found is None:
                incident_id = await uow.incidents.create(self.incident)
                assert incident_id is not None
                await uow.commit()
                found = await uow.incidents.get(incident_id)
            assert found is not None
            return found

    async def apply(
        self,
        *effects: Effect,
        event_id: int = 7,
        state: IncidentState | None = None,
        now: Any = T0,
    ) -> IncidentState:
        record = await self.record()
        async with FakeUnitOfWork(self.store) as uow:
            result = await apply_effects(
                uow,
                record,
                state or record.state,
                effects,
                config=self.config,
                event_id=event_id,
                now=now,
            )
            await uow.commit()
        return result

    def messages(self) -> list[tuple[str, str, str]]:
        """(key, destination, kind) of every outbox row, in the order written."""
        return [(m.key, m.destination, m.kind) for m in self.store.outbox.values()]

    def payloads(self, kind: str) -> list[dict[str, Any]]:
        return [m.payload for m in self.store.outbox.values() if m.kind == kind]


# Pages ----------------------------------------------------------------------------------


async def test_a_tier_pages_whoever_is_on_call_with_their_contacts() -> None:
    run = Run()
    state = await run.apply(PageTier(0, 0))
    assert state.assignee == "ann"  # the first paged becomes responsible
    # schedule:primary is ann at 10:00 and person:ann is ann again: one page.
    assert run.messages() == [("incident/1/event/7/1", "chat", "page")]
    [page] = run.payloads("page")
    assert {k: v for k, v in page.items() if k != "incident"} == {
        "person": "ann",
        "slack": "U0ANN",
        "email": "ann@example.com",
        "teams": "29:ann",
        "notify": ["dm", "channel"],  # the critical rule's
    }
    assert page["incident"]["assignee"] == "ann" and page["incident"]["tier"] == 1
    message = next(iter(run.store.outbox.values()))
    assert (message.incident_id, message.created_at) == (1, T0)


async def test_a_tier_pages_people_and_schedules_in_order_skipping_a_gap() -> None:
    run = Run()
    # Tier 2: person:dan, then schedule:office, which is cat on weekdays 09:00-17:00 only.
    await run.apply(PageTier(1, 0), state=IncidentState(tier=1))
    assert [(p["person"], p["slack"], p["email"]) for p in run.payloads("page")] == [
        ("dan", None, "dan@example.com"),
        ("cat", None, None),
    ]
    night = Run()
    state = await night.apply(
        PageTier(1, 0), state=IncidentState(tier=1), now=at("2026-03-02 20:00")
    )
    assert [p["person"] for p in night.payloads("page")] == ["dan"]  # office is a gap at 20:00
    assert state.assignee == "dan"


async def test_a_schedule_gap_pages_nobody_and_records_no_page() -> None:
    run = Run(new_incident(policy_id="web"))
    state = await run.apply(PageTier(0, 0), now=at("2026-03-02 03:00"))
    assert run.messages() == [] and state.assignee is None
    assert run.store.events == []


async def test_a_tier_beyond_the_policy_or_an_unknown_policy_pages_nobody() -> None:
    beyond = Run()
    await beyond.apply(PageTier(2, 0))
    unknown = Run(new_incident(policy_id="gone"))
    await unknown.apply(PageTier(0, 0))
    assert beyond.messages() == [] and unknown.messages() == []


async def test_a_person_is_paged_once_and_an_unknown_one_without_contacts() -> None:
    run = Run()
    state = await run.apply(PagePerson("bob"), PageTier(0, 0), PagePerson("bob"), PagePerson("zed"))
    assert [(p["person"], p["slack"]) for p in run.payloads("page")] == [
        ("bob", "U0BOB"),
        ("ann", "U0ANN"),
        ("zed", None),
    ]
    assert state.assignee == "bob"


async def test_an_assignee_among_the_paged_stays_responsible() -> None:
    run = Run()
    state = await run.apply(PagePerson("bob"), PageTier(0, 0), state=IncidentState(assignee="ann"))
    assert state.assignee == "ann"


async def test_the_page_is_in_the_timeline() -> None:
    run = Run()
    await run.apply(PagePerson("dan"), PageTier(0, 0), state=IncidentState(tier=1))
    assert [(e.kind, e.actor, e.detail, e.at) for e in run.store.events] == [
        ("paged", None, {"people": ["dan", "ann"], "tier": 2}, T0)
    ]


# Notifications and tickets ----------------------------------------------------------------


async def test_a_notification_goes_to_the_team_channels() -> None:
    run = Run()
    await run.apply(Notify("acknowledged", "ann"))
    assert run.messages() == [
        ("incident/1/event/7/1", "chat", "incident.acknowledged"),
        ("incident/1/event/7/2", "ticket", "acknowledged"),  # critical has a ticket: a comment
    ]
    [note] = run.payloads("incident.acknowledged")
    assert {k: v for k, v in note.items() if k != "incident"} == {
        "actor": "ann",
        "channel": True,  # critical notifies the channel
        "slack_channel": "C0OPS",
        "teams_channel": "19:ops@thread",
    }
    assert note["incident"]["id"] == 1


async def test_a_team_without_channels_or_no_team_has_none() -> None:
    run = Run(new_incident(team_id=None, service_id="unrouted", policy_id=None))
    await run.apply(Notify("triggered"))
    [note] = run.payloads("incident.triggered")
    assert (note["actor"], note["slack_channel"], note["teams_channel"]) == (None, None, None)


@pytest.mark.parametrize(
    ("severity", "kind", "written"),
    [
        # critical: page, dm and channel, ticket (DEFAULT_SEVERITIES)
        ("critical", "triggered", ["incident.triggered", "open"]),
        ("critical", "resolved", ["incident.resolved", "resolve"]),
        ("critical", "acknowledged", ["incident.acknowledged", "acknowledged"]),  # comments
        ("critical", "escalated", ["incident.escalated", "escalated"]),
        ("critical", "reassigned", ["incident.reassigned", "reassigned"]),
        ("critical", "snoozed", ["incident.snoozed"]),  # no comment for a snooze
        ("warning", "acknowledged", ["incident.acknowledged", "acknowledged"]),
        ("info", "acknowledged", ["incident.acknowledged"]),
        # warning: channel, ticket; info: neither
        ("warning", "triggered", ["incident.triggered", "open"]),
        ("warning", "resolved", ["incident.resolved", "resolve"]),
        ("info", "triggered", ["incident.triggered"]),
        ("info", "resolved", ["incident.resolved"]),
    ],
)
async def test_tickets_only_when_the_severity_asks(
    severity: str, kind: Any, written: list[str]
) -> None:
    run = Run(new_incident(severity))
    await run.apply(Notify(kind))
    assert [m[2] for m in run.messages()] == written
    assert [m[1] for m in run.messages()] == ["chat", "ticket"][: len(written)]
    channel = run.payloads(f"incident.{kind}")[0]["channel"]
    assert channel is (severity != "info")
    for ticket in run.payloads("open"):
        assert set(ticket) == {"incident"} and ticket["incident"]["severity"] == severity
    for kind_ in ("acknowledged", "escalated", "reassigned", "resolve"):
        for ticket in run.payloads(kind_):
            assert set(ticket) == {"incident", "actor"}
            assert ticket["incident"]["severity"] == severity


async def test_an_unknown_severity_is_treated_as_critical() -> None:
    run = Run(new_incident("disaster"))
    await run.apply(PageTier(0, 0), Notify("triggered"))
    assert [m[2] for m in run.messages()] == ["page", "incident.triggered", "open"]
    assert run.payloads("page")[0]["notify"] == ["dm", "channel"]


# Keys ------------------------------------------------------------------------------------


async def test_keys_count_pages_first_then_notifications_and_tickets() -> None:
    run = Run()
    await run.apply(Notify("triggered"), PageTier(0, 0), PagePerson("dan"), event_id=3)
    assert run.messages() == [
        ("incident/1/event/3/1", "chat", "page"),
        ("incident/1/event/3/2", "chat", "page"),
        ("incident/1/event/3/3", "chat", "incident.triggered"),
        ("incident/1/event/3/4", "ticket", "open"),
    ]


async def test_the_same_event_never_writes_a_message_twice() -> None:
    run = Run()
    await run.apply(PageTier(0, 0), Notify("triggered"), event_id=3)
    first = {k: (m.kind, m.payload) for k, m in run.store.outbox.items()}
    await run.apply(PageTier(0, 0), Notify("triggered"), event_id=3, now=T0 + MIN)
    assert {k: (m.kind, m.payload) for k, m in run.store.outbox.items()} == first
    assert all(m.created_at == T0 for m in run.store.outbox.values())
    await run.apply(Notify("escalated"), event_id=4)  # another event: its own keys
    keys = [k for k, *_ in run.messages()][-2:]
    assert keys == ["incident/1/event/4/1", "incident/1/event/4/2"]  # the card, the comment


# Steps -----------------------------------------------------------------------------------


async def test_escalation_and_snooze_steps_are_written() -> None:
    run = Run()
    await run.apply(ScheduleEscalation(T0 + 5 * MIN, 1, 2), ScheduleSnoozeEnd(T0 + 60 * MIN))
    assert [
        (s.kind, s.due_at, s.tier, s.cycle, s.created_at, s.done_at) for s in run.store.steps
    ] == [
        ("escalate", T0 + 5 * MIN, 1, 2, T0, None),
        ("snooze_end", T0 + 60 * MIN, 0, 0, T0, None),
    ]
    assert run.messages() == [] and run.store.events == []  # steps alone: nothing to send


async def test_cancel_pending_cancels_what_came_before_it() -> None:
    run = Run()
    await run.apply(ScheduleEscalation(T0 + 5 * MIN, 0, 0), ScheduleSnoozeEnd(T0 + 60 * MIN))
    later = T0 + 2 * MIN
    await run.apply(CancelPending(), ScheduleEscalation(later + 10 * MIN, 1, 0), now=later)
    assert [(s.kind, s.tier, s.done_at, s.outcome) for s in run.store.steps] == [
        ("escalate", 0, later, "cancelled"),
        ("snooze_end", 0, later, "cancelled"),
        ("escalate", 1, None, None),  # scheduled after the cancel: pending
    ]


async def test_ignored_effects_write_nothing() -> None:
    run = Run()
    state = IncidentState(tier=1, assignee="bob")
    assert await run.apply(Ignored("a stale escalation"), state=state) == state
    assert (run.messages(), run.store.events, run.store.steps) == ([], [], [])
    assert describe((Ignored("a stale escalation"), CancelPending(), Notify("resolved"))) == [
        "a stale escalation",
        "CancelPending",
        "Notify",
    ]


# The snapshot ------------------------------------------------------------------------------


async def test_the_snapshot_shows_the_incident_its_service_and_its_path() -> None:
    run = Run()
    record = replace(await run.record(), alert_count=3)
    state = IncidentState(status="acknowledged", tier=1, assignee="dan")
    assert incident_snapshot(record, state, CONFIG) == {
        "id": 1,
        "title": "API down",
        "service": "api",
        "service_name": "Public API",
        "team": "ops",
        "severity": "critical",
        "status": "acknowledged",  # the state given, not the record's
        "tier": 2,  # 1-based
        "assignee": "dan",
        "labels": {"service": "api", "severity": "critical"},
        "annotations": {"summary": "5xx above 5%"},
        "runbook": "https://runbooks/api",  # the service's
        "dashboard": "https://grafana/api",
        "links": {"silence": "http://am/silence"},
        "escalation_path": [
            {"tier": 1, "targets": ["schedule:primary", "person:ann"], "escalate_after": 300},
            {"tier": 2, "targets": ["person:dan", "schedule:office"], "escalate_after": 600},
        ],
        "alerts": 3,
        "maintenance_until": None,  # not held by a maintenance window
    }


async def test_the_alert_s_links_win_over_the_service_s() -> None:
    annotations = {"runbook_url": "https://wiki/this-alert", "dashboard": "https://grafana/this"}
    run = Run(new_incident(annotations=annotations))
    snapshot = incident_snapshot(await run.record(), IncidentState(), CONFIG)
    assert (snapshot["runbook"], snapshot["dashboard"]) == (
        "https://wiki/this-alert",
        "https://grafana/this",
    )


async def test_an_unknown_service_and_policy_show_the_ids_and_no_path() -> None:
    run = Run(new_incident(service_id="unrouted", team_id=None, policy_id=None))
    snapshot = incident_snapshot(await run.record(), IncidentState(), CONFIG)
    assert (
        snapshot["service_name"],
        snapshot["runbook"],
        snapshot["dashboard"],
        snapshot["escalation_path"],
        snapshot["team"],
        snapshot["tier"],
    ) == ("unrouted", None, None, [], None, 1)
    unnamed = incident_snapshot(
        replace(await run.record(), service_id="site"), IncidentState(), CONFIG
    )
    assert unnamed["service_name"] == "site"  # a service without a name shows its id


async def test_pages_and_notifications_carry_the_snapshot_after_the_page() -> None:
    run = Run()
    state = await run.apply(PageTier(0, 0), Notify("triggered"))
    expected = incident_snapshot(await run.record(), state, CONFIG)
    assert run.payloads("page")[0]["incident"] == expected
    assert run.payloads("incident.triggered")[0]["incident"] == expected
    assert run.payloads("open")[0]["incident"] == expected
