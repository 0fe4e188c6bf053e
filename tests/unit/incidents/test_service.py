"""The alert path's use cases on the in-memory unit of work: ingest, act, fire_due, drain.

The configuration is built here: service ``api`` (label ``service: api``, team ``ops``) pages
through policy ``ops``: tier 1 is schedule ``primary`` (ann on Monday 2026-03-02 from 09:00,
bob from Tuesday 09:00) for 5 minutes, tier 2 is dan for 10 minutes. No routes, so an alert no
service matches is unrouted. Severities are the defaults: critical pages and opens a ticket,
warning notifies the channel and opens a ticket, info does neither.
"""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

import pytest

from core.incidents.inbox import batch_to_json
from core.incidents.lifecycle import (
    Acknowledge,
    Escalate,
    Resolve,
    Snooze,
    TransitionError,
)
from core.incidents.ports import AlertBatch, NewAlert
from core.incidents.service import (
    STALE_REPEAT_WINDOW,
    IncidentNotFound,
    IngestResult,
    act,
    drain_inbox,
    fire_due,
    ingest,
)
from tests.fakes import FakeUnitOfWork, FrozenClock, Store
from tests.unit.oncall.common import DOC, at, config, revision

T0 = at("2026-03-02 10:00")
STARTS = at("2026-03-02 09:59")
MIN = timedelta(minutes=1)
SERVICES = [{**DOC["services"][0], "match": {"service": "api"}}, *DOC["services"][1:]]
POLICIES = [
    {
        "id": "ops",
        "tiers": [
            {"targets": ["schedule:primary"], "escalate_after": "5m"},
            {"targets": ["person:dan"], "escalate_after": "10m"},
        ],
    },
    {"id": "web", "tiers": [{"targets": ["schedule:office"], "escalate_after": "5m"}]},
    {"id": "direct", "tiers": [{"targets": ["person:dan"], "escalate_after": "5m"}]},
]
TEAMS = [{"id": "ops", "slack_channel": "C0OPS"}, {"id": "web"}]
CONFIG = config(services=SERVICES, escalation_policies=POLICIES, teams=TEAMS)


@pytest.fixture
def store() -> Store:
    return Store(revisions=[revision(CONFIG, "2026-03-01 00:00")])


def batch(
    status: str = "firing",
    *,
    key: str = "g1",
    severity: str = "critical",
    labels: dict[str, str] | None = None,
    alerts: tuple[NewAlert, ...] | None = None,
) -> AlertBatch:
    labels = labels if labels is not None else {"service": "api", "severity": severity}
    if alerts is None:
        ends = T0 if status == "resolved" else None
        alerts = (NewAlert(f"fp-{key}", status, STARTS, ends, labels),)
    return AlertBatch("alertmanager", key, status, f"alert {key}", labels, alerts=alerts)


def unit(store: Store) -> FakeUnitOfWork:
    return FakeUnitOfWork(store)


def outbox(store: Store) -> list[tuple[str, str]]:
    """(kind, person or actor) of every message, in the order written."""
    return [
        (m.kind, m.payload.get("person") or m.payload.get("actor")) for m in store.outbox.values()
    ]


def steps(store: Store) -> list[tuple[str, Any, int, Any]]:
    return [(s.kind, s.due_at, s.tier, s.outcome) for s in store.steps]


def events(store: Store, incident_id: int = 1) -> list[tuple[str, str | None]]:
    return [(e.kind, e.actor) for e in store.events if e.incident_id == incident_id]


def state_of(store: Store, incident_id: int = 1) -> Any:
    return store.incidents[incident_id].record.state


# Ingest --------------------------------------------------------------------------------


