"""The SQL unit of work: one session, one transaction, every repository on it."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Collection
from datetime import datetime
from types import TracebackType
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.ports import AuditEntry
from storage.blocking import BlockingSessions
from storage.chat_repo import SqlCardCopies, SqlChatIdentities
from storage.config_repo import SqlConfigRepository
from storage.conversation_repo import SqlConversationRefs
from storage.engine import WRITE_INTENT
from storage.feed_repo import SqlFeedTokens
from storage.gap_repo import SqlGapWarnings
from storage.heartbeat_repo import SqlHeartbeats
from storage.inbox_repo import SqlInbox
from storage.incident_repo import SqlIncidentRepository
from storage.maintenance_repo import SqlMaintenance
from storage.metrics_repo import SqlMetrics
from storage.outbox_repo import SqlOutbox
from storage.posted import SqlPostedMessages
from storage.review_repo import SqlReviews
from storage.schedule_repo import SqlScheduleStateRepository
from storage.tables import AuditRow
from storage.ticket_repo import SqlTickets
from storage.write_priority import WritePriority


class SqlAuditLog:
    """Implements :class:`core.ports.AuditLog`: inserts only."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def append(self, entry: AuditEntry) -> None:
        """Add ``entry`` to the log (written when the unit commits)."""
        self._session.add(
            AuditRow(
                at=entry.at,
                actor=entry.actor,
                action=entry.action,
                subject=entry.subject,
                detail=entry.detail,
            )
        )

    async def between(
        self, start: datetime, end: datetime, actions: Collection[str] | None = None
    ) -> list[AuditEntry]:
        """See the port: ``start <= at < end``, in time order then in the order written."""
        from sqlalchemy import select

        query = select(AuditRow).where(AuditRow.at >= start, AuditRow.at < end)  # type: ignore[arg-type]
        if actions is not None:
            query = query.where(AuditRow.action.in_(list(actions)))  # type: ignore[attr-defined]
        query = query.order_by(AuditRow.at, AuditRow.id)  # type: ignore[arg-type]
        rows = (await self._session.execute(query)).scalars().all()
        return [AuditEntry(r.at, r.actor, r.action, r.subject, dict(r.detail)) for r in rows]


class SqlUnitOfWork:
    """Implements :class:`core.ports.UnitOfWork`; leaving without ``commit`` rolls back."""

    config: SqlConfigRepository
    audit: SqlAuditLog
    schedules: SqlScheduleStateRepository
    incidents: SqlIncidentRepository
    outbox: SqlOutbox
    inbox: SqlInbox
    identities: SqlChatIdentities
    cards: SqlCardCopies
    conversations: SqlConversationRefs
    feeds: SqlFeedTokens
    gap_warnings: SqlGapWarnings
    posted: SqlPostedMessages
    tickets: SqlTickets
    reviews: SqlReviews
    metrics: SqlMetrics
    heartbeats: SqlHeartbeats
    maintenance: SqlMaintenance

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession] | BlockingSessions,
        *,
        write: bool = True,
        priority: WritePriority | None = None,
    ) -> None:
        """``write=False`` for a unit that only reads: on SQLite it neither queues behind
        writers nor takes the write lock (WAL readers see the last committed state).

        ``priority`` (the alert endpoint's units on SQLite): claim it while waiting for the
        write lock and holding it, so the worker process gives way (storage.write_priority).
        """
        self._sessions = sessions
        self._write = write
        self._priority = priority if write else None
        self._session: AsyncSession | None = None
        self._lock: asyncio.Lock | None = None

    async def __aenter__(self) -> SqlUnitOfWork:
        lock = _writer_lock(self._sessions) if self._write else None
        if lock is not None:
            await lock.acquire()
            self._lock = lock
        try:
            if self._priority is not None:
                self._priority.claim()
            self._session = self._sessions()  # type: ignore[assignment]
            if lock is not None:
                await self._session.connection(execution_options={WRITE_INTENT: True})
        except BaseException:
            await self._release()
            raise
        self.config = SqlConfigRepository(self._session)
        self.audit = SqlAuditLog(self._session)
        self.schedules = SqlScheduleStateRepository(self._session)
        self.incidents = SqlIncidentRepository(self._session)
        self.outbox = SqlOutbox(self._session)
        self.inbox = SqlInbox(self._session)
        self.identities = SqlChatIdentities(self._session)
        self.cards = SqlCardCopies(self._session)
        self.conversations = SqlConversationRefs(self._session)
        self.feeds = SqlFeedTokens(self._session)
        self.gap_warnings = SqlGapWarnings(self._session)
        self.posted = SqlPostedMessages(self._session)
        self.tickets = SqlTickets(self._session)
        self.reviews = SqlReviews(self._session)
        self.metrics = SqlMetrics(self._session)
        self.heartbeats = SqlHeartbeats(self._session)
        self.maintenance = SqlMaintenance(self._session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._session is not None
        try:
            await self._session.rollback()
        finally:
            await self._release()

    async def _release(self) -> None:
        """Close the session, drop the intake claim, free the writer lock: each even when
        an earlier step raised, so no later unit of this process waits for ever."""
        session, self._session = self._session, None
        try:
            if session is not None:
                await session.close()
        finally:
            try:
                if self._priority is not None:
                    self._priority.release()
            finally:
                if self._lock is not None:
                    self._lock.release()
                    self._lock = None

    @property
    def session(self) -> AsyncSession:
        """The entered unit's session, for read-only aggregate queries no repository offers
        (:mod:`storage.metrics_queries`): write through the repositories, never through this.
        ``RuntimeError`` outside ``async with``."""
        if self._session is None:
            raise RuntimeError("the unit of work is not entered")
        return self._session

    async def commit(self) -> None:
        """Commit the transaction."""
        assert self._session is not None
        await self._session.commit()


_WRITER_LOCKS: weakref.WeakKeyDictionary[Any, asyncio.Lock] = weakref.WeakKeyDictionary()


def _writer_lock(
    sessions: async_sessionmaker[AsyncSession] | BlockingSessions,
) -> asyncio.Lock | None:
    """One lock per SQLite engine in this process: SQLite has one writer at a time, and units
    of work waiting on each other in the event loop cost nothing, where waiting inside the
    driver's threads costs a busy-timeout and, past it, a failed request."""
    if isinstance(sessions, BlockingSessions):
        key: Any = sessions.engine
    else:
        engine = sessions.kw.get("bind")
        if engine is None or engine.dialect.name != "sqlite":
            return None
        key = engine.sync_engine
    lock = _WRITER_LOCKS.get(key)
    if lock is None:
        lock = _WRITER_LOCKS[key] = asyncio.Lock()
    return lock


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded rows usable after commit."""
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
