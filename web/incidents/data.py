"""The dashboard's reader and writer of incidents, over the core ports (no SQL of its own).

- :func:`listing`: incidents newest first, filtered by status, paged by id (``before``).
- :func:`load`: everything one incident's page and document show, read in one unit.
- :func:`act_as`: acknowledge or resolve as a configured person, through the core use case.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

from core.config.model import Configuration
from core.incidents.cards import current_card, timeline_text
from core.incidents.fields import incident_fields
from core.incidents.lifecycle import (
    Acknowledge,
    Action,
    IncidentState,
    Resolve,
    allowed_actions,
)
from core.incidents.ports import IncidentRecord
from core.incidents.service import act
from core.metrics.ports import IncidentMetrics
from core.reviews.ports import StoredReview
from core.tickets.markup import safe_url
from core.tickets.ports import TicketRecord
from core.tickets.record import ticket_link
from web.deps import WebDeps
from web.incidents.models import (
    IncidentDocument,
    IncidentFull,
    IncidentItem,
    Metrics,
    Review,
    Ticket,
    TimelineEntry,
)

OPEN = frozenset({"triggered", "acknowledged"})
ALL = frozenset({"triggered", "acknowledged", "resolved"})


class UnknownPerson(ValueError):
    """The ``as`` person is not in the configuration."""


@dataclass(frozen=True)
class Page:
    """One page of a listing: the incidents, their tickets, the ``before`` of the next page."""

    records: list[IncidentRecord]
    tickets: dict[int, TicketRecord]
    next_before: int | None


@dataclass(frozen=True)
class Loaded:
    """One incident as its page shows it: the record, the card snapshot
    (:func:`core.incidents.cards.current_card`), the whole timeline, ticket, metrics, review
    and the configuration (for names)."""

    record: IncidentRecord
    card: dict[str, Any]
    events: list[tuple[datetime, str, str | None, dict[str, Any]]]
    ticket: TicketRecord | None
    metrics: IncidentMetrics | None
    review: StoredReview | None
    config: Configuration

    @property
    def names(self) -> dict[str, str]:
        """Person id -> display name of everyone configured."""
        return {p.id: p.display_name for p in self.config.people}

    @property
    def actions(self) -> tuple[Action, ...]:
        """What a person may do to it now (:func:`core.incidents.lifecycle.allowed_actions`)."""
        return allowed_actions(self.record.state)

    @property
    def links(self) -> list[Link]:
        """The runbook, the dashboard and the alert's links, in that order (links by name)."""
        named = [("Runbook", self.card.get("runbook")), ("Dashboard", self.card.get("dashboard"))]
        named += sorted(self.record.links.items())
        return [
            Link(name, url, safe_url(url)) for name, url in named if isinstance(url, str) and url
        ]


@dataclass(frozen=True)
class Link:
    """An address from an alert or the configuration: ``href`` is
    :func:`core.tickets.markup.safe_url`'s (None for anything but an absolute http(s) URL,
    such as ``javascript:``), so a page links it only then and shows ``text`` otherwise."""

    label: str
    text: str
    href: str | None


async def listing(deps: WebDeps, statuses: Collection[str], limit: int, before: int | None) -> Page:
    """Incidents whose status is in ``statuses``, newest (highest id) first, at most
    ``limit``, only ids below ``before`` when given: the repository filters, orders and
    limits (it reads ``limit + 1`` rows, the extra one only to tell whether a next page
    exists), so any page of any status costs the same however many incidents there are."""
    async with deps.read_unit() as uow:
        records = await uow.incidents.listing(
            limit=limit + 1, statuses=frozenset(statuses), before_id=before
        )
        page = records[:limit]
        tickets = await uow.tickets.for_incidents([r.id for r in page]) if page else {}
    more = len(records) > limit
    return Page(page, dict(tickets), page[-1].id if more and page else None)


