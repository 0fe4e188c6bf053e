"""In-memory implementations of core's ports, for core tests without I/O.

Writes go to a staging copy and become visible to later units only on ``commit``, so a use
case that raises half-way leaves the store as it was, as a database transaction would. Units
are meant to run one after another (as SQLite's one writer makes them): two units open at
once each see the store as it was when they entered, and the last to commit wins.

The alert path's tables (incidents, alerts, timeline, pending steps, outbox, inbox) follow
``storage/incident_repo.py``, ``storage/outbox_repo.py`` and ``storage/inbox_repo.py``:
ids count from 1 per table and only grow (PostgreSQL also spends one on an insert that
conflicted, so compare ids by order), instants are stored in UTC (a naive one is refused), JSON
columns keep only what JSON can hold, and a row of the timeline, alerts or steps needs its
incident (foreign keys). ``tests/integration/test_repository_contract.py`` runs the same scenarios on
these and on SQL, so the two cannot drift apart.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any

from core.chat.ports import CardCopy, ChatIdentity
from core.config.model import Configuration
from core.incidents.inbox import PendingDelivery
from core.incidents.lifecycle import IncidentState
from core.incidents.ports import (
    ClaimedMessage,
    IncidentRecord,
    MessageStatus,
    NewAlert,
    NewIncident,
    OutboxMessage,
    PendingStep,
)
from core.ports import (
    AuditEntry,
    Revision,
    StoredCheckpoint,
    StoredOverride,
    StoredTimeOff,
    SwapRequest,
)
from tests.fake_chat import FakeCardCopies, FakeChatIdentities


class FakeIntegrityError(Exception):
    """What the database would refuse: a row whose incident does not exist."""


def instant(value: datetime) -> datetime:
    """As a UTC column stores it: in UTC; a naive value is refused (storage.types)."""
    if value.tzinfo is None:
        raise ValueError("naive datetime written to a UTC column")
    return value.astimezone(UTC)


def _maybe_instant(value: datetime | None) -> datetime | None:
    return instant(value) if value is not None else None


def as_json(value: Any) -> Any:
    """As a JSON column gives it back (tuples become lists; what JSON cannot hold raises)."""
    return json.loads(json.dumps(value))


@dataclass
class IncidentRow:
    record: IncidentRecord  # ``alert_count`` is counted from the alerts on every read


@dataclass
class AlertRow:
    id: int
    incident_id: int
    source: str
    fingerprint: str
    status: str
    starts_at: datetime
    ends_at: datetime | None
    labels: dict[str, Any]
    annotations: dict[str, Any]
    generator_url: str | None
    first_seen_at: datetime
    last_seen_at: datetime


@dataclass
class EventRow:
    id: int
    incident_id: int
    at: datetime
    kind: str
    actor: str | None
    detail: dict[str, Any]


@dataclass
class StepRow:
    id: int
    incident_id: int
    kind: str
    due_at: datetime
    tier: int
    cycle: int
    created_at: datetime
    done_at: datetime | None = None
    done_by: str | None = None
    outcome: str | None = None  # "fired", "replaced", "cancelled"


@dataclass
class OutboxRow:
    """A message as the outbox table holds it (the attributes of OutboxMessage and more)."""

    id: int
    key: str
    destination: str
    kind: str
    payload: dict[str, Any]
    created_at: datetime
    incident_id: int | None
    next_attempt_at: datetime
    status: str = "pending"  # pending, sent, failed
    attempts: int = 0
    lease_until: datetime | None = None
    sent_at: datetime | None = None
    last_error: str | None = None


@dataclass
class InboxRow:
    id: int
    source: str
    received_at: datetime
    batch: dict[str, Any]
    status: str = "pending"  # pending, done, failed
    attempts: int = 0
    processed_at: datetime | None = None
    incident_id: int | None = None
    action: str | None = None
    error: str | None = None


@dataclass
class Store:
    """Everything the fake database holds."""

    revisions: list[Revision] = field(default_factory=list)
    overrides: list[StoredOverride] = field(default_factory=list)
    time_off: list[StoredTimeOff] = field(default_factory=list)
    swaps: dict[int, SwapRequest] = field(default_factory=dict)
    checkpoints: dict[tuple[int, str, str], StoredCheckpoint] = field(default_factory=dict)
    outbox: dict[str, OutboxRow] = field(default_factory=dict)  # by key, in id order
    audit: list[AuditEntry] = field(default_factory=list)
    incidents: dict[int, IncidentRow] = field(default_factory=dict)
    alerts: list[AlertRow] = field(default_factory=list)
    events: list[EventRow] = field(default_factory=list)
    steps: list[StepRow] = field(default_factory=list)
    inbox: dict[int, InboxRow] = field(default_factory=dict)
    identities: dict[tuple[str, str], ChatIdentity] = field(default_factory=dict)
    cards: list[CardCopy] = field(default_factory=list)
    next_id: int = 1
    row_ids: dict[str, int] = field(default_factory=dict)  # the last id of each alert-path table

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id - 1

    def new_row_id(self, table: str) -> int:
        """The next id of ``table``: each table counts from 1, as a fresh database does."""
        self.row_ids[table] = self.row_ids.get(table, 0) + 1
        return self.row_ids[table]


class FakeConfigRepository:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def load(self) -> Configuration | None:
        return self._store.revisions[-1].config if self._store.revisions else None

    async def save(self, config: Configuration, *, at: datetime, actor: str, source: str) -> int:
        revision = Revision(id=self._store.new_id(), applied_at=at, config=config)
        self._store.revisions.append(revision)
        return revision.id


class FakeAuditLog:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def append(self, entry: AuditEntry) -> None:
        self._store.audit.append(entry)


class FakeScheduleState:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def overrides(
        self, start: datetime, end: datetime, schedule_ids: Collection[str] | None = None
    ) -> list[StoredOverride]:
        return [
            o
            for o in self._store.overrides
            if o.start < end
            and o.end > start
            and (schedule_ids is None or o.schedule_id in schedule_ids)
        ]

    async def add_override(self, *, source: str = "override", **fields: object) -> int:
        new_id = self._store.new_id()
        self._store.overrides.append(StoredOverride(id=new_id, source=source, **fields))  # type: ignore[arg-type]
        return new_id

    async def time_off(
        self, start: datetime, end: datetime, person_ids: Collection[str] | None = None
    ) -> list[StoredTimeOff]:
        return [
            t
            for t in self._store.time_off
            if t.start < end and t.end > start and (person_ids is None or t.person_id in person_ids)
        ]

    async def add_time_off(self, **fields: object) -> int:
        new_id = self._store.new_id()
        self._store.time_off.append(StoredTimeOff(id=new_id, **fields))  # type: ignore[arg-type]
        return new_id

    async def add_swap(self, swap: SwapRequest) -> int:
        new_id = self._store.new_id()
        self._store.swaps[new_id] = replace(swap, id=new_id)
        return new_id

    async def swap(self, swap_id: int) -> SwapRequest | None:
        return self._store.swaps.get(swap_id)

    async def set_swap_status(self, swap_id: int, status: str, decided_at: datetime) -> None:
        self._store.swaps[swap_id] = replace(
            self._store.swaps[swap_id], status=status, decided_at=decided_at
        )

    async def revisions(self, start: datetime, end: datetime) -> list[Revision]:
        revisions = self._store.revisions
        if not revisions:
            return []
        first = max((i for i, r in enumerate(revisions) if r.applied_at <= start), default=0)
        return [
            r for i, r in enumerate(revisions) if i == first or (i > first and r.applied_at < end)
        ]

    async def checkpoints(self, revision_ids: Collection[int]) -> list[StoredCheckpoint]:
        return [c for c in self._store.checkpoints.values() if c.revision_id in revision_ids]

    async def save_checkpoint(self, checkpoint: StoredCheckpoint) -> None:
        key = (checkpoint.revision_id, checkpoint.schedule_id, checkpoint.layer_id)
        self._store.checkpoints[key] = checkpoint

    async def drop_checkpoints_after(self, moment: datetime) -> int:
        doomed = [k for k, c in self._store.checkpoints.items() if c.turn_start > moment]
        for key in doomed:
            del self._store.checkpoints[key]
        return len(doomed)


class FakeIncidents:
    """Implements :class:`core.incidents.ports.IncidentRepository` like SqlIncidentRepository."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def _read(self, row: IncidentRow) -> IncidentRecord:
        count = sum(1 for a in self._store.alerts if a.incident_id == row.record.id)
        return replace(copy.deepcopy(row.record), alert_count=count)

    def _need(self, incident_id: int) -> None:
        if incident_id not in self._store.incidents:
            raise FakeIntegrityError(f"no incident {incident_id} (foreign key)")

    async def open_for(self, source: str, key: str) -> IncidentRecord | None:
        for row in self._store.incidents.values():
            r = row.record
            if (r.source, r.dedup_key) == (source, key) and r.state.status != "resolved":
                return self._read(row)
        return None

    async def get(self, incident_id: int) -> IncidentRecord | None:
        row = self._store.incidents.get(incident_id)
        return self._read(row) if row is not None else None

    async def create(self, incident: NewIncident) -> int | None:
        """None when an open incident of the key exists (the partial unique index)."""
        if incident.state.status != "resolved" and await self.open_for(
            incident.source, incident.dedup_key
        ):
            return None
        new_id = self._store.new_row_id("incidents")
        record = IncidentRecord(
            **{
                **{name: getattr(incident, name) for name in NewIncident.__dataclass_fields__},
                "state": _stored_state(incident.state),
                "opened_at": instant(incident.opened_at),
                "labels": as_json(incident.labels),
                "annotations": as_json(incident.annotations),
                "links": as_json(incident.links),
            },
            id=new_id,
        )
        self._store.incidents[new_id] = IncidentRow(record)
        return new_id

    async def save_state(self, incident_id: int, state: IncidentState) -> None:
        row = self._store.incidents.get(incident_id)
        if row is not None:
            row.record = replace(row.record, state=_stored_state(state))

    async def resolved_alerts(
        self, source: str, alerts: Sequence[NewAlert], since: datetime
    ) -> int:
        def recent(incident_id: int) -> bool:
            state = self._store.incidents[incident_id].record.state
            return (
                state.status == "resolved"
                and state.resolved_at is not None
                and (instant(state.resolved_at) >= instant(since))
            )

        resolved = {
            (a.fingerprint, a.starts_at)
            for a in self._store.alerts
            if a.source == source
            and a.incident_id in self._store.incidents
            and recent(a.incident_id)
        }
        return len({(a.fingerprint, instant(a.starts_at)) for a in alerts} & resolved)

    async def upsert_alerts(
        self, incident_id: int, source: str, alerts: Sequence[NewAlert], now: datetime
    ) -> int:
        """Known alerts are found by (source, fingerprint, starts_at) whatever their incident;
        new ones are inserted (the last of a repeated identity wins); known ones updated only
        where status or ends_at changed. Returns how many were new."""
        if not alerts:
            return 0
        now = instant(now)
        known = {
            (a.fingerprint, a.starts_at): a
            for a in self._store.alerts
            if a.source == source and a.fingerprint in {x.fingerprint for x in alerts}
        }
        seen = {key: (a.status, a.ends_at) for key, a in known.items()}
        fresh: dict[tuple[str, datetime], NewAlert] = {}
        for alert in alerts:
            identity = (alert.fingerprint, instant(alert.starts_at))
            if identity not in known:
                fresh[identity] = alert
        if fresh:
            self._need(incident_id)
        for (fingerprint, starts_at), alert in fresh.items():
            self._store.alerts.append(
                AlertRow(
                    id=self._store.new_row_id("alerts"),
                    incident_id=incident_id,
                    source=source,
                    fingerprint=fingerprint,
                    status=alert.status,
                    starts_at=starts_at,
                    ends_at=_maybe_instant(alert.ends_at),
                    labels=as_json(alert.labels),
                    annotations=as_json(alert.annotations),
                    generator_url=alert.generator_url,
                    first_seen_at=now,
                    last_seen_at=now,
                )
            )
        for alert in alerts:
            identity = (alert.fingerprint, instant(alert.starts_at))
            ends_at = _maybe_instant(alert.ends_at)
            if identity in known and seen[identity] != (alert.status, ends_at):
                row = known[identity]
                row.status, row.ends_at, row.last_seen_at = alert.status, ends_at, now
        return len(fresh)

    async def add_event(
        self, incident_id: int, at: datetime, kind: str, actor: str | None, detail: dict[str, Any]
    ) -> int:
        self._need(incident_id)
        new_id = self._store.new_row_id("incident_events")
        self._store.events.append(
            EventRow(new_id, incident_id, instant(at), kind, actor, as_json(detail))
        )
        return new_id

    async def events(
        self, incident_id: int
    ) -> list[tuple[datetime, str, str | None, dict[str, Any]]]:
        return [
            (e.at, e.kind, e.actor, copy.deepcopy(e.detail))
            for e in self._store.events
            if e.incident_id == incident_id
        ]

    def _finish(self, incident_id: int, kind: str | None, now: datetime, outcome: str) -> None:
        for step in self._store.steps:
            mine = step.incident_id == incident_id and kind in (None, step.kind)
            if mine and step.done_at is None:
                step.done_at, step.outcome = instant(now), outcome

    async def schedule_step(
        self, incident_id: int, kind: str, due_at: datetime, tier: int, cycle: int, now: datetime
    ) -> None:
        self._finish(incident_id, kind, now, "replaced")
        self._need(incident_id)
        new_id = self._store.new_row_id("pending_steps")
        self._store.steps.append(
            StepRow(new_id, incident_id, kind, instant(due_at), tier, cycle, instant(now))
        )

    async def cancel_steps(self, incident_id: int, now: datetime) -> None:
        self._finish(incident_id, None, now, "cancelled")

    async def claim_due(self, now: datetime, limit: int, worker: str) -> list[PendingStep]:
        """Due steps not done, oldest due first (then by id), marked done by ``worker``."""
        now = instant(now)
        due = sorted(
            (s for s in self._store.steps if s.done_at is None and s.due_at <= now),
            key=lambda s: (s.due_at, s.id),
        )[: max(limit, 0)]
        for step in due:
            step.done_at, step.done_by, step.outcome = now, worker, "fired"
        return [PendingStep(s.id, s.incident_id, s.kind, s.due_at, s.tier, s.cycle) for s in due]

    async def listing(self, include_resolved: bool, limit: int) -> list[IncidentRecord]:
        rows = [
            row
            for row in self._store.incidents.values()
            if include_resolved or row.record.state.status != "resolved"
        ]
        rows.sort(key=lambda row: (row.record.opened_at, row.record.id), reverse=True)
        return [self._read(row) for row in rows[: max(limit, 0)]]


