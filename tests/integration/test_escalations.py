"""Escalations, acknowledgements, snoozes and the outbox through the SQL repositories."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from core.config.apply import apply_configuration
from core.incidents.lifecycle import (
    Acknowledge,
    Escalate,
    Reassign,
    Resolve,
    Snooze,
    TransitionError,
)
from core.incidents.ports import AlertBatch, ClaimedMessage, NewAlert
from core.incidents.service import IncidentNotFound, act, fire_due, ingest
from scheduling.outbox import Delivered, Failed, LogDestination, OutboxSender, Retry
from storage.incident_tables import IncidentRow, OutboxRow, PendingStepRow
from storage.uow import SqlUnitOfWork, session_factory
from tests.unit.oncall.common import DOC, at, config

T0 = at("2026-03-02 10:00")
POLICIES = [
    {
        "id": "ops",
        "repeat": 1,
        "tiers": [
            {"targets": ["schedule:primary"], "escalate_after": "5m"},
            {"targets": ["person:dan"], "escalate_after": "10m"},
        ],
    },
    {"id": "web", "tiers": [{"targets": ["schedule:office"], "escalate_after": "5m"}]},
    {"id": "direct", "tiers": [{"targets": ["person:dan"], "escalate_after": "5m"}]},
]


def unit(engine: AsyncEngine) -> SqlUnitOfWork:
    return SqlUnitOfWork(session_factory(engine))


def batch(
    key: str = "g1", status: str = "firing", labels: dict[str, str] | None = None
) -> AlertBatch:
    labels = labels or {"service": "api", "severity": "critical"}
    return AlertBatch(
        source="alertmanager",
        key=key,
        status=status,
        title=f"alert {key}",
        labels=labels,
        alerts=(NewAlert(f"fp-{key}", status, at("2026-03-02 09:59"), None, labels),),
    )


@pytest.fixture
async def ready(engine: AsyncEngine) -> AsyncEngine:
    services = [dict(s) for s in DOC["services"]]
    services[0]["match"] = {"service": "api"}
    cfg = config(escalation_policies=POLICIES, services=services)
    await apply_configuration(unit(engine), cfg, actor="t", source="t", now=at("2026-03-01 00:00"))
    return engine


async def incident(engine: AsyncEngine, incident_id: int = 1) -> Any:
    async with engine.connect() as conn:
        return (await conn.execute(select(IncidentRow).where(IncidentRow.id == incident_id))).one()


async def pages(engine: AsyncEngine) -> list[tuple[str, int]]:
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                select(OutboxRow).where(OutboxRow.kind == "page").order_by(OutboxRow.id)
            )
        ).all()
        return [(r.payload["person"], r.payload["incident"]["tier"]) for r in rows]


async def test_escalation_walks_the_policy_and_repeats(ready: AsyncEngine) -> None:
    await ingest(unit(ready), batch(), T0)
    assert await pages(ready) == [("ann", 1)]  # primary's holder on 2026-03-02 10:00
    assert await fire_due(unit(ready), T0 + timedelta(minutes=4), worker="w") == 0  # not due yet
    assert await fire_due(unit(ready), T0 + timedelta(minutes=5), worker="w") == 1
    assert await pages(ready) == [("ann", 1), ("dan", 2)]
    assert (
        await fire_due(unit(ready), T0 + timedelta(minutes=15), worker="w") == 1
    )  # repeat: tier 1 again
    assert await fire_due(unit(ready), T0 + timedelta(minutes=20), worker="w") == 1  # tier 2 again
    assert await fire_due(unit(ready), T0 + timedelta(minutes=30), worker="w") == 1  # exhausted
    assert await fire_due(unit(ready), T0 + timedelta(hours=5), worker="w") == 0  # nothing left
    assert await pages(ready) == [("ann", 1), ("dan", 2), ("ann", 1), ("dan", 2)]
    row = await incident(ready)
    assert (row.status, row.tier, row.cycle, row.exhausted) == ("triggered", 1, 1, True)
    async with ready.connect() as conn:
        kinds = (
            (await conn.execute(select(OutboxRow.kind).where(OutboxRow.kind.like("incident.%"))))
            .scalars()
            .all()
        )  # type: ignore[attr-defined]
    assert kinds.count("incident.escalated") == 3 and kinds.count("incident.exhausted") == 1


async def test_acknowledge_stops_escalation_and_is_in_the_timeline(ready: AsyncEngine) -> None:
    await ingest(unit(ready), batch(), T0)
    await act(unit(ready), 1, Acknowledge("ann"), "ann", T0 + timedelta(minutes=2))
    assert await fire_due(unit(ready), T0 + timedelta(hours=1), worker="w") == 0
    row = await incident(ready)
    assert (row.status, row.acknowledged_by, row.acknowledged_at, row.assignee) == (
        "acknowledged",
        "ann",
        T0 + timedelta(minutes=2),
        "ann",
    )
    async with unit(ready) as uow:
        events = [(kind, actor) for _, kind, actor, _ in await uow.incidents.events(1)]
    assert events == [("routed", None), ("open", None), ("paged", None), ("acknowledge", "ann")]


@pytest.mark.parametrize("round_", range(4))
async def test_an_acknowledgement_racing_the_escalation_is_never_lost(
    ready: AsyncEngine, round_: int
) -> None:
    """The click and the due escalation act on one incident at once: they take turns on its
    row, so either the escalation fires first and the acknowledgement follows, or the
    acknowledgement wins and the escalation finds nothing to do; never a lost update."""
    await ingest(unit(ready), batch(f"race{round_}"), T0)
    due = T0 + timedelta(minutes=5)
    await asyncio.gather(
        fire_due(unit(ready), due, worker="w"),
        act(unit(ready), 1, Acknowledge("ann"), "ann", due),
    )
    row = await incident(ready)
    assert (row.status, row.acknowledged_by) == ("acknowledged", "ann")
    tier_two = [p for p in await pages(ready) if p[1] == 2]
    assert row.tier == (1 if tier_two else 0)
    assert await fire_due(unit(ready), due + timedelta(hours=2), worker="w") == 0


async def test_snooze_retriggers_and_pages_again(ready: AsyncEngine) -> None:
    await ingest(unit(ready), batch(), T0)
    await act(unit(ready), 1, Acknowledge("ann"), "ann", T0 + timedelta(minutes=1))
    await act(
        unit(ready), 1, Snooze("ann", T0 + timedelta(hours=1)), "ann", T0 + timedelta(minutes=2)
    )
    assert await fire_due(unit(ready), T0 + timedelta(minutes=59), worker="w") == 0
    assert await fire_due(unit(ready), T0 + timedelta(hours=1), worker="w") == 1
    assert (await incident(ready)).status == "triggered"
    assert await pages(ready) == [("ann", 1), ("ann", 1)]


async def test_manual_escalate_reassign_and_resolve(ready: AsyncEngine) -> None:
    await ingest(unit(ready), batch(), T0)
    await act(unit(ready), 1, Escalate("ann"), "ann", T0 + timedelta(minutes=1))
    await act(unit(ready), 1, Reassign("dan", "cat"), "dan", T0 + timedelta(minutes=2))
    assert await pages(ready) == [("ann", 1), ("dan", 2), ("cat", 2)]
    await act(unit(ready), 1, Resolve("cat"), "cat", T0 + timedelta(minutes=3))
    assert await fire_due(unit(ready), T0 + timedelta(hours=1), worker="w") == 0
    with pytest.raises(TransitionError):
        await act(unit(ready), 1, Acknowledge("ann"), "ann", T0 + timedelta(minutes=4))
    with pytest.raises(IncidentNotFound):
        await act(unit(ready), 99, Acknowledge("ann"), "ann", T0)


async def test_a_warning_notifies_without_paging(ready: AsyncEngine) -> None:
    await ingest(unit(ready), batch(labels={"service": "api", "severity": "warning"}), T0)
    assert await pages(ready) == []
    assert await fire_due(unit(ready), T0 + timedelta(hours=1), worker="w") == 0
    async with ready.connect() as conn:
        kinds = (await conn.execute(select(OutboxRow.kind).order_by(OutboxRow.id))).scalars().all()
    assert kinds == ["incident.triggered", "open"]  # channel card and ticket, no page


async def test_concurrent_workers_fire_each_step_once(ready: AsyncEngine) -> None:
    for i in range(12):
        await ingest(unit(ready), batch(key=f"g{i}"), T0)
    due = T0 + timedelta(minutes=5)
    if ready.dialect.name == "sqlite":
        # One writer at a time: workers take turns, and none fires a step another fired.
        counts = [await fire_due(unit(ready), due, worker=f"w{i}") for i in range(3)]
    else:
        counts = await asyncio.gather(
            *(fire_due(unit(ready), due, worker=f"w{i}", limit=5) for i in range(3))
        )
        while sum(counts) < 12:
            counts.append(await fire_due(unit(ready), due, worker="late"))
    assert sum(counts) == 12
    async with ready.connect() as conn:
        fired = (
            await conn.execute(select(PendingStepRow).where(PendingStepRow.outcome == "fired"))
        ).all()
    assert len(fired) == 12 and len({f.incident_id for f in fired}) == 12
    assert len([p for p in await pages(ready) if p[1] == 2]) == 12  # one tier-2 page each


class Flaky:
    """A destination that fails as told, then delivers."""

    def __init__(self, outcomes: list[Any]) -> None:
        self.outcomes = outcomes
        self.calls: list[str] = []

    def rate_key(self, message: ClaimedMessage) -> tuple[str, timedelta] | None:
        return ("channel", timedelta(seconds=1)) if message.kind.startswith("incident.") else None

    async def deliver(self, message: ClaimedMessage) -> Any:
        self.calls.append(message.key)
        outcome = self.outcomes.pop(0) if self.outcomes else Delivered()
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


async def outbox_rows(engine: AsyncEngine) -> list[Any]:
    async with engine.connect() as conn:
        return list((await conn.execute(select(OutboxRow).order_by(OutboxRow.id))).all())


async def test_outbox_delivers_retries_and_gives_up(ready: AsyncEngine) -> None:
    await ingest(
        unit(ready), batch(), T0
    )  # page, incident.triggered (rate-limited kind), ticket open
    chat = Flaky([Retry("slack 500"), RuntimeError("connection reset")])
    tickets = Flaky([Failed("project does not exist")])
    sender = OutboxSender(
        lambda: unit(ready), {"chat": chat, "ticket": tickets}, jitter=lambda: 1.0
    )
    assert await sender.run_once(T0) == 0  # page: retry; card: exception; ticket: permanent
    rows = {r.kind: r for r in await outbox_rows(ready)}
    assert (rows["page"].status, rows["page"].attempts, rows["page"].last_error) == (
        "pending",
        1,
        "slack 500",
    )
    assert rows["page"].next_attempt_at == T0 + timedelta(
        seconds=2
    )  # base delay, full jitter factor 1
    assert rows["incident.triggered"].last_error == "RuntimeError: connection reset"
    assert (rows["open"].status, rows["open"].last_error) == ("failed", "project does not exist")
    assert await sender.run_once(T0 + timedelta(seconds=1)) == 0  # nothing ready yet
    assert await sender.run_once(T0 + timedelta(seconds=3)) == 2
    assert {r.kind: r.status for r in await outbox_rows(ready)} == {
        "page": "sent",
        "incident.triggered": "sent",
        "open": "failed",
    }
    assert (
        await sender.run_once(T0 + timedelta(minutes=5)) == 0
    )  # sent stays sent: at least once, not forever


async def test_outbox_honours_retry_after_and_backs_off(ready: AsyncEngine) -> None:
    sender = OutboxSender(lambda: unit(ready), {}, jitter=lambda: 0.0)
    assert sender.backoff(1, None) == timedelta(seconds=1)  # 2 s base, jitter floor 50%
    assert sender.backoff(4, None) == timedelta(seconds=8)
    assert sender.backoff(30, None) == timedelta(minutes=5)  # capped at 10 min, then halved
    assert sender.backoff(1, timedelta(seconds=30)) == timedelta(seconds=30)  # Retry-After wins


async def test_outbox_rate_limit_spreads_a_burst_without_spending_attempts(
    ready: AsyncEngine,
) -> None:
    for i in range(3):
        await ingest(
            unit(ready), batch(key=f"g{i}", labels={"service": "api", "severity": "warning"}), T0
        )
    chat = Flaky([])
    sender = OutboxSender(lambda: unit(ready), {"chat": chat, "ticket": LogDestination("ticket")})
    assert await sender.run_once(T0) == 4  # one card (1 per second per channel) and three tickets
    cards = [r for r in await outbox_rows(ready) if r.kind == "incident.triggered"]
    assert [c.status for c in cards] == ["sent", "pending", "pending"]
    assert sorted(c.next_attempt_at for c in cards[1:]) == [
        T0 + timedelta(seconds=1),
        T0 + timedelta(seconds=2),
    ]
    assert all(c.attempts == (1 if c.status == "sent" else 0) for c in cards)
    assert await sender.run_once(T0 + timedelta(seconds=1)) == 1
    assert await sender.run_once(T0 + timedelta(seconds=2)) == 1
    assert [r.status for r in await outbox_rows(ready)] == ["sent"] * 6


async def test_unregistered_destination_is_retried_not_lost(ready: AsyncEngine) -> None:
    await ingest(unit(ready), batch(), T0)
    sender = OutboxSender(lambda: unit(ready), {})
    assert await sender.run_once(T0) == 0
    assert all(
        r.status == "pending" and "no destination" in r.last_error for r in await outbox_rows(ready)
    )


async def test_firing_and_processing_tell_the_outbox_to_send_now(ready: AsyncEngine) -> None:
    """The escalation job and the inbox processor call back when they wrote pages, so the
    worker sends them at once instead of at the outbox lane's next tick."""
    from contextlib import asynccontextmanager

    from core.incidents.inbox import batch_to_json
    from scheduling.inbox import InboxProcessor
    from scheduling.jobs import escalation_job
    from tests.fakes import FrozenClock

    calls: list[str] = []
    clock = FrozenClock(T0)

    @asynccontextmanager
    async def held() -> Any:
        yield True

    processor = InboxProcessor(
        lambda: unit(ready), held, clock, processed=lambda: calls.append("processed")
    )
    assert await processor.drain() == 0 and calls == []  # nothing stored: no call
    async with unit(ready) as uow:
        await uow.inbox.add_many([("alertmanager", T0, batch_to_json(batch()))])
        await uow.commit()
    assert await processor.drain() == 1 and calls == ["processed"]

    job = escalation_job(lambda: unit(ready), "w", clock, fired=lambda: calls.append("fired"))
    await job(T0 + timedelta(minutes=4))  # nothing due yet
    assert calls == ["processed"]
    await job(T0 + timedelta(minutes=5))
    assert calls == ["processed", "fired"]
    assert await pages(ready) == [("ann", 1), ("dan", 2)]
