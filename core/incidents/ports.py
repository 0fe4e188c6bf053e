"""Records and repository interfaces of the alert path; ``storage/`` implements them."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from core.incidents.lifecycle import IncidentState


@dataclass(frozen=True)
class NewAlert:
    """One alert as a source sent it. ``fingerprint`` and ``starts_at`` identify it."""

    fingerprint: str
    status: str  # "firing" or "resolved"
    starts_at: datetime
    ends_at: datetime | None = None
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    generator_url: str | None = None


@dataclass(frozen=True)
class AlertBatch:
    """What one delivery says: a group of alerts under one deduplication key.

    ``status`` is the group's: ``resolved`` when every alert in it resolved.
    """

    source: str
    key: str
    status: str
    title: str
    labels: dict[str, str]
    annotations: dict[str, str] = field(default_factory=dict)
    alerts: tuple[NewAlert, ...] = ()
    links: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class NewIncident:
    source: str
    dedup_key: str
    title: str
    service_id: str
    team_id: str | None
    policy_id: str | None
    severity: str
    state: IncidentState
    opened_at: datetime
    labels: dict[str, str]
    annotations: dict[str, str]
    links: dict[str, str]


@dataclass(frozen=True)
class IncidentRecord(NewIncident):
    id: int = 0
    alert_count: int = 0


@dataclass(frozen=True)
class PendingStep:
    """An escalation (``escalate``) or a snooze end (``snooze_end``) due at ``due_at``."""

    id: int
    incident_id: int
    kind: str
    due_at: datetime
    tier: int
    cycle: int


@dataclass(frozen=True)
class OutboxMessage:
    """A message to deliver at least once; ``key`` makes a second write of it a no-op."""

    key: str
    destination: str
    kind: str
    payload: dict[str, Any]
    created_at: datetime
    incident_id: int | None = None


@dataclass(frozen=True)
class ClaimedMessage:
    id: int
    key: str
    destination: str
    kind: str
    payload: dict[str, Any]
    attempts: int
    incident_id: int | None


@dataclass(frozen=True)
class MessageStatus:
    """Where one outbox message of an incident stands (``oncall incidents ID``)."""

    kind: str
    destination: str
    status: str  # "pending", "sent" or "failed"
    attempts: int
    created_at: datetime
    sent_at: datetime | None
    error: str | None
    person: str | None = None  # the paged person, for pages


class IncidentRepository(Protocol):
    async def open_for(self, source: str, key: str) -> IncidentRecord | None:
        """The open (not resolved) incident of this deduplication key, if any."""
        ...

    async def get(self, incident_id: int, *, for_update: bool = False) -> IncidentRecord | None:
        """The incident; ``for_update``: locked until the unit of work ends, so two people
        (or a person and an escalation) acting at once take turns on it (PostgreSQL
        ``FOR UPDATE``; SQLite's writers take turns anyway)."""
        ...

    async def create(self, incident: NewIncident) -> int | None:
        """Insert; None when an open incident of the same key exists (another writer won)."""
        ...

    async def save_state(self, incident_id: int, state: IncidentState) -> None: ...

    async def resolved_alerts(
        self, source: str, alerts: Sequence[NewAlert], since: datetime
    ) -> int:
        """How many distinct ``alerts`` (fingerprint and start) are stored with incidents
        resolved at or after ``since``: a delivery made only of those is a stale repeat."""
        ...

    async def upsert_alerts(
        self, incident_id: int, source: str, alerts: Sequence[NewAlert], now: datetime
    ) -> int:
        """Insert new alerts, update known ones; returns how many were new."""
        ...

    async def add_event(
        self, incident_id: int, at: datetime, kind: str, actor: str | None, detail: dict[str, Any]
    ) -> int: ...

    async def events(
        self, incident_id: int
    ) -> list[tuple[datetime, str, str | None, dict[str, Any]]]: ...

    async def events_between(
        self, start: datetime, end: datetime, kinds: Sequence[str] | None = None
    ) -> list[tuple[int, datetime, str, str | None, dict[str, Any]]]:
        """Timeline events of every incident with ``start <= at < end`` (only these
        ``kinds``, or any) as ``(incident_id, at, kind, actor, detail)``, oldest first (events
        of one instant in the order written). Read-only."""
        ...

    async def schedule_step(
        self, incident_id: int, kind: str, due_at: datetime, tier: int, cycle: int, now: datetime
    ) -> None:
        """Add a pending step, cancelling pending steps of the same kind."""
        ...

    async def cancel_steps(self, incident_id: int, now: datetime) -> None: ...

    async def claim_due(self, now: datetime, limit: int, worker: str) -> list[PendingStep]:
        """Mark up to ``limit`` due steps done by ``worker`` and return them.

        Two workers never claim the same step; the claim is undone if the transaction is.
        """
        ...

    async def listing(
        self,
        include_resolved: bool = True,
        limit: int = 50,
        *,
        statuses: Collection[str] | None = None,
        before_id: int | None = None,
    ) -> list[IncidentRecord]:
        """At most ``limit`` incidents, newest (highest id) first, filtered and limited by the
        store itself (a page costs ``limit`` rows however many incidents exist).

        Which: those whose status is in ``statuses``; without ``statuses``, every incident
        (``include_resolved``) or the open ones. ``before_id``: only ids below it, the cursor
        of the next page (pass the last id of a page). An empty ``statuses`` or a ``limit``
        below 1 gives nothing. Ids grow as incidents open, so this is also opening order
        (incidents opened in the same instant: the later id first)."""
        ...


class OutboxRepository(Protocol):
    async def add(self, message: OutboxMessage) -> bool:
        """Write the message; False when one with the same key exists already."""
        ...

    async def add_many(self, messages: Sequence[OutboxMessage]) -> int:
        """Write the messages (one statement); how many were new (keys not seen before)."""
        ...

    async def known_keys(self, keys: Sequence[str]) -> set[str]:
        """Which of ``keys`` some message has already (so a reader can skip writing them)."""
        ...

    async def claim(self, now: datetime, limit: int, lease: timedelta) -> list[ClaimedMessage]:
        """Ready messages, leased to this caller for ``lease``; attempts counted."""
        ...

    async def sent(self, message_id: int, now: datetime) -> None: ...

    async def retry(self, message_id: int, at: datetime, error: str) -> None: ...

    async def defer(self, message_id: int, at: datetime) -> None:
        """Put a claimed message back until ``at`` without counting the attempt (rate limits)."""
        ...

    async def failed(self, message_id: int, now: datetime, error: str) -> None: ...

    async def for_incident(self, incident_id: int) -> list[MessageStatus]:
        """Every message of the incident, in the order written."""
        ...


class InboxRepository(Protocol):
    async def add_many(self, rows: Sequence[tuple[str, datetime, dict[str, Any]]]) -> list[int]:
        """Store deliveries ``(source, received_at, batch JSON)``; returns their ids in order."""
        ...

    async def pending(self, limit: int) -> list[Any]:
        """The oldest unprocessed deliveries (``PendingDelivery``), in order."""
        ...

    async def done(
        self, delivery_id: int, now: datetime, incident_id: int | None, action: str
    ) -> None:
        """Mark a delivery processed (in the transaction that processed it)."""
        ...

    async def attempt_failed(self, delivery_id: int, error: str, give_up: bool) -> None:
        """Count a failed attempt; ``give_up`` marks it failed for good."""
        ...