def _stored_state(state: IncidentState) -> IncidentState:
    return replace(
        state,
        snoozed_until=_maybe_instant(state.snoozed_until),
        acknowledged_at=_maybe_instant(state.acknowledged_at),
        resolved_at=_maybe_instant(state.resolved_at),
    )


class FakeOutbox:
    """Implements :class:`core.incidents.ports.OutboxRepository` like SqlOutbox: keys are
    unique, a claim leases ready messages and counts the attempt, ``defer`` uncounts it."""

    def __init__(self, store: Store) -> None:
        self._store = store

    async def add(self, message: OutboxMessage) -> bool:
        return await self.add_many([message]) == 1

    async def for_incident(self, incident_id: int) -> list[MessageStatus]:
        return [
            MessageStatus(
                r.kind,
                r.destination,
                r.status,
                r.attempts,
                r.created_at,
                r.sent_at,
                r.last_error,
                r.payload.get("person") if r.kind == "page" else None,
            )
            for r in sorted(self._store.outbox.values(), key=lambda r: r.id)
            if r.incident_id == incident_id
        ]

    async def add_many(self, messages: Sequence[OutboxMessage]) -> int:
        new = 0
        for m in messages:
            if m.key in self._store.outbox:
                continue
            created = instant(m.created_at)
            self._store.outbox[m.key] = OutboxRow(
                id=self._store.new_row_id("outbox"),
                key=m.key,
                destination=m.destination,
                kind=m.kind,
                payload=as_json(m.payload),
                created_at=created,
                incident_id=m.incident_id,
                next_attempt_at=created,
            )
            new += 1
        return new

    def _row(self, message_id: int) -> OutboxRow | None:
        return next((r for r in self._store.outbox.values() if r.id == message_id), None)

    async def claim(self, now: datetime, limit: int, lease: timedelta) -> list[ClaimedMessage]:
        """Pending messages due by ``now`` whose lease (if any) ran out, in id order."""
        now = instant(now)
        ready = [
            r
            for r in sorted(self._store.outbox.values(), key=lambda r: (r.kind != "page", r.id))
            if r.status == "pending"
            and r.next_attempt_at <= now
            and (r.lease_until is None or r.lease_until <= now)
        ][: max(limit, 0)]
        for row in ready:
            row.lease_until, row.attempts = now + lease, row.attempts + 1
        return [
            ClaimedMessage(
                r.id,
                r.key,
                r.destination,
                r.kind,
                copy.deepcopy(r.payload),
                r.attempts,
                r.incident_id,
            )
            for r in ready
        ]

    def _update(self, message_id: int, **values: Any) -> None:
        row = self._row(message_id)
        if row is not None:
            for name, value in values.items():
                setattr(row, name, value)

    async def sent(self, message_id: int, now: datetime) -> None:
        self._update(message_id, status="sent", sent_at=instant(now), lease_until=None)

    async def retry(self, message_id: int, at: datetime, error: str) -> None:
        self._update(
            message_id, next_attempt_at=instant(at), last_error=error[:1000], lease_until=None
        )

    async def defer(self, message_id: int, at: datetime) -> None:
        row = self._row(message_id)
        if row is not None:
            row.next_attempt_at, row.lease_until = instant(at), None
            row.attempts -= 1

    async def failed(self, message_id: int, now: datetime, error: str) -> None:
        self._update(
            message_id, status="failed", last_error=error[:1000], lease_until=None, sent_at=None
        )


