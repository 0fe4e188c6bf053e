"""One contract for the alert path's repositories: the fakes and SQL do the same.

Every scenario below runs three times: on the in-memory fakes of ``tests/fakes.py`` and on
``SqlUnitOfWork`` over SQLite and PostgreSQL (the ``engine`` fixture). A scenario sees only
the ports and, for what the ports do not return (a step's outcome, a message's lease), the
rows themselves, read through :class:`Backend.rows` with the columns' names. A scenario that
fails on one backend only is a fake that drifted from SQL, or SQL that differs by dialect.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.ext.asyncio import AsyncEngine

from core.config.apply import apply_configuration
from core.incidents.lifecycle import Acknowledge, IncidentState
from core.incidents.ports import AlertBatch, NewAlert, NewIncident, OutboxMessage
from core.incidents.service import act, fire_due, ingest
from core.ports import UnitOfWork
from storage.statements import ALERTS, EVENTS, INBOX, OUTBOX, STEPS
from storage.uow import SqlUnitOfWork, session_factory
from tests.fakes import FakeIntegrityError, FakeUnitOfWork, Store
from tests.integration.contract_conversations import CONVERSATION_SCENARIOS
from tests.unit.oncall.common import config

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)
LEASE = timedelta(minutes=10)
REFUSED = (IntegrityError, FakeIntegrityError)  # a row whose incident does not exist


@dataclass
class Backend:
    """New units of work, and the committed rows of a table for what the ports do not say."""

    new_unit: Callable[[], UnitOfWork]
    rows: Callable[[str, tuple[str, ...]], Awaitable[list[tuple[Any, ...]]]]


def fake_backend() -> Backend:
    store = Store()

    async def rows(table: str, columns: tuple[str, ...]) -> list[tuple[Any, ...]]:
        held: dict[str, list[Any]] = {
            "alerts": store.alerts,
            "incident_events": store.events,
            "pending_steps": store.steps,
            "outbox": sorted(store.outbox.values(), key=lambda r: r.id),
            "alert_inbox": list(store.inbox.values()),
        }
        return [tuple(getattr(r, c) for c in columns) for r in held[table]]

    return Backend(lambda: FakeUnitOfWork(store), rows)


def sql_backend(engine: AsyncEngine) -> Backend:
    sessions = session_factory(engine)
    tables = {t.name: t for t in (ALERTS, EVENTS, STEPS, OUTBOX, INBOX)}

    async def rows(table: str, columns: tuple[str, ...]) -> list[tuple[Any, ...]]:
        t = tables[table]
        async with engine.connect() as conn:
            query = select(*(t.c[c] for c in columns)).order_by(t.c.id)
            return [tuple(r) for r in await conn.execute(query)]

    return Backend(lambda: SqlUnitOfWork(sessions), rows)


Scenario = Callable[[Backend], Awaitable[None]]
SCENARIOS: list[Scenario] = []


def scenario(fn: Scenario) -> Scenario:
    SCENARIOS.append(fn)
    return fn


@pytest.mark.parametrize("run", SCENARIOS, ids=lambda s: s.__name__)
async def test_fakes(run: Scenario) -> None:
    await run(fake_backend())


@pytest.mark.parametrize("run", SCENARIOS, ids=lambda s: s.__name__)
async def test_sql(run: Scenario, engine: AsyncEngine) -> None:
    await run(sql_backend(engine))


# Helpers ---------------------------------------------------------------------------------


def new_incident(key: str = "g1", *, at: datetime = T0, source: str = "am") -> NewIncident:
    return NewIncident(
        source=source,
        dedup_key=key,
        title=f"alert {key}",
        service_id="api",
        team_id="ops",
        policy_id="ops",
        severity="critical",
        state=IncidentState(status="triggered", tier=1, start_tier=1),
        opened_at=at,
        labels={"service": "api"},
        annotations={"summary": "down"},
        links={"graph": "http://prom/graph"},
    )


def alert(fp: str, status: str = "firing", *, starts: datetime = T0, ends: Any = None) -> NewAlert:
    return NewAlert(fp, status, starts, ends, {"alertname": fp}, {}, None)


def message(key: str, *, at: datetime = T0, incident_id: int | None = None) -> OutboxMessage:
    return OutboxMessage(key, "chat", "page", {"n": key, "list": (1, 2)}, at, incident_id)


async def committed(backend: Backend, *incidents: NewIncident) -> list[int | None]:
    async with backend.new_unit() as uow:
        ids = [await uow.incidents.create(i) for i in incidents]
        await uow.commit()
    return ids


# Incidents -------------------------------------------------------------------------------


@scenario
async def incident_is_stored_as_given(backend: Backend) -> None:
    plus_two = timezone(timedelta(hours=2))
    given = new_incident(at=datetime(2026, 3, 2, 12, 0, tzinfo=plus_two))
    assert await committed(backend, given) == [1]  # ids count from 1
    async with backend.new_unit() as uow:
        record = await uow.incidents.get(1)
        assert record is not None
        assert (record.id, record.alert_count, record.title, record.severity) == (
            1,
            0,
            "alert g1",
            "critical",
        )
        assert (record.service_id, record.team_id, record.policy_id) == ("api", "ops", "ops")
        assert record.state == given.state
        assert record.opened_at == T0 and record.opened_at.utcoffset() == timedelta(0)
        assert (record.labels, record.annotations, record.links) == (
            given.labels,
            given.annotations,
            given.links,
        )
        assert await uow.incidents.open_for("am", "g1") == record
        assert await uow.incidents.get(2) is None
        assert await uow.incidents.open_for("am", "other") is None
        assert await uow.incidents.open_for("other-source", "g1") is None
        full = IncidentState(
            status="acknowledged",
            tier=2,
            cycle=1,
            start_tier=1,
            pages=False,
            exhausted=True,
            assignee="ann",
            snoozed_until=datetime(2026, 3, 2, 13, 0, tzinfo=plus_two),
            acknowledged_at=T0 + MIN,
            acknowledged_by="ann",
        )
        await uow.incidents.save_state(1, full)
        await uow.commit()
    async with backend.new_unit() as uow:
        record = await uow.incidents.get(1)
        assert record is not None and record.state == full
        assert record.state.snoozed_until == T0 + MIN * 60
        assert record.state.snoozed_until.utcoffset() == timedelta(0)  # type: ignore[union-attr]


@scenario
async def one_open_incident_per_key(backend: Backend) -> None:
    """Ids only grow: PostgreSQL spends a sequence value on an insert that conflicted."""
    first, lost = await committed(backend, new_incident(), new_incident())
    assert first is not None and lost is None
    [other] = await committed(backend, new_incident(source="webhook"))  # another source
    assert other is not None and other > first
    async with backend.new_unit() as uow:
        resolved = IncidentState(status="resolved", resolved_at=T0 + MIN, resolved_by="am")
        await uow.incidents.save_state(first, resolved)
        await uow.commit()
    async with backend.new_unit() as uow:
        assert await uow.incidents.open_for("am", "g1") is None  # resolved is not open
        record = await uow.incidents.get(first)
        assert record is not None and record.state == resolved
        reopened = await uow.incidents.create(new_incident(at=T0 + 2 * MIN))
        assert reopened is not None and reopened > other
        found = await uow.incidents.open_for("am", "g1")
        assert found is not None and found.id == reopened
        await uow.commit()


@scenario
async def listing_is_newest_first(backend: Backend) -> None:
    await committed(
        backend,
        new_incident("a", at=T0),
        new_incident("b", at=T0 + MIN),
        new_incident("c", at=T0 + MIN),  # same time as b: the higher id first
        new_incident("d", at=T0 - MIN),  # an earlier clock (another instance): by id still
    )
    async with backend.new_unit() as uow:
        await uow.incidents.save_state(2, IncidentState(status="resolved"))
        await uow.commit()
    async with backend.new_unit() as uow:
        every = await uow.incidents.listing(include_resolved=True, limit=10)
        assert [r.dedup_key for r in every] == ["d", "c", "b", "a"]
        open_ = await uow.incidents.listing(include_resolved=False, limit=10)
        assert [r.dedup_key for r in open_] == ["d", "c", "a"]
        assert [r.id for r in await uow.incidents.listing(True, 2)] == [4, 3]
        assert await uow.incidents.listing(True, 0) == []


@scenario
async def listing_filters_and_pages_in_the_store(backend: Backend) -> None:
    """More incidents than a page: every page of a status filter, by id, to the oldest."""
    await committed(backend, *(new_incident(f"k{n}", at=T0 + n * MIN) for n in range(12)))
    async with backend.new_unit() as uow:
        for resolved in (1, 2, 4, 5, 7, 9):  # ids of resolved ones, old and new
            await uow.incidents.save_state(resolved, IncidentState(status="resolved"))
        await uow.incidents.save_state(3, IncidentState(status="acknowledged"))
        await uow.commit()

    async def pages(statuses: set[str] | None, size: int) -> list[list[int]]:
        out: list[list[int]] = []
        before: int | None = None
        async with backend.new_unit() as uow:
            while page := await uow.incidents.listing(
                limit=size, statuses=statuses, before_id=before
            ):
                out.append([r.id for r in page])
                before = page[-1].id
        return out

    assert await pages({"resolved"}, 4) == [[9, 7, 5, 4], [2, 1]]
    assert await pages({"triggered", "acknowledged"}, 4) == [[12, 11, 10, 8], [6, 3]]
    assert await pages({"acknowledged"}, 4) == [[3]]
    assert await pages(None, 5) == [[12, 11, 10, 9, 8], [7, 6, 5, 4, 3], [2, 1]]
    assert await pages(set(), 5) == []
    async with backend.new_unit() as uow:
        older = await uow.incidents.listing(limit=50, statuses={"resolved"}, before_id=2)
        assert [r.id for r in older] == [1]
        assert await uow.incidents.listing(limit=50, before_id=1) == []
        old_shape = await uow.incidents.listing(False, 3)  # include_resolved, limit
        assert [r.id for r in old_shape] == [12, 11, 10]


@scenario
async def nothing_stays_without_commit(backend: Backend) -> None:
    async with backend.new_unit() as uow:
        assert await uow.incidents.create(new_incident()) == 1
        await uow.incidents.add_event(1, T0, "routed", None, {})
        await uow.outbox.add(message("m1"))
        await uow.inbox.add_many([("am", T0, {"k": 1})])
    async with backend.new_unit() as uow:
        assert await uow.incidents.get(1) is None
        assert await uow.incidents.open_for("am", "g1") is None
        assert await uow.outbox.claim(T0, 10, LEASE) == []
        assert await uow.inbox.pending(10) == []


@scenario
async def alerts_are_upserted_by_identity(backend: Backend) -> None:
    await committed(backend, new_incident())
    async with backend.new_unit() as uow:
        first = [alert("a"), alert("b"), alert("b")]  # b twice in one delivery: one row
        assert await uow.incidents.upsert_alerts(1, "am", first, T0) == 2
        assert await uow.incidents.upsert_alerts(1, "am", [alert("a"), alert("b")], T0) == 0
        assert await uow.incidents.upsert_alerts(1, "am", [], T0) == 0
        later = alert("a", starts=T0 + MIN)  # the same fingerprint firing anew
        assert await uow.incidents.upsert_alerts(1, "am", [later], T0 + MIN) == 1
        ended = alert("b", "resolved", ends=T0 + 2 * MIN)
        assert await uow.incidents.upsert_alerts(1, "am", [ended, alert("a")], T0 + 3 * MIN) == 0
        record = await uow.incidents.get(1)
        assert record is not None and record.alert_count == 3
        await uow.commit()
    columns = ("incident_id", "fingerprint", "status", "starts_at", "ends_at", "first_seen_at")
    assert await backend.rows("alerts", (*columns, "last_seen_at")) == [
        (1, "a", "firing", T0, None, T0, T0),  # unchanged: last_seen_at kept
        (1, "b", "resolved", T0, T0 + 2 * MIN, T0, T0 + 3 * MIN),
        (1, "a", "firing", T0 + MIN, None, T0 + MIN, T0 + MIN),
    ]


@scenario
async def a_known_alert_stays_with_its_incident(backend: Backend) -> None:
    """Identity is (source, fingerprint, startsAt) whatever the incident: a repeat sent to a
    newer incident of the key adds nothing to it."""
    await committed(backend, new_incident())
    async with backend.new_unit() as uow:
        assert await uow.incidents.upsert_alerts(1, "am", [alert("a")], T0) == 1
        await uow.incidents.save_state(1, IncidentState(status="resolved"))
        assert await uow.incidents.create(new_incident()) == 2
        assert await uow.incidents.upsert_alerts(2, "am", [alert("a")], T0 + MIN) == 0
        assert await uow.incidents.upsert_alerts(2, "other", [alert("a")], T0 + MIN) == 1
        counts = [(await uow.incidents.get(i)).alert_count for i in (1, 2)]  # type: ignore[union-attr]
        assert counts == [1, 1]
        await uow.commit()
    assert await backend.rows("alerts", ("incident_id", "source")) == [(1, "am"), (2, "other")]


@scenario
async def rows_need_their_incident(backend: Backend) -> None:
    for write in (
        lambda uow: uow.incidents.add_event(7, T0, "x", None, {}),
        lambda uow: uow.incidents.schedule_step(7, "escalate", T0, 0, 0, T0),
        lambda uow: uow.incidents.upsert_alerts(7, "am", [alert("a")], T0),
    ):
        async with backend.new_unit() as uow:
            with pytest.raises(REFUSED):
                await write(uow)
    async with backend.new_unit() as uow:  # and what needs no new row is not refused
        await uow.incidents.save_state(7, IncidentState(status="resolved"))
        await uow.incidents.cancel_steps(7, T0)
        assert await uow.incidents.events(7) == []


@scenario
async def naive_times_are_refused(backend: Backend) -> None:
    async with backend.new_unit() as uow:
        with pytest.raises((ValueError, StatementError)):
            await uow.incidents.create(new_incident(at=datetime(2026, 3, 2, 10, 0)))


@scenario
async def timeline_in_order(backend: Backend) -> None:
    await committed(backend, new_incident(), new_incident("g2"))
    async with backend.new_unit() as uow:
        first = await uow.incidents.add_event(1, T0, "routed", None, {"matched": "service"})
        other = await uow.incidents.add_event(2, T0, "routed", None, {})
        last = await uow.incidents.add_event(1, T0 - MIN, "acknowledge", "ann", {"e": ("x",)})
        assert (first, other, last) == (1, 2, 3)
        await uow.commit()
    async with backend.new_unit() as uow:
        assert await uow.incidents.events(1) == [
            (T0, "routed", None, {"matched": "service"}),
            (T0 - MIN, "acknowledge", "ann", {"e": ["x"]}),  # in id order, as JSON keeps it
        ]
        assert await uow.incidents.events(3) == []


# Pending steps ---------------------------------------------------------------------------


@scenario
async def a_new_step_replaces_pending_ones_of_its_kind(backend: Backend) -> None:
    await committed(backend, new_incident(), new_incident("g2"))
    async with backend.new_unit() as uow:
        await uow.incidents.schedule_step(1, "escalate", T0 + 5 * MIN, 0, 0, T0)
        await uow.incidents.schedule_step(1, "snooze_end", T0 + 60 * MIN, 0, 0, T0)
        await uow.incidents.schedule_step(2, "escalate", T0 + 5 * MIN, 0, 0, T0)
        await uow.incidents.schedule_step(1, "escalate", T0 + 9 * MIN, 1, 0, T0 + MIN)
        await uow.commit()
    columns = ("incident_id", "kind", "due_at", "tier", "created_at", "done_at", "outcome")
    assert await backend.rows("pending_steps", columns) == [
        (1, "escalate", T0 + 5 * MIN, 0, T0, T0 + MIN, "replaced"),
        (1, "snooze_end", T0 + 60 * MIN, 0, T0, None, None),  # another kind: kept
        (2, "escalate", T0 + 5 * MIN, 0, T0, None, None),  # another incident: kept
        (1, "escalate", T0 + 9 * MIN, 1, T0 + MIN, None, None),
    ]
    async with backend.new_unit() as uow:
        await uow.incidents.cancel_steps(1, T0 + 2 * MIN)
        await uow.commit()
    assert [r[-1] for r in await backend.rows("pending_steps", columns)] == [
        "replaced",  # done already: not cancelled again
        "cancelled",
        None,
        "cancelled",
    ]


@scenario
async def due_steps_are_claimed_once_oldest_first(backend: Backend) -> None:
    await committed(backend, new_incident(), new_incident("g2"), new_incident("g3"))
    async with backend.new_unit() as uow:
        await uow.incidents.schedule_step(1, "escalate", T0 + 5 * MIN, 0, 0, T0)
        await uow.incidents.schedule_step(2, "escalate", T0 + 3 * MIN, 1, 2, T0)
        await uow.incidents.schedule_step(3, "escalate", T0 + 5 * MIN, 0, 0, T0)  # ties: by id
        await uow.incidents.schedule_step(3, "snooze_end", T0 + 9 * MIN, 0, 0, T0)
        await uow.commit()
    async with backend.new_unit() as uow:
        assert await uow.incidents.claim_due(T0 + 3 * MIN - timedelta(seconds=1), 10, "w") == []
        two = await uow.incidents.claim_due(T0 + 5 * MIN, 2, "w1")
        assert [(s.id, s.incident_id, s.tier, s.cycle, s.due_at) for s in two] == [
            (2, 2, 1, 2, T0 + 3 * MIN),
            (1, 1, 0, 0, T0 + 5 * MIN),
        ]
        rest = await uow.incidents.claim_due(T0 + 5 * MIN, 10, "w1")
        assert [s.id for s in rest] == [3]  # never a step twice, even in one unit
        await uow.commit()
    async with backend.new_unit() as uow:
        assert await uow.incidents.claim_due(T0 + 5 * MIN, 10, "w2") == []
        late = await uow.incidents.claim_due(T0 + 60 * MIN, 10, "w2")
        assert [(s.id, s.kind) for s in late] == [(4, "snooze_end")]
        await uow.commit()
    assert await backend.rows("pending_steps", ("id", "done_at", "done_by", "outcome")) == [
        (1, T0 + 5 * MIN, "w1", "fired"),
        (2, T0 + 5 * MIN, "w1", "fired"),
        (3, T0 + 5 * MIN, "w1", "fired"),
        (4, T0 + 60 * MIN, "w2", "fired"),
    ]


@scenario
async def a_claim_rolled_back_is_claimed_again(backend: Backend) -> None:
    await committed(backend, new_incident())
    async with backend.new_unit() as uow:
        await uow.incidents.schedule_step(1, "escalate", T0, 0, 0, T0)
        await uow.commit()
    async with backend.new_unit() as uow:
        assert len(await uow.incidents.claim_due(T0, 10, "crashed")) == 1  # no commit
    async with backend.new_unit() as uow:
        assert [s.id for s in await uow.incidents.claim_due(T0, 10, "next")] == [1]
        await uow.commit()
    assert await backend.rows("pending_steps", ("done_by",)) == [("next",)]


# Outbox ----------------------------------------------------------------------------------


@scenario
async def outbox_keys_are_unique(backend: Backend) -> None:
    async with backend.new_unit() as uow:
        assert await uow.outbox.add(message("a")) is True
        assert await uow.outbox.add(message("a", at=T0 + MIN)) is False
        assert await uow.outbox.add_many([message("b"), message("a"), message("b")]) == 1
        assert await uow.outbox.add_many([]) == 0
        await uow.commit()
    async with backend.new_unit() as uow:
        assert await uow.outbox.add_many([message("b"), message("c", incident_id=4)]) == 1
        await uow.commit()
    columns = ("key", "status", "attempts", "created_at", "next_attempt_at", "incident_id")
    assert await backend.rows("outbox", columns) == [
        ("a", "pending", 0, T0, T0, None),
        ("b", "pending", 0, T0, T0, None),
        ("c", "pending", 0, T0, T0, 4),
    ]


@scenario
async def a_claim_leases_and_counts_the_attempt(backend: Backend) -> None:
    async with backend.new_unit() as uow:
        await uow.outbox.add_many([message("a"), message("b"), message("later", at=T0 + MIN)])
        await uow.commit()
    async with backend.new_unit() as uow:
        claimed = await uow.outbox.claim(T0, 10, LEASE)
        await uow.commit()
    assert [(m.id, m.key, m.attempts, m.destination, m.kind) for m in claimed] == [
        (1, "a", 1, "chat", "page"),
        (2, "b", 1, "chat", "page"),  # "later" is not ready yet
    ]
    assert claimed[0].payload == {"n": "a", "list": [1, 2]}
    async with backend.new_unit() as uow:
        # Leased: nobody else takes them before the lease ends; "later" is ready now.
        assert [m.key for m in await uow.outbox.claim(T0 + MIN, 10, LEASE)] == ["later"]
        again = await uow.outbox.claim(T0 + LEASE, 1, LEASE)  # the lease ran out: limit 1
        assert [(m.key, m.attempts) for m in again] == [("a", 2)]
        await uow.commit()
    assert await backend.rows("outbox", ("key", "attempts", "lease_until")) == [
        ("a", 2, T0 + 2 * LEASE),
        ("b", 1, T0 + LEASE),
        ("later", 1, T0 + MIN + LEASE),
    ]


@scenario
async def sent_retried_deferred_and_failed(backend: Backend) -> None:
    async with backend.new_unit() as uow:
        await uow.outbox.add_many([message(k) for k in ("sent", "retry", "defer", "failed")])
        await uow.commit()
    async with backend.new_unit() as uow:
        ids = {m.key: m.id for m in await uow.outbox.claim(T0, 10, LEASE)}
        await uow.outbox.sent(ids["sent"], T0 + MIN)
        await uow.outbox.retry(ids["retry"], T0 + 5 * MIN, "x" * 1500)
        await uow.outbox.defer(ids["defer"], T0 + 2 * MIN)
        await uow.outbox.failed(ids["failed"], T0 + MIN, "gone")
        await uow.commit()
    columns = ("key", "status", "attempts", "next_attempt_at", "lease_until", "sent_at")
    assert await backend.rows("outbox", columns) == [
        ("sent", "sent", 1, T0, None, T0 + MIN),
        ("retry", "pending", 1, T0 + 5 * MIN, None, None),
        ("defer", "pending", 0, T0 + 2 * MIN, None, None),  # a deferral is no attempt
        ("failed", "failed", 1, T0, None, None),
    ]
    errors = await backend.rows("outbox", ("last_error",))
    assert [e if e is None else len(e) for (e,) in errors] == [None, 1000, None, 4]
    async with backend.new_unit() as uow:
        assert await uow.outbox.claim(T0 + MIN, 10, LEASE) == []  # nothing is ready before
        ready = await uow.outbox.claim(T0 + 5 * MIN, 10, LEASE)
        assert [(m.key, m.attempts) for m in ready] == [("retry", 2), ("defer", 1)]


@scenario
async def a_claim_rolled_back_is_no_attempt(backend: Backend) -> None:
    async with backend.new_unit() as uow:
        await uow.outbox.add(message("a"))
        await uow.commit()
    async with backend.new_unit() as uow:
        assert len(await uow.outbox.claim(T0, 10, LEASE)) == 1  # no commit
    async with backend.new_unit() as uow:
        assert [(m.key, m.attempts) for m in await uow.outbox.claim(T0, 10, LEASE)] == [("a", 1)]


# Inbox -----------------------------------------------------------------------------------


@scenario
async def the_inbox_keeps_the_order_of_arrival(backend: Backend) -> None:
    later = T0 + MIN
    async with backend.new_unit() as uow:
        ids = await uow.inbox.add_many(
            [("am", later, {"n": 1}), ("am", T0, {"n": 2, "t": (1,)}), ("webhook", T0, {"n": 3})]
        )
        assert ids == [1, 2, 3]
        assert await uow.inbox.add_many([("am", T0, {"n": 4})]) == [4]
        await uow.commit()
    async with backend.new_unit() as uow:
        pending = await uow.inbox.pending(3)
        assert [(d.id, d.received_at, d.batch, d.attempts) for d in pending] == [
            (1, later, {"n": 1}, 0),  # by id, not by receive time
            (2, T0, {"n": 2, "t": [1]}, 0),
            (3, T0, {"n": 3}, 0),
        ]
        await uow.inbox.done(2, T0 + 5 * MIN, 7, "opened")
        await uow.inbox.attempt_failed(1, "KeyError: 'key'", give_up=False)
        await uow.inbox.attempt_failed(3, "e" * 2000, give_up=True)
        await uow.commit()
    async with backend.new_unit() as uow:
        assert [(d.id, d.attempts) for d in await uow.inbox.pending(10)] == [(1, 1), (4, 0)]
        await uow.inbox.attempt_failed(1, "again", give_up=True)
        await uow.commit()
    async with backend.new_unit() as uow:
        assert [d.id for d in await uow.inbox.pending(10)] == [4]
    columns = ("id", "source", "status", "attempts", "processed_at", "incident_id", "action")
    assert await backend.rows("alert_inbox", columns) == [
        (1, "am", "failed", 2, None, None, None),
        (2, "am", "done", 0, T0 + 5 * MIN, 7, "opened"),
        (3, "webhook", "failed", 1, None, None, None),
        (4, "am", "pending", 0, None, None, None),
    ]
    errors = await backend.rows("alert_inbox", ("error",))
    assert [e if e is None else len(e) for (e,) in errors] == [5, None, 1000, None]


# The use cases over either ------------------------------------------------------------------


@scenario
async def the_alert_path_writes_the_same_rows(backend: Backend) -> None:
    """Ingest, a repeat, an escalation and an acknowledgement leave the same rows."""
    cfg = config(
        escalation_policies=[
            {
                "id": "ops",
                "tiers": [
                    {"targets": ["schedule:primary"], "escalate_after": "5m"},
                    {"targets": ["person:dan"], "escalate_after": "10m"},
                ],
            }
        ],
        services=[{"id": "api", "team": "ops", "escalation_policy": "ops", "match": {"s": "api"}}],
    )
    await apply_configuration(backend.new_unit(), cfg, actor="t", source="t", now=T0 - 60 * MIN)
    labels = {"s": "api", "severity": "critical"}
    batch = AlertBatch("am", "g1", "firing", "down", labels, alerts=(alert("a"),))
    assert (await ingest(backend.new_unit(), batch, T0)).action == "opened"
    assert (await ingest(backend.new_unit(), batch, T0 + MIN)).action == "updated"
    assert await fire_due(backend.new_unit(), T0 + 5 * MIN, worker="w") == 1
    await act(backend.new_unit(), 1, Acknowledge("dan"), "dan", T0 + 6 * MIN)
    outbox = await backend.rows("outbox", ("key", "kind"))
    assert [(kind, key.split("/")[-1]) for key, kind in outbox] == [
        ("page", "1"),
        ("incident.triggered", "2"),
        ("open", "3"),  # the ticket: critical asks for one
        ("page", "1"),
        ("incident.escalated", "2"),
        ("escalated", "3"),  # a comment on the ticket
        ("incident.acknowledged", "1"),
        ("acknowledged", "2"),
    ]
    people = [
        r[0]["person"] for r in await backend.rows("outbox", ("payload",)) if "person" in r[0]
    ]
    assert people == ["ann", "dan"]
    steps = await backend.rows("pending_steps", ("tier", "due_at", "outcome", "done_by"))
    assert steps == [
        (0, T0 + 5 * MIN, "fired", "w"),
        (1, T0 + 15 * MIN, "cancelled", None),
    ]
    events = await backend.rows("incident_events", ("kind", "actor"))
    assert events == [
        ("routed", None),
        ("open", None),
        ("paged", None),
        ("escalationdue", None),
        ("paged", None),
        ("acknowledge", "dan"),
    ]


# Chat surfaces' needs ----------------------------------------------------------------------


@scenario
async def pages_are_claimed_before_anything_written_earlier(backend: Backend) -> None:
    update = OutboxMessage("u1", "chat", "incident.acknowledged", {}, T0, None)
    async with backend.new_unit() as uow:
        await uow.outbox.add_many([update, message("p1"), OutboxMessage("u2", "chat", "x", {}, T0)])
        await uow.commit()
    async with backend.new_unit() as uow:
        claimed = await uow.outbox.claim(T0, 10, LEASE)
        await uow.commit()
    assert [m.key for m in claimed] == ["p1", "u1", "u2"]


@scenario
async def an_incidents_messages_are_listed_with_their_delivery(backend: Backend) -> None:
    (incident_id,) = await committed(backend, new_incident())
    async with backend.new_unit() as uow:
        page = OutboxMessage("k1", "chat", "page", {"person": "ann"}, T0, incident_id)
        await uow.outbox.add_many([page, message("k2", incident_id=None)])
        (claimed,) = [m for m in await uow.outbox.claim(T0, 10, LEASE) if m.key == "k1"]
        await uow.outbox.failed(claimed.id, T0, "slack page: channel_not_found")
        await uow.commit()
    async with backend.new_unit() as uow:
        (status,) = await uow.outbox.for_incident(incident_id or 0)
    assert (status.kind, status.person, status.status, status.attempts, status.error) == (
        "page",
        "ann",
        "failed",
        1,
        "slack page: channel_not_found",
    )


@scenario
async def alerts_of_recently_resolved_incidents_are_counted(backend: Backend) -> None:
    (incident_id,) = await committed(backend, new_incident())
    assert incident_id is not None
    alerts = [alert("a"), alert("b")]
    async with backend.new_unit() as uow:
        await uow.incidents.upsert_alerts(incident_id, "alertmanager", alerts, T0)
        assert await uow.incidents.resolved_alerts("alertmanager", alerts, T0) == 0  # open
        resolved = IncidentState(status="resolved", resolved_at=T0 + MIN, resolved_by="x")
        await uow.incidents.save_state(incident_id, resolved)
        await uow.commit()
    async with backend.new_unit() as uow:
        incidents = uow.incidents
        assert await incidents.resolved_alerts("alertmanager", alerts, T0) == 2
        assert await incidents.resolved_alerts("alertmanager", [alert("a"), alert("c")], T0) == 1
        restarted = [alert("a", starts=T0 + 2 * MIN)]
        assert await incidents.resolved_alerts("alertmanager", restarted, T0) == 0
        assert await incidents.resolved_alerts("alertmanager", alerts, T0 + 2 * MIN) == 0
        assert await incidents.resolved_alerts("generic", alerts, T0) == 0


@scenario
async def chat_identities_are_remembered_replaced_and_forgotten(backend: Backend) -> None:
    from core.chat.ports import ChatIdentity

    first = ChatIdentity("slack", "bob", "U0BOB", "bob@example.com", T0)
    async with backend.new_unit() as uow:
        await uow.identities.remember(first)
        await uow.identities.remember(ChatIdentity("teams", "bob", "29:bob", None, T0))
        await uow.commit()
    async with backend.new_unit() as uow:
        assert await uow.identities.by_person("slack", "bob") == first
        assert await uow.identities.by_external("slack", "U0BOB") == [first]
        assert await uow.identities.by_external("slack", "29:bob") == []
        moved = ChatIdentity("slack", "bob", "U0NEW", "robert@example.com", T0 + MIN)
        await uow.identities.remember(moved)
        await uow.commit()
    async with backend.new_unit() as uow:
        assert await uow.identities.by_person("slack", "bob") == moved
        assert await uow.identities.by_external("slack", "U0BOB") == []
        await uow.identities.forget("slack", "bob")
        await uow.commit()
    async with backend.new_unit() as uow:
        assert await uow.identities.by_person("slack", "bob") is None
        assert (await uow.identities.by_person("teams", "bob")) is not None


@scenario
async def card_copies_are_one_per_channel_and_versions_only_grow(backend: Backend) -> None:
    (incident_id,) = await committed(backend, new_incident())
    assert incident_id is not None

    async def add(channel: str, ts: str, kind: str = "channel") -> bool:
        async with backend.new_unit() as uow:
            added = await uow.cards.add(
                incident_id=incident_id,
                platform="slack",
                channel=channel,
                message_id=ts,
                kind=kind,
                person_id=None,
                rendered_event=3,
                now=T0,
            )
            await uow.commit()
            return added

    assert await add("C0OPS", "1.1")
    assert not await add("C0OPS", "9.9")  # a second post to one channel is refused
    assert await add("D0ANN", "1.2", "dm")
    async with backend.new_unit() as uow:
        copies = await uow.cards.copies(incident_id, "slack")
        assert [(c.channel, c.message_id, c.kind, c.rendered_event) for c in copies] == [
            ("C0OPS", "1.1", "channel", 3),
            ("D0ANN", "1.2", "dm", 3),
        ]
        assert await uow.cards.copies(incident_id, "teams") == []
        assert [c.channel for c in await uow.cards.in_message("slack", "C0OPS", "1.1")] == ["C0OPS"]
        await uow.cards.rendered(copies[0].id, 5, T0 + MIN)
        await uow.cards.rendered(copies[1].id, 2, T0 + MIN)  # never lowered
        await uow.cards.drop(copies[1].id)
        await uow.commit()
    async with backend.new_unit() as uow:
        (left,) = await uow.cards.copies(incident_id, "slack")
        assert (left.channel, left.rendered_event) == ("C0OPS", 5)


# Teams conversation references (the scenarios are in their own module) ------------------

SCENARIOS.extend(CONVERSATION_SCENARIOS)
