"""Records and the repository interface of tickets; ``storage/`` implements it.

One ticket per incident (``incident_id`` is unique). ``idempotency_key`` is also written into
the tracker (a Jira label, a marker in a GitHub issue's body, a webhook header), so a create
whose answer was lost is found there before anything is created again.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, Protocol

System = Literal["builtin", "jira", "github", "webhook"]
TicketStatus = Literal["open", "closed"]


@dataclass(frozen=True)
class TicketRecord:
    """The ticket of one incident. ``key`` is what people see (``OPS-12``, ``#42``, ``T-7``);
    ``external_id`` the tracker's own id (Jira's issue id, GitHub's issue number); ``url``
    None when the tracker gave none (a webhook that answered without one). ``assignee`` is
    the person id the tracker assigned, None when unassigned."""

    incident_id: int
    system: System
    key: str
    url: str | None
    status: TicketStatus
    created_at: datetime
    idempotency_key: str = ""
    external_id: str | None = None
    assignee: str | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class TicketComment:
    """A comment made on a ticket. ``key`` is unique (the outbox message's key and what the
    comment is for), so a redelivered message finds its comment made and makes no second."""

    incident_id: int
    key: str
    kind: str
    body: str
    created_at: datetime
    external_id: str | None = None


@dataclass(frozen=True)
class TicketResult:
    """What a ticket delivery came to, for the outbox: done; ``retry`` (with the tracker's
    Retry-After, if any); else refused for good with ``error``."""

    ok: bool
    error: str | None = None
    retry: bool = False
    after: timedelta | None = None

    @staticmethod
    def done() -> TicketResult:
        return TicketResult(True)

    @staticmethod
    def later(error: str, after: timedelta | None = None) -> TicketResult:
        return TicketResult(False, error, retry=True, after=after)

    @staticmethod
    def refused(error: str) -> TicketResult:
        return TicketResult(False, error)


class TicketRepository(Protocol):
    async def for_incident(self, incident_id: int) -> TicketRecord | None:
        """The incident's ticket, or None."""
        ...

    async def for_incidents(self, incident_ids: Collection[int]) -> dict[int, TicketRecord]:
        """The tickets of those incidents that have one, by incident id."""
        ...

    async def add(self, ticket: TicketRecord) -> TicketRecord | None:
        """Store the incident's ticket; when it has one already, that one is kept and returned.
        None: another ticket of the same system holds ``key`` (two builtin tickets numbered
        at once): nothing was stored, the caller numbers again later."""
        ...

    async def next_number(self, system: str) -> int:
        """One more than the highest ``<prefix>-<n>`` number of ``system``'s keys (1 first)."""
        ...

    async def set_status(self, incident_id: int, status: TicketStatus, now: datetime) -> None:
        """Record the ticket open or closed; no ticket: nothing happens."""
        ...

    async def set_assignee(self, incident_id: int, person_id: str | None, now: datetime) -> None:
        """Record who the tracker has as assignee (None: nobody); no ticket: nothing happens."""
        ...

    async def add_comment(self, comment: TicketComment) -> bool:
        """Record a comment; False when one of that key exists (then nothing changes)."""
        ...

    async def has_comment(self, key: str) -> bool:
        """Whether a comment of this key was recorded."""
        ...

    async def comments(self, incident_id: int) -> list[TicketComment]:
        """The incident's ticket comments, oldest first."""
        ...
