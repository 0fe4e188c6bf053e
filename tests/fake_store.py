"""The in-memory database of the fakes: its rows, the :class:`Store`, and how columns keep
values (UTC instants, JSON).

The alert path's tables (incidents, alerts, timeline, pending steps, outbox, inbox) follow
``storage/incident_repo.py``, ``storage/outbox_repo.py`` and ``storage/inbox_repo.py``:
ids count from 1 per table and only grow (PostgreSQL also spends one on an insert that
conflicted, so compare ids by order), instants are stored in UTC (a naive one is refused), JSON
columns keep only what JSON can hold, and a row of the timeline, alerts or steps needs its
incident (foreign keys). ``tests/integration/test_repository_contract.py`` runs the same scenarios on
these and on SQL, so the two cannot drift apart.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from core.chat.ports import CardCopy, ChatIdentity, ConversationRef
from core.heartbeats.ports import HeartbeatState
from core.incidents.ports import IncidentRecord
from core.metrics.ports import IncidentMetrics, RestGrant
from core.oncall.ports import GapWarning
from core.ports import (
    AuditEntry,
    Revision,
    StoredCheckpoint,
    StoredOverride,
    StoredTimeOff,
    SwapRequest,
)
from core.reviews.ports import StoredReview
from core.tickets.ports import TicketComment, TicketRecord

if TYPE_CHECKING:
    from tests.fake_maintenance import MaintenanceData


class FakeIntegrityError(Exception):
    """What the database would refuse: a row whose incident does not exist."""


def instant(value: datetime) -> datetime:
    """As a UTC column stores it: in UTC; a naive value is refused (storage.types)."""
    if value.tzinfo is None:
        raise ValueError("naive datetime written to a UTC column")
    return value.astimezone(UTC)


def maybe_instant(value: datetime | None) -> datetime | None:
    """:func:`instant` of a value that may be ``None``."""
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
    conversations: dict[str, ConversationRef] = field(default_factory=dict)  # first seen first
    gap_warnings: dict[tuple[str, datetime], GapWarning] = field(default_factory=dict)
    tickets: dict[int, TicketRecord] = field(default_factory=dict)  # by incident id
    ticket_comments: list[TicketComment] = field(default_factory=list)
    reviews: dict[int, StoredReview] = field(default_factory=dict)
    metrics: dict[int, IncidentMetrics] = field(default_factory=dict)
    rest_decisions: dict[tuple[str, datetime], RestGrant] = field(default_factory=dict)
    heartbeats: dict[str, HeartbeatState] = field(default_factory=dict)
    maintenance: MaintenanceData = field(default_factory=lambda: _maintenance_data())
    next_id: int = 1
    row_ids: dict[str, int] = field(default_factory=dict)  # the last id of each alert-path table

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id - 1

    def new_row_id(self, table: str) -> int:
        """The next id of ``table``: each table counts from 1, as a fresh database does."""
        self.row_ids[table] = self.row_ids.get(table, 0) + 1
        return self.row_ids[table]


def _maintenance_data() -> MaintenanceData:
    from tests.fake_maintenance import MaintenanceData

    return MaintenanceData()
