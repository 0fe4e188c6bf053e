"""Heartbeats over SQL (:class:`core.heartbeats.ports.HeartbeatRepository`).

A beat is one ``INSERT … ON CONFLICT DO UPDATE`` (two beats at once both count, on either
database). :meth:`SqlHeartbeats.lock` inserts a missing row (``ON CONFLICT DO NOTHING``) and
selects it ``FOR UPDATE`` on PostgreSQL, so two workers checking the same heartbeat take turns
and the second sees what the first did; SQLite's one writer makes them take turns anyway.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table, case, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.heartbeats.ports import HeartbeatState
from storage.heartbeat_tables import HeartbeatRow
from storage.statements import dialect_name, insert_for

HEARTBEATS: Table = HeartbeatRow.__table__  # type: ignore[attr-defined]


def _state(row: Any) -> HeartbeatState:
    return HeartbeatState(
        name=row.name,
        since=row.since,
        last_beat_at=row.last_beat_at,
        beats=row.beats,
        incident_id=row.incident_id,
        beats_at_miss=row.beats_at_miss,
    )


class SqlHeartbeats:
    """Implements :class:`core.heartbeats.ports.HeartbeatRepository`."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def beat(self, name: str, at: datetime) -> None:
        insert = insert_for(dialect_name(self._session), HEARTBEATS).values(
            name=name, since=at, last_beat_at=at, beats=1, incident_id=None, beats_at_miss=0
        )
        column = HEARTBEATS.c.last_beat_at
        later = case(
            (column.is_(None), insert.excluded.last_beat_at),
            (column < insert.excluded.last_beat_at, insert.excluded.last_beat_at),
            else_=column,
        )
        statement = insert.on_conflict_do_update(
            index_elements=["name"],
            set_={"beats": HEARTBEATS.c.beats + 1, "last_beat_at": later},
        )
        await self._session.execute(statement)

    async def states(self) -> dict[str, HeartbeatState]:
        rows = await self._session.execute(select(HEARTBEATS))
        return {row.name: _state(row) for row in rows}

    async def lock(self, name: str, now: datetime) -> HeartbeatState:
        dialect = dialect_name(self._session)
        await self._session.execute(
            insert_for(dialect, HEARTBEATS)
            .values(name=name, since=now, beats=0, beats_at_miss=0)
            .on_conflict_do_nothing(index_elements=["name"])
        )
        query = select(HEARTBEATS).where(HEARTBEATS.c.name == name)
        if dialect == "postgresql":
            query = query.with_for_update()
        row = (await self._session.execute(query)).one()
        return _state(row)

    async def save(self, state: HeartbeatState) -> None:
        await self._session.execute(
            update(HEARTBEATS)
            .where(HEARTBEATS.c.name == state.name)
            .values(
                since=state.since,
                incident_id=state.incident_id,
                beats_at_miss=state.beats_at_miss,
            )
        )

    async def forget(self, name: str) -> None:
        await self._session.execute(delete(HEARTBEATS).where(HEARTBEATS.c.name == name))