async def test_a_new_delivery_opens_an_incident_and_pages_tier_one(store: Store) -> None:
    assert await ingest(unit(store), batch(), T0) == IngestResult(1, "opened", 1)
    record = store.incidents[1].record
    assert (record.service_id, record.team_id, record.policy_id, record.severity) == (
        "api",
        "ops",
        "ops",
        "critical",
    )
    assert (record.title, record.opened_at, record.labels) == (
        "alert g1",
        T0,
        {"service": "api", "severity": "critical"},
    )
    state = record.state
    assert (state.status, state.tier, state.cycle, state.pages, state.assignee) == (
        "triggered",
        0,
        0,
        True,
        "ann",
    )
    assert [(e.kind, e.detail) for e in store.events] == [
        ("routed", {"service": "api", "matched": "service", "severity": "critical"}),
        ("open", {"effects": ["Notify", "PageTier", "ScheduleEscalation"]}),
        ("paged", {"people": ["ann"], "tier": 1}),
    ]
    assert list(store.outbox) == [
        "incident/1/event/2/1",  # event 2 is the open; routed is 1
        "incident/1/event/2/2",
        "incident/1/event/2/3",
    ]
    assert outbox(store) == [("page", "ann"), ("incident.triggered", None), ("open", None)]
    assert steps(store) == [("escalate", T0 + 5 * MIN, 0, None)]
    assert [(a.fingerprint, a.incident_id, a.first_seen_at) for a in store.alerts] == [
        ("fp-g1", 1, T0)
    ]


async def test_a_repeated_delivery_writes_nothing_new(store: Store) -> None:
    await ingest(unit(store), batch(), T0)
    before = copy.deepcopy((store.incidents, store.events, store.steps, store.outbox))
    assert await ingest(unit(store), batch(), T0 + MIN) == IngestResult(1, "updated", 0)
    assert (store.incidents, store.events, store.steps, store.outbox) == before


async def test_a_new_alert_of_the_group_joins_the_open_incident(store: Store) -> None:
    await ingest(unit(store), batch(), T0)
    labels = {"service": "api", "severity": "critical"}
    more = (
        NewAlert("fp-g1", "firing", STARTS, None, labels),
        NewAlert("fp-other", "firing", T0, None, labels),
    )
    assert await ingest(unit(store), batch(alerts=more), T0 + MIN) == IngestResult(1, "updated", 1)
    assert events(store)[-1] == ("alerts", "alertmanager")
    assert store.events[-1].detail == {"new": 1}
    assert len(store.outbox) == 3 and len(store.incidents) == 1  # nobody paged again
    async with unit(store) as uow:
        record = await uow.incidents.get(1)
    assert record is not None and record.alert_count == 2


async def test_a_resolved_delivery_resolves_the_incident(store: Store) -> None:
    await ingest(unit(store), batch(), T0)
    done = T0 + 10 * MIN
    assert await ingest(unit(store), batch("resolved"), done) == IngestResult(1, "resolved", 0)
    state = state_of(store)
    assert (state.status, state.resolved_at, state.resolved_by) == (
        "resolved",
        done,
        "alertmanager",
    )
    assert steps(store) == [("escalate", T0 + 5 * MIN, 0, "cancelled")]
    assert outbox(store)[3:] == [
        ("incident.resolved", "alertmanager"),
        ("resolve", "alertmanager"),  # the ticket's closing comment names who resolved
    ]  # no review offer: ann was paged but nobody answered (core.reviews)
    assert [(a.status, a.ends_at, a.last_seen_at) for a in store.alerts] == [("resolved", T0, done)]
    assert await fire_due(unit(store), T0 + 60 * MIN, worker="w") == 0  # no escalation left


async def test_a_resolve_with_nothing_open_is_ignored(store: Store) -> None:
    assert await ingest(unit(store), batch("resolved"), T0) == IngestResult(None, "ignored", 0)
    assert (store.incidents, store.alerts, store.events, store.outbox) == ({}, [], [], {})


async def test_a_firing_after_the_resolve_opens_a_new_incident(store: Store) -> None:
    await ingest(unit(store), batch(), T0)
    await ingest(unit(store), batch("resolved"), T0 + 10 * MIN)
    labels = {"service": "api", "severity": "critical"}
    again = (NewAlert("fp-g1", "firing", T0 + 20 * MIN, None, labels),)  # fired anew
    result = await ingest(unit(store), batch(alerts=again), T0 + 20 * MIN)
    assert result == IngestResult(2, "opened", 1)
    assert (state_of(store, 1).status, state_of(store, 2).status) == ("resolved", "triggered")
    assert store.incidents[2].record.opened_at == T0 + 20 * MIN
    assert [p for k, p in outbox(store) if k == "page"] == ["ann", "ann"]
    assert [s.incident_id for s in store.steps if s.done_at is None] == [2]