async def load(deps: WebDeps, incident_id: int, now: datetime) -> Loaded | None:
    """The incident ``incident_id`` in full; None when there is none."""
    async with deps.read_unit() as uow:
        record = await uow.incidents.get(incident_id)
        if record is None:
            return None
        card = await current_card(uow, incident_id, now)
        if card is None:
            return None
        config = await uow.config.load() or Configuration()
        return Loaded(
            record=record,
            card=card,
            events=await uow.incidents.events(incident_id),
            ticket=await uow.tickets.for_incident(incident_id),
            metrics=await uow.metrics.get(incident_id),
            review=await uow.reviews.get(incident_id),
            config=config,
        )


async def people(deps: WebDeps) -> list[tuple[str, str]]:
    """``(id, name)`` of every configured person, in the file's order."""
    async with deps.read_unit() as uow:
        config = await uow.config.load() or Configuration()
    return [(p.id, p.display_name) for p in config.people]


async def act_as(deps: WebDeps, incident_id: int, person: str, *, resolve: bool) -> IncidentState:
    """Acknowledge (or ``resolve``) ``incident_id`` as ``person`` now, as ``oncall ack`` does.

    :class:`UnknownPerson` when ``person`` is not configured (nothing written); the use case's
    ``IncidentNotFound`` and ``TransitionError`` pass through (nothing written either)."""
    if person not in {p for p, _ in await people(deps)}:
        raise UnknownPerson(f"no person {person!r} in the configuration")
    event = Resolve(person) if resolve else Acknowledge(person)
    return await act(deps.write_unit(), incident_id, event, person, deps.clock.now())


def _at(value: datetime, zone: tzinfo) -> datetime:
    return value.astimezone(zone)


def _maybe(value: datetime | None, zone: tzinfo) -> datetime | None:
    return value.astimezone(zone) if value is not None else None


def _seconds(value: timedelta | None) -> int | None:
    return int(value.total_seconds()) if value is not None else None


def ticket_model(ticket: TicketRecord | None) -> Ticket | None:
    """The ticket as :func:`core.tickets.record.ticket_link` shows it."""
    link = ticket_link(ticket)
    return Ticket(**link) if link is not None else None


def _fields(record: IncidentRecord, zone: tzinfo) -> dict[str, Any]:
    """:func:`core.incidents.fields.incident_fields` with times in ``zone``, and the team."""
    fields = {
        k: _at(v, zone) if isinstance(v, datetime) else v
        for k, v in incident_fields(record).items()
    }
    return {**fields, "team": record.team_id}


def item(record: IncidentRecord, ticket: TicketRecord | None, zone: tzinfo) -> IncidentItem:
    """One listing row."""
    return IncidentItem(**_fields(record, zone), ticket=ticket_model(ticket))


def document(loaded: Loaded, zone: tzinfo) -> IncidentDocument:
    """The ``oncall incidents ID --json`` document of ``loaded``, times in ``zone``."""
    record, names = loaded.record, loaded.names
    m = loaded.metrics
    metrics = (
        Metrics(
            opened_at=_at(m.opened_at, zone),
            acknowledged_at=_maybe(m.acknowledged_at, zone),
            resolved_at=_at(m.resolved_at, zone),
            time_to_acknowledge=_seconds(m.time_to_acknowledge),
            time_to_resolve=_seconds(m.time_to_resolve),
            acknowledged_by=m.acknowledged_by,
            resolved_by=m.resolved_by,
            escalations=m.escalations,
            responder=m.responder,
            off_hours=m.off_hours,
        )
        if m is not None
        else None
    )
    r = loaded.review
    review = (
        Review(
            summary=r.summary,
            cause=r.cause,
            follow_ups=list(r.follow_ups),
            author=r.author,
            created_at=_at(r.created_at, zone),
            updated_at=_at(r.updated_at, zone),
            revision=r.revision,
        )
        if r is not None
        else None
    )
    return IncidentDocument(
        incident=IncidentFull(
            **_fields(record, zone),
            labels=dict(record.labels),
            annotations=dict(record.annotations),
            links=dict(record.links),
        ),
        timeline=[
            TimelineEntry(
                at=_at(at, zone),
                kind=kind,
                actor=actor,
                text=timeline_text(kind, actor, detail, names),
                detail=detail,
            )
            for at, kind, actor, detail in loaded.events
        ],
        ticket=ticket_model(loaded.ticket),
        metrics=metrics,
        review=review,
    )
