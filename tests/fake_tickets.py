"""The in-memory ticket repository (:class:`core.tickets.ports.TicketRepository`), over
``Store.tickets`` (by incident id) and ``Store.ticket_comments``; it follows
``storage/ticket_repo.py`` (``tests/unit/tickets/test_ticket_repository.py`` runs the same
scenarios on both)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from datetime import datetime

from core.tickets.ports import TicketComment, TicketRecord, TicketStatus
from tests.fake_store import FakeIntegrityError, Store, instant


def _number(ticket: TicketRecord) -> int | None:
    prefix, _, digits = ticket.key.partition("-")
    return int(digits) if ticket.system == "builtin" and prefix and digits.isdigit() else None


class FakeTickets:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def for_incident(self, incident_id: int) -> TicketRecord | None:
        return self._store.tickets.get(incident_id)

    async def for_incidents(self, incident_ids: Collection[int]) -> dict[int, TicketRecord]:
        return {i: self._store.tickets[i] for i in set(incident_ids) if i in self._store.tickets}

    async def add(self, ticket: TicketRecord) -> TicketRecord | None:
        if ticket.incident_id not in self._store.incidents:
            raise FakeIntegrityError(f"no incident {ticket.incident_id}")
        existing = self._store.tickets.get(ticket.incident_id)
        if existing is not None:
            return existing
        if any(
            t.system == ticket.system and t.key == ticket.key for t in self._store.tickets.values()
        ):
            return None
        stored = replace(
            ticket,
            created_at=instant(ticket.created_at),
            updated_at=instant(ticket.updated_at or ticket.created_at),
        )
        self._store.tickets[ticket.incident_id] = stored
        return stored

    async def next_number(self, system: str) -> int:
        numbers = [_number(t) or 0 for t in self._store.tickets.values() if t.system == system]
        return max(numbers, default=0) + 1

    async def set_status(self, incident_id: int, status: TicketStatus, now: datetime) -> None:
        ticket = self._store.tickets.get(incident_id)
        if ticket is not None:
            self._store.tickets[incident_id] = replace(
                ticket, status=status, updated_at=instant(now)
            )

    async def set_assignee(self, incident_id: int, person_id: str | None, now: datetime) -> None:
        ticket = self._store.tickets.get(incident_id)
        if ticket is not None:
            self._store.tickets[incident_id] = replace(
                ticket, assignee=person_id, updated_at=instant(now)
            )

    async def add_comment(self, comment: TicketComment) -> bool:
        if comment.incident_id not in self._store.incidents:
            raise FakeIntegrityError(f"no incident {comment.incident_id}")
        if any(c.key == comment.key for c in self._store.ticket_comments):
            return False
        self._store.ticket_comments.append(replace(comment, created_at=instant(comment.created_at)))
        return True

    async def has_comment(self, key: str) -> bool:
        return any(c.key == key for c in self._store.ticket_comments)

    async def comments(self, incident_id: int) -> list[TicketComment]:
        return [c for c in self._store.ticket_comments if c.incident_id == incident_id]
