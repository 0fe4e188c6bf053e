"""The builtin tracker: numbered tickets (``T-<n>``) in our own database.

The ticket's URL is the incident's page; its comments are the rows the destination records
(``ticket_comments``); closing it is the status the destination records. Nothing leaves
the process, so nothing here can time out.
"""

from __future__ import annotations

from collections.abc import Callable

from core.ports import UnitOfWork
from core.tickets.document import Document
from core.tickets.ports import TicketRecord
from integrations.ticketing.tracker import Created, TicketEvent


class BuiltinTracker:
    system = "builtin"

    def __init__(self, new_unit: Callable[[], UnitOfWork]) -> None:
        self._new_unit = new_unit

    async def find(self, event: TicketEvent) -> Created | None:
        return None  # the ticket is recorded with its number in one step: nothing to find

    async def create(self, event: TicketEvent) -> Created:
        """The next number; two made at once may draw the same one: the second is refused
        when recorded (unique key) and numbers again on its retry."""
        async with self._new_unit() as uow:
            number = await uow.tickets.next_number(self.system)
        return Created(f"T-{number}", event.incident_url, str(number), assigned=True)

    async def comment(self, ticket: TicketRecord, event: TicketEvent, body: Document) -> str | None:
        return None  # the recorded comment is the builtin ticket's comment

    async def assign(self, ticket: TicketRecord, event: TicketEvent, person_id: str) -> bool:
        return True  # the recorded assignee is the builtin ticket's

    async def close(self, ticket: TicketRecord, event: TicketEvent) -> None:
        return None  # the recorded status is the builtin ticket's status

    async def aclose(self) -> None:
        return None
