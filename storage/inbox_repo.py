"""The alert inbox over SQL: many deliveries written in one statement, read back in order."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.incidents.inbox import PendingDelivery
from storage.statements import INBOX

_ADD = INBOX.insert().returning(INBOX.c.id, sort_by_parameter_order=True)
_PENDING = (
    select(INBOX.c.id, INBOX.c.received_at, INBOX.c.batch, INBOX.c.attempts)
    .where(INBOX.c.status == "pending")
    .order_by(INBOX.c.id)
    .limit(bindparam("limit"))
)
_BY_ID = INBOX.c.id == bindparam("delivery_id")
_DONE = (
    update(INBOX)
    .where(_BY_ID)
    .values(
        status="done",
        processed_at=bindparam("now"),
        incident_id=bindparam("of_incident"),
        action=bindparam("outcome"),
    )
)
_FAILED = (
    update(INBOX)
    .where(_BY_ID)
    .values(
        attempts=INBOX.c.attempts + 1,
        error=bindparam("reason"),
        status=bindparam("new_status"),
    )
)


class SqlInbox:
    """Implements :class:`core.incidents.ports.InboxRepository`."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add_many(self, rows: Sequence[tuple[str, datetime, dict[str, Any]]]) -> list[int]:
        """Store deliveries ``(source, received_at, batch)``; their ids, in the same order."""
        params = [
            {"source": s, "received_at": at, "batch": b, "status": "pending", "attempts": 0}
            for s, at, b in rows
        ]
        result = await self._session.execute(_ADD, params)
        return [int(i) for i in result.scalars()]

    async def pending(self, limit: int) -> list[PendingDelivery]:
        """The oldest unprocessed deliveries, in the order they were received."""
        rows = (await self._session.execute(_PENDING, {"limit": limit})).all()
        return [PendingDelivery(r.id, r.received_at, r.batch, r.attempts) for r in rows]

    async def done(
        self, delivery_id: int, now: datetime, incident_id: int | None, action: str
    ) -> None:
        params = {"delivery_id": delivery_id, "now": now, "of_incident": incident_id}
        await self._session.execute(_DONE, {**params, "outcome": action})

    async def attempt_failed(self, delivery_id: int, error: str, give_up: bool) -> None:
        status = "failed" if give_up else "pending"
        params = {"delivery_id": delivery_id, "reason": error[:1000], "new_status": status}
        await self._session.execute(_FAILED, params)
