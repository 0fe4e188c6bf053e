"""What every tracker adapter does, whatever its API: find a ticket by its idempotency key,
create one, comment on it, close it. :mod:`integrations.ticketing.destination` decides
when; the adapters only speak their tracker's REST API."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from core.config.model import Configuration
from core.tickets.document import Document
from core.tickets.ports import TicketRecord
from core.tickets.text import TicketText


@dataclass(frozen=True)
class Created:
    """A ticket as the tracker has it: ``key`` shown to people, ``external_id`` to call it
    by, ``assigned`` whether the tracker took the assignee, ``unassigned_why`` (when not)
    the reason a comment gives."""

    key: str
    url: str | None
    external_id: str | None = None
    assigned: bool = False
    unassigned_why: str | None = None


@dataclass(frozen=True)
class TicketEvent:
    """One ticket message: its kind, the outbox key, the payload, the incident snapshot,
    the idempotency key, the configuration and the incident page's URL."""

    kind: str
    key: str
    payload: Mapping[str, Any]
    snapshot: Mapping[str, Any]
    idempotency_key: str
    config: Configuration
    incident_url: str
    text: TicketText | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class Tracker(Protocol):
    system: str

    async def find(self, event: TicketEvent) -> Created | None:
        """The ticket carrying ``event.idempotency_key``, if the tracker has one."""
        ...

    async def create(self, event: TicketEvent) -> Created:
        """Make the ticket of ``event.text``."""
        ...

    async def comment(self, ticket: TicketRecord, event: TicketEvent, body: Document) -> str | None:
        """Comment; returns the tracker's id of the comment, if it gives one."""
        ...

    async def assign(self, ticket: TicketRecord, event: TicketEvent, person_id: str) -> bool:
        """Make ``person_id`` the assignee; False when the tracker has no such user."""
        ...

    async def close(self, ticket: TicketRecord, event: TicketEvent) -> None:
        """Close the ticket (Jira: transition to done; GitHub: state closed)."""
        ...

    async def aclose(self) -> None:
        """Let go of the HTTP session."""
        ...