async def test_a_stale_firing_after_the_resolve_opens_nothing(store: Store) -> None:
    await ingest(unit(store), batch(), T0)
    await ingest(unit(store), batch("resolved"), T0 + 10 * MIN)
    result = await ingest(unit(store), batch(), T0 + 11 * MIN)  # the same alert, same startsAt
    assert result == IngestResult(None, "ignored", 0)
    assert [k for k, _ in outbox(store)].count("page") == 1


async def test_the_same_alerts_firing_again_after_the_window_open_a_new_incident(
    store: Store,
) -> None:
    await ingest(unit(store), batch(), T0)
    await ingest(unit(store), batch("resolved"), T0 + 10 * MIN)
    late = T0 + 10 * MIN + STALE_REPEAT_WINDOW + timedelta(seconds=1)
    result = await ingest(unit(store), batch(), late)
    assert result.action == "opened" and result.incident_id == 2


async def test_an_alert_no_service_matches_is_an_unrouted_incident(store: Store) -> None:
    lost = batch(labels={"alertname": "Lost", "severity": "critical"})
    assert await ingest(unit(store), lost, T0) == IngestResult(1, "opened", 1)
    record = store.incidents[1].record
    assert (record.service_id, record.team_id, record.policy_id) == ("unrouted", None, None)
    assert record.state.pages is False
    assert store.events[0].detail == {
        "service": "unrouted",
        "matched": "none",
        "severity": "critical",
    }
    assert outbox(store) == [("incident.triggered", None), ("open", None)]  # nobody to page
    assert store.steps == []


@pytest.mark.parametrize(
    ("severity", "written", "channel"),
    [
        ("warning", ["incident.triggered", "open"], True),
        ("info", ["incident.triggered"], False),
    ],
)
async def test_a_severity_that_does_not_page(
    store: Store, severity: str, written: list[str], channel: bool
) -> None:
    assert await ingest(unit(store), batch(severity=severity), T0) == IngestResult(1, "opened", 1)
    record = store.incidents[1].record
    assert (record.severity, record.policy_id, record.state.pages) == (severity, "ops", False)
    assert [kind for kind, _ in outbox(store)] == written
    note = store.outbox["incident/1/event/2/1"].payload
    assert (note["channel"], note["slack_channel"]) == (channel, "C0OPS")
    assert store.steps == [] and "paged" not in [kind for kind, _ in events(store)]
    # Escalating by hand pages the policy after all.
    await act(unit(store), 1, Escalate("ann"), "ann", T0 + MIN)
    assert [p for k, p in outbox(store) if k == "page"] == ["dan"]


async def test_ingest_marks_its_inbox_row_done_in_the_same_transaction(store: Store) -> None:
    async with unit(store) as uow:
        [delivery] = await uow.inbox.add_many([("alertmanager", T0, batch_to_json(batch()))])
        await uow.commit()
    result = await ingest(unit(store), batch(), T0, inbox_id=delivery, processed_at=T0 + 2 * MIN)
    row = store.inbox[delivery]
    assert (row.status, row.processed_at, row.incident_id, row.action) == (
        "done",
        T0 + 2 * MIN,
        result.incident_id,
        "opened",
    )


# Act -----------------------------------------------------------------------------------


async def test_acknowledge_stops_the_escalation(store: Store) -> None:
    await ingest(unit(store), batch(), T0)
    state = await act(unit(store), 1, Acknowledge("bob"), "bob", T0 + 2 * MIN)
    assert (state.status, state.acknowledged_by, state.acknowledged_at, state.assignee) == (
        "acknowledged",
        "bob",
        T0 + 2 * MIN,
        "bob",
    )
    assert state_of(store) == state
    assert steps(store) == [("escalate", T0 + 5 * MIN, 0, "cancelled")]
    assert outbox(store)[-2:] == [("incident.acknowledged", "bob"), ("acknowledged", "bob")]
    assert events(store)[-1] == ("acknowledge", "bob")
    assert await fire_due(unit(store), T0 + 60 * MIN, worker="w") == 0


