"""The ``ticket`` outbox destination: one tracker, one ticket per incident, linked both ways.

What each message does (``kind``):

- ``open``: nothing when the incident has a ticket already (a redelivery). Else the tracker
  is asked for a ticket carrying the incident's idempotency key (a create that timed out
  after the tracker made it is found there), and only when it has none one is created; the
  ticket is recorded (:func:`core.tickets.record.record_ticket`: with a timeline entry and a
  refresh of the incident's cards, which then show the link). When the tracker could not
  take the paged engineer as assignee, a comment says who was paged.
- ``acknowledged``, ``escalated``, ``reassigned``, ``review``: a comment. Before the ticket
  exists (its ``open`` still retrying) they wait: Retry. An escalation or a reassignment to
  someone else also makes them the assignee (unassigned when the tracker has no such user:
  the comment says who is paged).
- ``resolve``: the closing comment, then the ticket is closed.

Every comment is recorded under its message key, so a redelivered message (at least once)
makes no second comment, and a ``resolve`` whose close failed comments once and closes on
the next try. A tracker that is down answers Retry, which delays the ticket and nothing
else (pages are other messages). Messages of one incident go one at a time, in order
(:meth:`TicketDestination.rate_key`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

from core.config.model import Configuration
from core.incidents.ports import ClaimedMessage
from core.ports import Clock, UnitOfWork
from core.tickets.document import Document
from core.tickets.ports import TicketComment, TicketRecord, TicketResult
from core.tickets.record import record_ticket
from core.tickets.text import comment, idempotency_key, incident_url, ticket_text, unassigned_note
from integrations.ticketing.http import TrackerError
from integrations.ticketing.tracker import Created, TicketEvent, Tracker

log = logging.getLogger("oncall.tickets")
COMMENT_KINDS = ("acknowledged", "escalated", "reassigned", "review")


class TicketDestination:
    """Delivers ``ticket`` messages through ``tracker``; answers :class:`TicketResult`."""

    def __init__(
        self, tracker: Tracker, new_unit: Callable[[], UnitOfWork], clock: Clock, base_url: str
    ) -> None:
        self.tracker = tracker
        self._new_unit = new_unit
        self._clock = clock
        self._base_url = base_url

    def rate_key(self, message: ClaimedMessage) -> tuple[str, timedelta] | None:
        """One lane per incident, no spacing: its messages go in order, one at a time. The
        builtin tracker has one lane for all: its numbers are drawn one after another (two
        drawn at once would collide, and one of them wait for a retry)."""
        if self.tracker.system == "builtin":
            return "builtin", timedelta(0)
        return f"incident:{message.incident_id or message.key}", timedelta(0)

    async def deliver(self, message: ClaimedMessage) -> TicketResult:
        try:
            return await self._deliver(message)
        except TrackerError as exc:
            log.warning("ticket %s (%s): %s", message.key, message.kind, exc)
            return (
                TicketResult.later(str(exc), exc.after)
                if exc.retry
                else TicketResult.refused(str(exc))
            )

    async def aclose(self) -> None:
        await self.tracker.aclose()

    async def _deliver(self, message: ClaimedMessage) -> TicketResult:
        snapshot = message.payload.get("incident") or {}
        incident_id = message.incident_id or int(snapshot.get("id") or 0)
        if not incident_id:
            return TicketResult.refused("a ticket message without an incident")
        async with self._new_unit() as uow:
            config = await uow.config.load() or Configuration()
            ticket = await uow.tickets.for_incident(incident_id)
            done = await uow.tickets.has_comment(message.key)
        event = TicketEvent(
            kind=message.kind,
            key=message.key,
            payload=message.payload,
            snapshot={**snapshot, "id": incident_id},
            idempotency_key=idempotency_key(incident_id),
            config=config,
            incident_url=incident_url(self._base_url, incident_id),
        )
        if message.kind == "open":
            return await self._open(event, ticket)
        if message.kind not in (*COMMENT_KINDS, "resolve"):
            return TicketResult.refused(f"no such ticket message kind {message.kind!r}")
        if ticket is None:
            return TicketResult.later(f"incident {incident_id} has no ticket yet")
        if not done:
            body = comment(message.kind, event.payload, config, self._base_url)
            await self._comment(ticket, event, body, message.key)
        paged = event.snapshot.get("assignee")
        moved = message.kind in ("escalated", "reassigned") and paged and paged != ticket.assignee
        if moved and ticket.status == "open":
            assigned = await self.tracker.assign(ticket, event, str(paged))
            async with self._new_unit() as uow:
                await uow.tickets.set_assignee(
                    incident_id, str(paged) if assigned else None, self._clock.now()
                )
                await uow.commit()
        if message.kind == "resolve" and ticket.status != "closed":
            await self.tracker.close(ticket, event)
            async with self._new_unit() as uow:
                await uow.tickets.set_status(incident_id, "closed", self._clock.now())
                await uow.commit()
        return TicketResult.done()

    async def _open(self, event: TicketEvent, ticket: TicketRecord | None) -> TicketResult:
        if ticket is None:
            event = replace(event, text=ticket_text(event.snapshot, event.config, self._base_url))
            created = await self.tracker.find(event) or await self.tracker.create(event)
            ticket = await self._record(event, created)
            if ticket is None:
                return TicketResult.later("another ticket took the same key; numbering again")
            log.info("ticket %s opened for incident %s", ticket.key, ticket.incident_id)
            why = created.unassigned_why
        else:
            why = None
        paged = event.snapshot.get("assignee")
        note = f"{event.key}/unassigned"
        if paged and ticket.assignee is None:
            async with self._new_unit() as uow:
                noted = await uow.tickets.has_comment(note)
            if not noted:
                how = why or f"the {self.tracker.system} tracker did not take them as assignee"
                body = unassigned_note(event.config, str(paged), self.tracker.system, how)
                await self._comment(ticket, event, body, note)
        return TicketResult.done()

    async def _record(self, event: TicketEvent, created: Created) -> TicketRecord | None:
        now = self._clock.now()
        assignee = event.text.assignee if event.text is not None and created.assigned else None
        record = TicketRecord(
            incident_id=int(event.snapshot["id"]),
            system=self.tracker.system,  # type: ignore[arg-type]
            key=created.key,
            url=created.url,
            status="open",
            created_at=now,
            idempotency_key=event.idempotency_key,
            external_id=created.external_id,
            assignee=assignee,
            updated_at=now,
        )
        async with self._new_unit() as uow:
            refresh = self.tracker.system != "builtin"  # core.tickets.record says why
            stored = await record_ticket(uow, record, now, refresh=refresh)
            await uow.commit()
        return stored

    async def _comment(
        self, ticket: TicketRecord, event: TicketEvent, body: Document, key: str
    ) -> None:
        external = await self.tracker.comment(ticket, event, body)
        async with self._new_unit() as uow:
            await uow.tickets.add_comment(
                TicketComment(
                    ticket.incident_id, key, event.kind, body.plain(), self._clock.now(), external
                )
            )
            await uow.commit()
