"""The outbox over SQL: messages written with their cause, claimed with a lease, recorded.

Claims: the ready rows are selected, pages first (a page is never behind card updates in the
queue), then in the order written (on PostgreSQL locked with ``FOR UPDATE SKIP LOCKED``, so
two instances never take one row) and leased in one update, which takes only rows still
pending and not leased, and returns what it took.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, case, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.incidents.ports import ClaimedMessage, MessageStatus, OutboxMessage
from storage.statements import OUTBOX, insert_for, per_dialect

_FREE = or_(OUTBOX.c.lease_until.is_(None), OUTBOX.c.lease_until <= bindparam("now"))
_READY = (
    select(OUTBOX)
    .where(OUTBOX.c.status == "pending", OUTBOX.c.next_attempt_at <= bindparam("now"), _FREE)
    .order_by(case((OUTBOX.c.kind == "page", 0), else_=1), OUTBOX.c.id)
    .limit(bindparam("limit"))
)
_LEASE = (
    update(OUTBOX)
    .where(OUTBOX.c.id.in_(bindparam("ids", expanding=True)), OUTBOX.c.status == "pending", _FREE)
    .values(lease_until=bindparam("until"), attempts=OUTBOX.c.attempts + 1)
    .returning(OUTBOX.c.id, OUTBOX.c.attempts)
)
_BY_ID = OUTBOX.c.id == bindparam("message_id")
_SENT = (
    update(OUTBOX).where(_BY_ID).values(status="sent", sent_at=bindparam("now"), lease_until=None)
)
_RETRY = (
    update(OUTBOX)
    .where(_BY_ID)
    .values(next_attempt_at=bindparam("at"), last_error=bindparam("reason"), lease_until=None)
)
_DEFER = (
    update(OUTBOX)
    .where(_BY_ID)
    .values(next_attempt_at=bindparam("at"), lease_until=None, attempts=OUTBOX.c.attempts - 1)
)
_FAILED = (
    update(OUTBOX)
    .where(_BY_ID)
    .values(status="failed", last_error=bindparam("reason"), lease_until=None, sent_at=None)
)


def _add_statement(dialect: str) -> Any:
    """Insert a message; a second write of the same key changes nothing."""
    return (
        insert_for(dialect, OUTBOX)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(OUTBOX.c.id)
    )


def _ready_statement(dialect: str) -> Any:
    return _READY.with_for_update(skip_locked=True) if dialect == "postgresql" else _READY


def _row(message: OutboxMessage) -> dict[str, Any]:
    return {
        "key": message.key,
        "destination": message.destination,
        "kind": message.kind,
        "incident_id": message.incident_id,
        "payload": message.payload,
        "status": "pending",
        "attempts": 0,
        "created_at": message.created_at,
        "next_attempt_at": message.created_at,
    }


class SqlOutbox:
    """Implements :class:`core.incidents.ports.OutboxRepository`."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, message: OutboxMessage) -> bool:
        return await self.add_many([message]) == 1

    async def add_many(self, messages: Sequence[OutboxMessage]) -> int:
        if not messages:
            return 0
        statement = per_dialect(self._session, "add messages", _add_statement)
        result = await self._session.execute(statement, [_row(m) for m in messages])
        return len(result.all())

    async def known_keys(self, keys: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for i in range(0, len(keys), 500):  # well under any dialect's parameter limit
            query = select(OUTBOX.c.key).where(OUTBOX.c.key.in_(list(keys[i : i + 500])))
            found.update(await self._session.scalars(query))
        return found

    async def claim(self, now: datetime, limit: int, lease: timedelta) -> list[ClaimedMessage]:
        ready = per_dialect(self._session, "ready messages", _ready_statement)
        rows = (await self._session.execute(ready, {"now": now, "limit": limit})).all()
        if not rows:
            return []
        params = {"ids": [r.id for r in rows], "now": now, "until": now + lease}
        leased = {r.id: r.attempts for r in await self._session.execute(_LEASE, params)}
        return [
            ClaimedMessage(
                r.id, r.key, r.destination, r.kind, r.payload, leased[r.id], r.incident_id
            )
            for r in rows
            if r.id in leased
        ]

    async def sent(self, message_id: int, now: datetime) -> None:
        await self._session.execute(_SENT, {"message_id": message_id, "now": now})

    async def retry(self, message_id: int, at: datetime, error: str) -> None:
        await self._session.execute(
            _RETRY, {"message_id": message_id, "at": at, "reason": error[:1000]}
        )

    async def defer(self, message_id: int, at: datetime) -> None:
        await self._session.execute(_DEFER, {"message_id": message_id, "at": at})

    async def failed(self, message_id: int, now: datetime, error: str) -> None:
        await self._session.execute(_FAILED, {"message_id": message_id, "reason": error[:1000]})

    async def for_incident(self, incident_id: int) -> list[MessageStatus]:
        query = select(OUTBOX).where(OUTBOX.c.incident_id == incident_id).order_by(OUTBOX.c.id)
        return [
            MessageStatus(
                r.kind,
                r.destination,
                r.status,
                r.attempts,
                r.created_at,
                r.sent_at,
                r.last_error,
                (r.payload or {}).get("person") if r.kind == "page" else None,
            )
            for r in await self._session.execute(query)
        ]