async def test_resolve_by_a_person_closes_the_ticket(store: Store) -> None:
    await ingest(unit(store), batch(), T0)
    state = await act(unit(store), 1, Resolve("ann"), "ann", T0 + 3 * MIN)
    assert (state.status, state.resolved_by, state.resolved_at) == ("resolved", "ann", T0 + 3 * MIN)
    assert outbox(store)[-3:] == [
        ("incident.resolved", "ann"),
        ("resolve", "ann"),
        ("review.offer", "ann"),  # the review is offered to the responder (core.reviews)
    ]
    async with unit(store) as uow:
        assert await uow.incidents.open_for("alertmanager", "g1") is None


async def test_acting_on_an_unknown_incident_raises_and_writes_nothing(store: Store) -> None:
    await ingest(unit(store), batch(), T0)
    before = copy.deepcopy(store)
    uow = unit(store)
    with pytest.raises(IncidentNotFound):
        await act(uow, 42, Acknowledge("ann"), "ann", T0 + MIN)
    assert uow.commits == 0 and store == before


@pytest.mark.parametrize(
    ("first", "then"),
    [
        (None, Snooze("ann", T0 + 60 * MIN)),  # triggered: acknowledge first
        (Acknowledge("ann"), Snooze("ann", T0)),  # a snooze end in the past
        (Resolve("ann"), Acknowledge("bob")),  # resolved already
    ],
)
async def test_an_action_that_cannot_apply_writes_nothing(
    store: Store, first: Any, then: Any
) -> None:
    await ingest(unit(store), batch(), T0)
    if first is not None:
        await act(unit(store), 1, first, "ann", T0 + MIN)
    before = copy.deepcopy(store)
    uow = unit(store)
    with pytest.raises(TransitionError):
        await act(uow, 1, then, "ann", T0 + 2 * MIN)
    assert uow.commits == 0 and store == before


# Fire due --------------------------------------------------------------------------------


async def test_an_unacknowledged_incident_escalates_to_tier_two(store: Store) -> None:
    await ingest(unit(store), batch(), T0)
    assert await fire_due(unit(store), T0 + 5 * MIN - timedelta(seconds=1), worker="w") == 0
    assert await fire_due(unit(store), T0 + 5 * MIN, worker="w") == 1
    state = state_of(store)
    assert (state.status, state.tier, state.cycle, state.assignee) == ("triggered", 1, 0, "dan")
    assert outbox(store)[3:] == [
        ("page", "dan"),
        ("incident.escalated", None),
        ("escalated", None),  # the ticket's comment (core.incidents.effects.TICKET_KINDS)
    ]
    assert store.outbox["incident/1/event/4/1"].payload["incident"]["tier"] == 2
    assert steps(store) == [
        ("escalate", T0 + 5 * MIN, 0, "fired"),
        ("escalate", T0 + 15 * MIN, 1, None),
    ]
    assert store.steps[0].done_by == "w"
    assert events(store)[3:] == [("escalationdue", None), ("paged", None)]
    # Tier two was the last and the policy does not repeat: then nobody is left.
    assert await fire_due(unit(store), T0 + 15 * MIN, worker="w") == 1
    assert state_of(store).exhausted is True
    assert outbox(store)[-1] == ("incident.exhausted", None)
    assert await fire_due(unit(store), T0 + 24 * 60 * MIN, worker="w") == 0


async def test_a_snooze_end_triggers_the_incident_again(store: Store) -> None:
    await ingest(unit(store), batch(), T0)
    await act(unit(store), 1, Acknowledge("ann"), "ann", T0 + MIN)
    until = T0 + 30 * MIN
    await act(unit(store), 1, Snooze("ann", until), "ann", T0 + 2 * MIN)
    assert state_of(store).snoozed_until == until
    assert await fire_due(unit(store), until - MIN, worker="w") == 0
    assert await fire_due(unit(store), until, worker="w") == 1
    state = state_of(store)
    assert (state.status, state.tier, state.snoozed_until, state.acknowledged_by) == (
        "triggered",
        0,
        None,
        None,
    )
    assert outbox(store)[-2:] == [("page", "ann"), ("incident.retriggered", None)]
    assert steps(store)[-2:] == [
        ("snooze_end", until, 0, "fired"),
        ("escalate", until + 5 * MIN, 0, None),
    ]


