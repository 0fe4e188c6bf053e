"""The small interfaces core use cases are written against; ``storage/`` implements them.

A unit of work is one transaction: use cases enter it, read and write through its
repositories, and call ``commit``; leaving it without a commit rolls everything back.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol

from core.chat.ports import CardCopyRepository, ChatIdentityRepository, ConversationRefRepository
from core.chat.posted import PostedMessageRepository
from core.config.model import Configuration
from core.heartbeats.ports import HeartbeatRepository
from core.incidents.ports import InboxRepository, IncidentRepository, OutboxRepository
from core.maintenance.ports import MaintenanceRepository
from core.metrics.ports import MetricsRepository
from core.oncall.ports import GapWarningRepository
from core.reviews.ports import ReviewRepository
from core.tickets.ports import TicketRepository


class Clock(Protocol):
    """The only way core learns the time: adapters pass ``clock.now()`` down."""

    def now(self) -> datetime:
        """The current instant, timezone-aware."""
        ...


@dataclass(frozen=True)
class AuditEntry:
    """One line of the append-only audit log: who did what to which subject, when."""

    at: datetime
    actor: str
    action: str
    subject: str
    detail: dict[str, Any] = field(default_factory=dict)


class ConfigRepository(Protocol):
    """The configuration as the database holds it."""

    async def load(self) -> Configuration | None:
        """The stored configuration; None when none was ever applied."""
        ...

    async def save(self, config: Configuration, *, at: datetime, actor: str, source: str) -> int:
        """Make the stored configuration equal ``config``; record a revision; return its id."""
        ...


class AuditLog(Protocol):
    """Append-only: entries are never changed or removed."""

    async def append(self, entry: AuditEntry) -> None:
        """Add ``entry``."""
        ...

    async def between(
        self, start: datetime, end: datetime, actions: Collection[str] | None = None
    ) -> list[AuditEntry]:
        """Entries with ``start <= at < end`` (only these ``actions``, or any), oldest first
        (entries of one instant in the order written)."""
        ...


@dataclass(frozen=True)
class StoredOverride:
    """An override or one half of an accepted swap, as stored."""

    id: int
    schedule_id: str
    person_id: str
    start: datetime
    end: datetime
    source: str  # "override" or "swap"
    created_at: datetime
    created_by: str
    reason: str | None = None
    swap_id: int | None = None


@dataclass(frozen=True)
class StoredTimeOff:
    """Time off as stored."""

    id: int
    person_id: str
    start: datetime
    end: datetime
    created_at: datetime
    created_by: str
    reason: str | None = None


@dataclass(frozen=True)
class SwapRequest:
    """``requester`` gives ``give`` to ``counterpart`` and takes ``take`` in return.

    Both must agree: the requester by asking, the counterpart by accepting. ``take`` may be
    None for a one-way hand-off (the counterpart covers ``give`` and asks nothing back).
    """

    id: int
    schedule_id: str
    requester: str
    counterpart: str
    give_start: datetime
    give_end: datetime
    take_start: datetime | None
    take_end: datetime | None
    status: str  # "pending", "accepted", "declined", "cancelled"
    created_at: datetime
    decided_at: datetime | None = None
    reason: str | None = None  # as the requester gave it, shown to the counterpart


@dataclass(frozen=True)
class Revision:
    """A configuration as applied at ``applied_at``; it holds until the next one."""

    id: int
    applied_at: datetime
    config: Configuration


@dataclass(frozen=True)
class StoredCheckpoint:
    """The fair queue (front first) of one layer just before turn ``turn_index``."""

    revision_id: int
    schedule_id: str
    layer_id: str
    turn_index: int
    turn_start: datetime
    queue: tuple[str, ...]
    computed_at: datetime


class ScheduleStateRepository(Protocol):
    """What the database holds beside the configuration: overrides, time off, swaps, history."""

    async def overrides(
        self, start: datetime, end: datetime, schedule_ids: Collection[str] | None = None
    ) -> list[StoredOverride]:
        """Overrides (not cancelled) that overlap ``[start, end)``, oldest first."""
        ...

    async def add_override(
        self,
        *,
        schedule_id: str,
        person_id: str,
        start: datetime,
        end: datetime,
        created_at: datetime,
        created_by: str,
        reason: str | None = None,
        source: str = "override",
        swap_id: int | None = None,
    ) -> int:
        """Store an override; returns its id (ids grow with creation: the newest wins)."""
        ...

    async def time_off(
        self, start: datetime, end: datetime, person_ids: Collection[str] | None = None
    ) -> list[StoredTimeOff]:
        """Time off (not cancelled) that overlaps ``[start, end)``."""
        ...

    async def add_time_off(
        self,
        *,
        person_id: str,
        start: datetime,
        end: datetime,
        created_at: datetime,
        created_by: str,
        reason: str | None = None,
    ) -> int:
        """Store time off; returns its id."""
        ...

    async def add_swap(self, swap: SwapRequest) -> int:
        """Store a new swap request (its ``id`` is ignored); returns the id."""
        ...

    async def swap(self, swap_id: int) -> SwapRequest | None:
        """The swap request, or None."""
        ...

    async def set_swap_status(self, swap_id: int, status: str, decided_at: datetime) -> None:
        """Record the counterpart's decision or the requester's cancellation."""
        ...

    async def revisions(self, start: datetime, end: datetime) -> list[Revision]:
        """The revisions in force at some instant of ``[start, end)``, oldest first."""
        ...

    async def checkpoints(self, revision_ids: Collection[int]) -> list[StoredCheckpoint]:
        """Stored fair-queue checkpoints of these revisions."""
        ...

    async def save_checkpoint(self, checkpoint: StoredCheckpoint) -> None:
        """Store (or replace) the checkpoint of its revision, schedule and layer."""
        ...

    async def drop_checkpoints_after(self, moment: datetime) -> int:
        """Forget checkpoints of turns that start after ``moment``; returns how many."""
        ...


class FeedRepository(Protocol):
    """The secret tokens of iCalendar feeds: one per feed, a feed being ``kind`` ("schedule" or
    "person") and ``subject`` (its id). Replacing a token revokes every URL that carried it."""

    async def token_for(
        self, kind: str, subject: str, *, now: datetime, rotate: bool = False
    ) -> str:
        """The feed's token, made on first use; ``rotate`` replaces it. ``ValueError`` for an
        unknown kind. The subject is not checked: callers check it against the configuration."""
        ...

    async def feed_of(self, token: str) -> tuple[str, str] | None:
        """``(kind, subject)`` of the feed whose token is ``token``; None for an unknown one."""
        ...


class UnitOfWork(Protocol):
    """One transaction over every repository."""

    config: ConfigRepository
    audit: AuditLog
    schedules: ScheduleStateRepository
    incidents: IncidentRepository
    outbox: OutboxRepository
    inbox: InboxRepository
    identities: ChatIdentityRepository
    cards: CardCopyRepository
    conversations: ConversationRefRepository
    feeds: FeedRepository
    gap_warnings: GapWarningRepository
    posted: PostedMessageRepository
    heartbeats: HeartbeatRepository
    maintenance: MaintenanceRepository
    tickets: TicketRepository
    reviews: ReviewRepository
    metrics: MetricsRepository

    async def __aenter__(self) -> UnitOfWork: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None:
        """Make every write of this unit durable."""
        ...
