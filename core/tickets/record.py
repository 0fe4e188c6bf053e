"""Recording a ticket made in a tracker, and what it changes for people: the incident's
timeline says so, and the incident's cards are refreshed to show the link.

Everything here is one unit of work: the ticket, the timeline entry (``ticket``) and the
chat message (``incident.ticket``, which updates every copy of the card in place; its key is
one per incident, so a ticket recorded twice refreshes once). The builtin tracker asks for no
refresh: its ticket is recorded within moments of the card's post, its link is the incident
page the card links already, and a refresh per incident would double the card updates of an
alert storm; its cards show the ticket from their next update (or their post, when it comes
after). When the incident has a ticket
already, that one is returned and nothing else is written. None: another ticket of the
system holds the key (two builtin tickets numbered at once): nothing is written.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core.incidents.ports import OutboxMessage
from core.ports import UnitOfWork
from core.tickets.markup import safe_url
from core.tickets.ports import TicketRecord


def ticket_link(ticket: TicketRecord | None) -> dict[str, Any] | None:
    """``{"system", "key", "url", "status"}`` as cards and ``oncall incidents`` show it
    (``url`` only when it is http or https), or None without a ticket."""
    if ticket is None:
        return None
    return {
        "system": ticket.system,
        "key": ticket.key,
        "url": safe_url(ticket.url),
        "status": ticket.status,
    }


async def record_ticket(
    uow: UnitOfWork, ticket: TicketRecord, now: datetime, *, refresh: bool = True
) -> TicketRecord | None:
    """Store ``ticket`` with its timeline entry and (``refresh``) the card refresh (see the
    module docstring); the caller commits."""
    existing = await uow.tickets.for_incident(ticket.incident_id)
    if existing is not None:
        return existing
    stored = await uow.tickets.add(ticket)
    if stored is None or stored.key != ticket.key:
        return stored
    detail = {"system": ticket.system, "key": ticket.key, "url": safe_url(ticket.url)}
    await uow.incidents.add_event(ticket.incident_id, now, "ticket", None, detail)
    if not refresh:
        return stored
    message = OutboxMessage(
        key=f"incident/{ticket.incident_id}/ticket",
        destination="chat",
        kind="incident.ticket",
        payload={"incident": {"id": ticket.incident_id}, "ticket": ticket_link(stored)},
        created_at=now,
        incident_id=ticket.incident_id,
    )
    await uow.outbox.add_many([message])
    return stored


SYSTEM_NAMES = {"jira": "Jira", "github": "GitHub"}


def ticket_label(link: object) -> str:
    """What a card shows of a :func:`ticket_link`: ``Jira OPS-12``, ``GitHub #42 (closed)``,
    ``T-7``; empty for anything else (no ticket, an old card without one)."""
    if not isinstance(link, dict) or not link.get("key"):
        return ""
    name = SYSTEM_NAMES.get(str(link.get("system")), "")
    text = f"{name} {link['key']}".strip()
    return f"{text} (closed)" if link.get("status") == "closed" else text