async def test_due_steps_of_several_incidents_fire_in_one_tick(store: Store) -> None:
    await ingest(unit(store), batch(), T0)
    await ingest(unit(store), batch(key="g2"), T0 + MIN)
    assert await fire_due(unit(store), T0 + 6 * MIN, worker="w", limit=1) == 1  # oldest first
    assert (state_of(store, 1).tier, state_of(store, 2).tier) == (1, 0)
    assert await fire_due(unit(store), T0 + 6 * MIN, worker="w") == 1
    assert state_of(store, 2).tier == 1


# Drain the inbox ---------------------------------------------------------------------------


async def add_deliveries(store: Store, *rows: tuple[Any, dict[str, Any]]) -> list[int]:
    async with unit(store) as uow:
        ids = await uow.inbox.add_many([("alertmanager", received, b) for received, b in rows])
        await uow.commit()
    return ids


async def test_the_inbox_is_worked_off_in_order_of_arrival(store: Store) -> None:
    labels = {"service": "api", "severity": "critical"}
    refired = (NewAlert("fp-g1", "firing", T0 + 2 * MIN, None, labels),)
    ids = await add_deliveries(
        store,
        (T0, batch_to_json(batch())),
        (T0 + MIN, batch_to_json(batch("resolved"))),
        (T0 + 2 * MIN, batch_to_json(batch(alerts=refired))),
    )
    clock = FrozenClock(T0 + 10 * MIN)
    turns: list[int] = []

    async def between() -> None:
        turns.append(len([r for r in store.inbox.values() if r.status == "done"]))

    assert await drain_inbox(lambda: unit(store), clock, between=between) == 3
    assert turns == [1, 2]  # after each transaction but the last
    assert [(r.action, r.incident_id, r.processed_at) for r in store.inbox.values()] == [
        ("opened", 1, T0 + 10 * MIN),
        ("resolved", 1, T0 + 10 * MIN),
        ("opened", 2, T0 + 10 * MIN),
    ]
    # The incidents' times are the receive times, not the time of processing.
    first, second = store.incidents[1].record, store.incidents[2].record
    assert (first.opened_at, first.state.resolved_at) == (T0, T0 + MIN)
    assert (second.opened_at, second.state.status) == (T0 + 2 * MIN, "triggered")
    assert [s.due_at for s in store.steps if s.done_at is None] == [T0 + 7 * MIN]
    assert await drain_inbox(lambda: unit(store), clock) == 0
    assert ids == [1, 2, 3]


async def test_a_failing_delivery_holds_the_line_until_it_is_given_up(store: Store) -> None:
    broken = {k: v for k, v in batch_to_json(batch()).items() if k != "key"}
    await add_deliveries(store, (T0, broken), (T0 + MIN, batch_to_json(batch(key="g2"))))
    clock = FrozenClock(T0 + 5 * MIN)
    assert await drain_inbox(lambda: unit(store), clock, max_attempts=2) == 0
    first, second = store.inbox[1], store.inbox[2]
    assert (first.status, first.attempts, first.error) == ("pending", 1, "KeyError: 'key'")
    assert (second.status, store.incidents) == ("pending", {})  # waits behind it
    assert await drain_inbox(lambda: unit(store), clock, max_attempts=2) == 1
    first, second = store.inbox[1], store.inbox[2]  # rows as committed now
    assert (first.status, first.attempts) == ("failed", 2)  # kept for a person to look at
    assert (second.status, second.action, second.incident_id) == ("done", "opened", 1)
    assert store.incidents[1].record.dedup_key == "g2"
    assert await drain_inbox(lambda: unit(store), clock, max_attempts=2) == 0
    assert store.inbox[1].attempts == 2  # given up: not tried again


async def test_a_delivery_that_fails_half_way_leaves_nothing_behind(store: Store) -> None:
    half = batch_to_json(batch())
    half["alerts"][0]["starts_at"] = "2026-03-02T09:59:00"  # naive: refused by the alert write
    await add_deliveries(store, (T0, half), (T0 + MIN, batch_to_json(batch(key="g2"))))
    assert await drain_inbox(lambda: unit(store), FrozenClock(T0), max_attempts=1) == 1
    assert store.inbox[1].status == "failed" and "naive" in (store.inbox[1].error or "")
    # The incident it had created in its transaction was rolled back with it.
    assert [r.record.dedup_key for r in store.incidents.values()] == ["g2"]
    assert {e.incident_id for e in store.events} == {store.inbox[2].incident_id}
