"""Maintenance windows and holds over SQL (:class:`core.maintenance.ports.MaintenanceRepository`).

Claims of due holds: on PostgreSQL the due rows are selected ``FOR UPDATE SKIP LOCKED``, so two
workers never take the same hold and neither waits for the other; on SQLite (one writer at a
time) the claim is a conditional ``UPDATE … WHERE done_at IS NULL``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.maintenance.ports import MaintenanceHold, StoredWindow
from storage.maintenance_tables import MaintenanceHoldRow, MaintenanceWindowRow
from storage.statements import dialect_name, insert_for

WINDOWS: Table = MaintenanceWindowRow.__table__  # type: ignore[attr-defined]
HOLDS: Table = MaintenanceHoldRow.__table__  # type: ignore[attr-defined]


def _window(row: Any) -> StoredWindow:
    return StoredWindow(
        id=row.id,
        service_id=row.service_id,
        team_id=row.team_id,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        reason=row.reason,
        created_by=row.created_by,
        created_at=row.created_at,
        cancelled_at=row.cancelled_at,
    )


def _hold(row: Any) -> MaintenanceHold:
    return MaintenanceHold(row.incident_id, row.service_id, row.team_id, row.due_at, row.pages)


class SqlMaintenance:
    """Implements :class:`core.maintenance.ports.MaintenanceRepository`."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add_window(
        self,
        service_id: str | None,
        team_id: str | None,
        starts_at: datetime,
        ends_at: datetime,
        reason: str | None,
        actor: str,
        now: datetime,
    ) -> int:
        statement = (
            WINDOWS.insert()
            .values(
                service_id=service_id,
                team_id=team_id,
                starts_at=starts_at,
                ends_at=ends_at,
                reason=reason,
                created_by=actor,
                created_at=now,
            )
            .returning(WINDOWS.c.id)
        )
        return int((await self._session.execute(statement)).scalar_one())

    async def window(self, window_id: int) -> StoredWindow | None:
        row = (
            await self._session.execute(select(WINDOWS).where(WINDOWS.c.id == window_id))
        ).first()
        return _window(row) if row is not None else None

    async def windows(self, ending_after: datetime) -> list[StoredWindow]:
        query = (
            select(WINDOWS)
            .where(WINDOWS.c.cancelled_at.is_(None), WINDOWS.c.ends_at > ending_after)
            .order_by(WINDOWS.c.starts_at, WINDOWS.c.id)
        )
        return [_window(r) for r in await self._session.execute(query)]

    async def cancel_window(self, window_id: int, now: datetime) -> bool:
        result = await self._session.execute(
            update(WINDOWS)
            .where(WINDOWS.c.id == window_id, WINDOWS.c.cancelled_at.is_(None))
            .values(cancelled_at=now)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def hold(
        self,
        incident_id: int,
        service_id: str,
        team_id: str | None,
        due_at: datetime,
        pages: bool,
        now: datetime,
    ) -> None:
        values = {
            "service_id": service_id,
            "team_id": team_id,
            "due_at": due_at,
            "pages": pages,
            "created_at": now,
            "done_at": None,
            "done_by": None,
        }
        statement = insert_for(dialect_name(self._session), HOLDS).values(
            incident_id=incident_id, **values
        )
        statement = statement.on_conflict_do_update(index_elements=["incident_id"], set_=values)
        await self._session.execute(statement)

    async def holds(self) -> list[MaintenanceHold]:
        query = select(HOLDS).where(HOLDS.c.done_at.is_(None)).order_by(HOLDS.c.due_at)
        return [_hold(r) for r in await self._session.execute(query)]

    async def move_hold(self, incident_id: int, due_at: datetime) -> int:
        result = await self._session.execute(
            update(HOLDS)
            .where(HOLDS.c.incident_id == incident_id, HOLDS.c.done_at.is_(None))
            .values(due_at=due_at)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def claim_due_holds(
        self, now: datetime, limit: int, worker: str
    ) -> list[MaintenanceHold]:
        query = (
            select(HOLDS)
            .where(HOLDS.c.done_at.is_(None), HOLDS.c.due_at <= now)
            .order_by(HOLDS.c.due_at, HOLDS.c.incident_id)
            .limit(limit)
        )
        if dialect_name(self._session) == "postgresql":
            query = query.with_for_update(skip_locked=True)
        due = [_hold(r) for r in await self._session.execute(query)]
        if not due:
            return []
        claimed = await self._session.execute(
            update(HOLDS)
            .where(HOLDS.c.incident_id.in_([h.incident_id for h in due]), HOLDS.c.done_at.is_(None))
            .values(done_at=now, done_by=worker)
            .returning(HOLDS.c.incident_id)
        )
        won = {row[0] for row in claimed}
        return [h for h in due if h.incident_id in won]
