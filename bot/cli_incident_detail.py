"""``oncall incidents ID``: one incident in full: its timeline in words, every message it
caused with its delivery (and error), its ticket, its response metrics and its review.

The JSON document (README: "oncall incidents ID --json"): ``incident`` (the list form's
fields and team, labels, annotations, links), ``timeline`` (each event: ``at``, ``kind``,
``actor``, ``text``, ``detail``), ``messages``, ``ticket``, ``metrics`` and ``review``; the
last three are null when there is none (an open incident has no metrics; a review exists once
someone wrote it). Durations in ``metrics`` are seconds. An unknown id is a usage error (exit
2). The ticket and metrics repositories are read only when the unit of work has them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.cli_common import UsageError, database

if TYPE_CHECKING:
    from bot.settings import Settings


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _seconds(value: timedelta | None) -> int | None:
    return int(value.total_seconds()) if value is not None else None


def _duration(seconds: int | None) -> str:
    if seconds is None:
        return "-"
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s"


def ticket_json(ticket: Any) -> dict[str, Any] | None:
    """The incident's ticket (``core.tickets.ports.TicketRecord``) as JSON."""
    if ticket is None:
        return None
    return {
        "system": ticket.system,
        "key": ticket.key,
        "url": ticket.url,
        "status": ticket.status,
        "created_at": _time(ticket.created_at),
    }


def metrics_json(metrics: Any) -> dict[str, Any] | None:
    """The incident's response metrics (``core.metrics.ports.IncidentMetrics``) as JSON."""
    if metrics is None:
        return None
    return {
        "opened_at": _time(metrics.opened_at),
        "acknowledged_at": _time(metrics.acknowledged_at),
        "resolved_at": _time(metrics.resolved_at),
        "time_to_acknowledge": _seconds(metrics.time_to_acknowledge),
        "time_to_resolve": _seconds(metrics.time_to_resolve),
        "acknowledged_by": metrics.acknowledged_by,
        "resolved_by": metrics.resolved_by,
        "escalations": metrics.escalations,
        "responder": metrics.responder,
        "off_hours": metrics.off_hours,
    }


async def detail(settings: Settings, incident_id: int) -> tuple[dict[str, Any], list[str]]:
    """The document and the table lines of one incident; :class:`UsageError` when unknown."""
    from bot.cli_incidents import incident_json
    from core.config.model import Configuration
    from core.incidents.cards import timeline_text
    from storage.uow import SqlUnitOfWork, session_factory

    async with (
        database(settings) as engine,
        SqlUnitOfWork(session_factory(engine), write=False) as uow,
    ):
        record = await uow.incidents.get(incident_id)
        if record is None:
            raise UsageError(f"no incident {incident_id}")
        config = await uow.config.load() or Configuration()
        events = await uow.incidents.events(incident_id)
        messages = await uow.outbox.for_incident(incident_id)
        tickets = getattr(uow, "tickets", None)
        ticket = await tickets.for_incident(incident_id) if tickets is not None else None
        metrics_repo = getattr(uow, "metrics", None)
        metrics = await metrics_repo.get(incident_id) if metrics_repo is not None else None
        review = await uow.reviews.get(incident_id)
    names = {p.id: p.display_name for p in config.people}
    document: dict[str, Any] = {
        "incident": {
            **incident_json(record),
            "team": record.team_id,
            "labels": dict(record.labels),
            "annotations": dict(record.annotations),
            "links": dict(record.links),
        },
        "timeline": [
            {
                "at": _time(at),
                "kind": kind,
                "actor": actor,
                "text": timeline_text(kind, actor, detail, names),
                "detail": detail,
            }
            for at, kind, actor, detail in events
        ],
        "messages": [
            {
                "kind": m.kind,
                "destination": m.destination,
                "person": m.person,
                "status": m.status,
                "attempts": m.attempts,
                "created_at": _time(m.created_at),
                "sent_at": _time(m.sent_at),
                "error": m.error,
            }
            for m in messages
        ],
        "ticket": ticket_json(ticket),
        "metrics": metrics_json(metrics),
        "review": review.as_json() if review is not None else None,
    }
    return document, _lines(document)


def _lines(document: dict[str, Any]) -> list[str]:
    head = document["incident"]
    lines = [
        f"#{head['id']} {head['title']}",
        f"  {head['status']} · {head['severity']} · service {head['service']} · tier "
        f"{head['tier']} · assignee {head['assignee'] or '-'} · {head['alerts']} alert(s)",
        "Timeline:",
        *(f"  {e['at']}  {e['text']}" for e in document["timeline"]),
        "Messages:",
        *(
            f"  {m['kind']:<22} {m['destination']:<7} {m['status']:<8} tries {m['attempts']}"
            + (f"  to {m['person']}" if m["person"] else "")
            + (f"  error: {m['error']}" if m["error"] else "")
            for m in document["messages"]
        ),
    ]
    ticket = document["ticket"]
    if ticket is None:
        lines.append("Ticket: none")
    else:
        url = f"  {ticket['url']}" if ticket["url"] else ""
        lines.append(f"Ticket: {ticket['key']} ({ticket['system']}, {ticket['status']}){url}")
    metrics = document["metrics"]
    if metrics is None:
        open_now = head["status"] != "resolved"
        lines.append("Metrics: none (not resolved)" if open_now else "Metrics: none")
    else:
        lines.append(
            f"Metrics: acknowledged after {_duration(metrics['time_to_acknowledge'])}"
            f" by {metrics['acknowledged_by'] or '-'}, resolved after "
            f"{_duration(metrics['time_to_resolve'])} by {metrics['resolved_by'] or '-'}, "
            f"{metrics['escalations']} escalation(s), responder {metrics['responder'] or '-'}"
            + (", off-hours" if metrics["off_hours"] else "")
        )
    review = document["review"]
    if review is None:
        lines.append("Review: none yet")
    else:
        lines += [
            f"Review by {review['author']} ({review['updated_at']}, "
            f"revision {review['revision']}):",
            f"  Summary: {review['summary']}",
            f"  Cause: {review['cause'] or '-'}",
            *(f"  - {item}" for item in review["follow_ups"]),
        ]
    return lines