class FakeInbox:
    """Implements :class:`core.incidents.ports.InboxRepository` like SqlInbox."""

    def __init__(self, store: Store) -> None:
        self._store = store

    async def add_many(self, rows: Sequence[tuple[str, datetime, dict[str, Any]]]) -> list[int]:
        ids = []
        for source, received_at, batch in rows:
            new_id = self._store.new_row_id("alert_inbox")
            self._store.inbox[new_id] = InboxRow(
                new_id, source, instant(received_at), as_json(batch)
            )
            ids.append(new_id)
        return ids

    async def pending(self, limit: int) -> list[PendingDelivery]:
        rows = [r for r in self._store.inbox.values() if r.status == "pending"][: max(limit, 0)]
        return [
            PendingDelivery(r.id, r.received_at, copy.deepcopy(r.batch), r.attempts) for r in rows
        ]

    async def done(
        self, delivery_id: int, now: datetime, incident_id: int | None, action: str
    ) -> None:
        row = self._store.inbox.get(delivery_id)
        if row is not None:
            row.status, row.processed_at = "done", instant(now)
            row.incident_id, row.action = incident_id, action

    async def attempt_failed(self, delivery_id: int, error: str, give_up: bool) -> None:
        row = self._store.inbox.get(delivery_id)
        if row is not None:
            row.attempts += 1
            row.error = error[:1000]
            row.status = "failed" if give_up else "pending"


class FakeUnitOfWork:
    """A unit of work over a :class:`Store`; leaving it without ``commit`` discards writes."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.commits = 0

    async def __aenter__(self) -> FakeUnitOfWork:
        self._staged = copy.deepcopy(self.store)
        self.config = FakeConfigRepository(self._staged)
        self.audit = FakeAuditLog(self._staged)
        self.schedules = FakeScheduleState(self._staged)
        self.incidents = FakeIncidents(self._staged)
        self.outbox = FakeOutbox(self._staged)
        self.inbox = FakeInbox(self._staged)
        self.identities = FakeChatIdentities(self._staged)
        self.cards = FakeCardCopies(self._staged)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._staged = Store()

    async def commit(self) -> None:
        self.store.__dict__.update(copy.deepcopy(self._staged).__dict__)
        self.commits += 1


class FrozenClock:
    """A clock that says what it is told; ``advance`` moves it on."""

    def __init__(self, now: datetime) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now

    def advance(self, **delta: float) -> None:
        self._now += timedelta(**delta)
