"""The alert inbox over SQL: many deliveries written in one statement, read back in order."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.incidents.inbox import PendingDelivery
from storage.incident_tables import InboxRow


class SqlInbox:
    """Implements :class:`core.incidents.ports.InboxRepository`."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add_many(self, rows: Sequence[tuple[str, datetime, dict[str, Any]]]) -> list[int]:
        """Store deliveries ``(source, received_at, batch)``; their ids, in the same order."""
        statement = insert(InboxRow).returning(InboxRow.id, sort_by_parameter_order=True)  # type: ignore[arg-type]
        params = [
            {"source": s, "received_at": at, "batch": b, "status": "pending", "attempts": 0}
            for s, at, b in rows
        ]
        result = await self._session.execute(statement, params)
        return [int(i) for i in result.scalars()]

    async def pending(self, limit: int) -> list[PendingDelivery]:
        """The oldest unprocessed deliveries, in the order they were received."""
        query = (
            select(InboxRow.id, InboxRow.received_at, InboxRow.batch, InboxRow.attempts)
            .where(InboxRow.status == "pending")  # type: ignore[arg-type]
            .order_by(InboxRow.id)  # type: ignore[arg-type]
            .limit(limit)
        )
        return [
            PendingDelivery(r.id, r.received_at, r.batch, r.attempts)
            for r in (await self._session.execute(query)).all()
        ]

    async def done(
        self, delivery_id: int, now: datetime, incident_id: int | None, action: str
    ) -> None:
        await self._session.execute(
            update(InboxRow)
            .where(InboxRow.id == delivery_id)  # type: ignore[arg-type]
            .values(status="done", processed_at=now, incident_id=incident_id, action=action)
            .execution_options(synchronize_session=False)
        )

    async def attempt_failed(self, delivery_id: int, error: str, give_up: bool) -> None:
        await self._session.execute(
            update(InboxRow)
            .where(InboxRow.id == delivery_id)  # type: ignore[arg-type]
            .values(
                attempts=InboxRow.attempts + 1,
                error=error[:1000],
                status="failed" if give_up else "pending",
            )
            .execution_options(synchronize_session=False)
        )
