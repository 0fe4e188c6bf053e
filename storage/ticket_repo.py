"""Tickets over SQL (:class:`core.tickets.ports.TicketRepository`)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Table, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.tickets.ports import TicketComment, TicketRecord, TicketStatus
from storage.statements import dialect_name, insert_for
from storage.ticket_tables import TicketCommentRow, TicketRow

TICKETS: Table = TicketRow.__table__  # type: ignore[attr-defined]
COMMENTS: Table = TicketCommentRow.__table__  # type: ignore[attr-defined]


def _record(row: Any) -> TicketRecord:
    return TicketRecord(
        incident_id=row.incident_id,
        system=row.system,
        key=row.key,
        url=row.url,
        status=row.status,
        created_at=row.created_at,
        idempotency_key=row.idempotency_key,
        external_id=row.external_id,
        assignee=row.assignee,
        updated_at=row.updated_at,
    )


def _number(ticket: TicketRecord) -> int | None:
    """The n of a builtin ``T-<n>`` key (None for other systems' keys)."""
    prefix, _, digits = ticket.key.partition("-")
    return int(digits) if ticket.system == "builtin" and prefix and digits.isdigit() else None


class SqlTickets:
    """Implements :class:`core.tickets.ports.TicketRepository`."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def for_incident(self, incident_id: int) -> TicketRecord | None:
        query = select(TICKETS).where(TICKETS.c.incident_id == incident_id)
        row = (await self._session.execute(query)).first()
        return _record(row) if row is not None else None

    async def for_incidents(self, incident_ids: Collection[int]) -> dict[int, TicketRecord]:
        ids = sorted(set(incident_ids))
        if not ids:
            return {}
        query = select(TICKETS).where(TICKETS.c.incident_id.in_(ids))
        return {r.incident_id: _record(r) for r in await self._session.execute(query)}

    async def add(self, ticket: TicketRecord) -> TicketRecord | None:
        """See the port: ``ON CONFLICT DO NOTHING`` on either unique key, then read back."""
        statement = (
            insert_for(dialect_name(self._session), TICKETS)
            .values(
                incident_id=ticket.incident_id,
                system=ticket.system,
                key=ticket.key,
                number=_number(ticket),
                url=ticket.url,
                status=ticket.status,
                idempotency_key=ticket.idempotency_key,
                external_id=ticket.external_id,
                assignee=ticket.assignee,
                created_at=ticket.created_at,
                updated_at=ticket.updated_at or ticket.created_at,
            )
            .on_conflict_do_nothing()
        )
        await self._session.execute(statement)
        return await self.for_incident(ticket.incident_id)

    async def next_number(self, system: str) -> int:
        query = select(func.max(TICKETS.c.number)).where(TICKETS.c.system == system)
        highest = (await self._session.execute(query)).scalar()
        return int(highest or 0) + 1

    async def set_status(self, incident_id: int, status: TicketStatus, now: datetime) -> None:
        await self._session.execute(
            update(TICKETS)
            .where(TICKETS.c.incident_id == incident_id)
            .values(status=status, updated_at=now)
        )

    async def set_assignee(self, incident_id: int, person_id: str | None, now: datetime) -> None:
        await self._session.execute(
            update(TICKETS)
            .where(TICKETS.c.incident_id == incident_id)
            .values(assignee=person_id, updated_at=now)
        )

    async def add_comment(self, comment: TicketComment) -> bool:
        statement = (
            insert_for(dialect_name(self._session), COMMENTS)
            .values(
                incident_id=comment.incident_id,
                key=comment.key,
                kind=comment.kind,
                body=comment.body,
                external_id=comment.external_id,
                created_at=comment.created_at,
            )
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(COMMENTS.c.id)
        )
        return (await self._session.execute(statement)).first() is not None

    async def has_comment(self, key: str) -> bool:
        query = select(COMMENTS.c.id).where(COMMENTS.c.key == key)
        return (await self._session.execute(query)).first() is not None

    async def comments(self, incident_id: int) -> list[TicketComment]:
        query = (
            select(COMMENTS).where(COMMENTS.c.incident_id == incident_id).order_by(COMMENTS.c.id)
        )
        return [
            TicketComment(r.incident_id, r.key, r.kind, r.body, r.created_at, r.external_id)
            for r in await self._session.execute(query)
        ]
