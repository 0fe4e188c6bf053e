"""What a ticket says: its summary, priority, labels and description, and the comment made
for each incident event; built from the incident snapshot (core.incidents.effects) and the
configuration, tracker-neutral (rendered by :mod:`core.tickets.markup`).

Edge cases: a snapshot from an older message may lack fields (they are left out, never an
error); a person id unknown to the configuration is shown as it is; links are kept only
when :func:`core.tickets.markup.safe_url` accepts them (an alert's ``javascript:`` runbook is
dropped); at most :data:`MAX_LABELS` alert labels are listed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from core.config.model import Configuration
from core.tickets.document import Block, Bullets, Document, Facts, Heading, Link, Paragraph
from core.tickets.markup import clean, safe_url

MAX_LABELS = 30
PRIORITY = {  # the alert's severity -> Jira's default priority scheme
    "critical": "Highest",
    "page": "Highest",
    "high": "High",
    "error": "High",
    "major": "High",
    "warning": "Medium",
    "minor": "Low",
    "low": "Low",
    "info": "Lowest",
}
DEFAULT_PRIORITY = "Medium"
COMMENT_KINDS = ("acknowledged", "escalated", "reassigned", "review")
_LABEL_CHARS = re.compile(r"[^A-Za-z0-9_.:-]+")


def idempotency_key(incident_id: int) -> str:
    """The key a ticket carries in the tracker so that it is made once: a Jira label, a
    marker in a GitHub body, a webhook header."""
    return f"oncall-incident-{incident_id}"


def incident_url(base_url: str, incident_id: int) -> str:
    """The incident's page: ``<ONCALL_PUBLIC_URL>/incidents/<id>``."""
    return f"{base_url.rstrip('/')}/incidents/{incident_id}"


def priority_of(severity: object) -> str:
    """Jira's priority name for a severity; unknown severities are ``Medium``."""
    return PRIORITY.get(str(severity).lower(), DEFAULT_PRIORITY)


def label(value: object, size: int = 50) -> str:
    """A tracker label: no spaces (Jira refuses them), at most ``size`` characters."""
    return _LABEL_CHARS.sub("-", clean(value, 200)).strip("-")[:size] or "unknown"


@dataclass(frozen=True)
class TicketText:
    """A new ticket: what every tracker is sent."""

    summary: str
    priority: str
    body: Document
    service: str
    severity: str
    assignee: str | None  # the paged person's id


def name_of(config: Configuration, person_id: object) -> str:
    """The person's name, else the id as given (an actor like ``cli:bob``)."""
    if not person_id:
        return "nobody"
    person = config.person(str(person_id))
    return person.display_name if person else str(person_id)


def ticket_text(snapshot: Mapping[str, Any], config: Configuration, base_url: str) -> TicketText:
    """The ticket of an incident: ``[severity] Service: title`` and the description (what
    happened, the incident link, service, team, severity, priority, paged engineer, links,
    escalation path, alert labels)."""
    incident_id = int(snapshot.get("id") or 0)
    severity = clean(snapshot.get("severity"), 40) or "unknown"
    service = clean(snapshot.get("service"), 100) or "unknown"
    service_name = clean(snapshot.get("service_name"), 200) or service
    title = clean(snapshot.get("title"), 200) or "incident"
    assignee = snapshot.get("assignee") or None
    annotations = snapshot.get("annotations") or {}
    blocks: list[Block] = []
    described = annotations.get("description") or annotations.get("summary")
    if described:
        blocks.append(Paragraph(clean(described, 4000)))
    facts: list[tuple[str, str | Link]] = [
        ("Incident", Link(f"#{incident_id}", incident_url(base_url, incident_id))),
        ("Service", service if service_name == service else f"{service_name} ({service})"),
        ("Team", clean(snapshot.get("team"), 100) or "-"),
        ("Severity", severity),
        ("Priority", priority_of(severity)),
        ("Paged", name_of(config, assignee) if assignee else "nobody yet"),
        ("Alerts", str(snapshot.get("alerts") or 0)),
    ]
    blocks.append(Facts(tuple(facts)))
    blocks += [Heading("Links"), Bullets(tuple(_links(snapshot)))]
    path = _escalation(snapshot, config)
    if path:
        blocks += [Heading("Escalation path"), Bullets(tuple(path))]
    labels = snapshot.get("labels") or {}
    if isinstance(labels, Mapping) and labels:
        items = sorted((clean(k, 100), clean(v, 300)) for k, v in labels.items())[:MAX_LABELS]
        blocks += [Heading("Labels"), Facts(tuple((k, v) for k, v in items))]
    return TicketText(
        summary=f"[{severity}] {service_name}: {title}",
        priority=priority_of(severity),
        body=Document(tuple(blocks)),
        service=service,
        severity=severity,
        assignee=str(assignee) if assignee else None,
    )


def _links(snapshot: Mapping[str, Any]) -> list[str | Link]:
    out: list[str | Link] = []
    for name, key in (("Runbook", "runbook"), ("Dashboard", "dashboard")):
        url = safe_url(snapshot.get(key))
        if url:
            out.append(Link(name, url))
    links = snapshot.get("links") or {}
    if isinstance(links, Mapping):
        for name, value in list(links.items())[:10]:
            url = safe_url(value)
            if url:
                out.append(Link(clean(name, 100) or "link", url))
    return out


def _escalation(snapshot: Mapping[str, Any], config: Configuration) -> list[str | Link]:
    lines: list[str | Link] = []
    for tier in snapshot.get("escalation_path") or []:
        if not isinstance(tier, Mapping):
            continue
        targets = ", ".join(_target(config, str(t)) for t in tier.get("targets") or [])
        minutes = int(tier.get("escalate_after") or 0) // 60
        lines.append(f"Tier {tier.get('tier', '?')}: {targets}, {minutes} min to acknowledge")
    return lines


def _target(config: Configuration, target: str) -> str:
    kind, _, ref = target.partition(":")
    if kind == "person":
        return name_of(config, ref)
    schedule = config.schedule(ref)
    return f"schedule {schedule.name or ref}" if schedule else target


def comment(
    kind: str, payload: Mapping[str, Any], config: Configuration, base_url: str
) -> Document:
    """The comment for an incident event: ``acknowledged``, ``escalated``, ``reassigned``,
    ``resolve`` (the closing comment) or ``review`` (the post-incident review). The actor may
    be None (an escalation nobody asked for: its tier timed out). ``ValueError`` for any
    other kind."""
    snapshot = payload.get("incident") or {}
    incident_id = int(snapshot.get("id") or 0)
    link = Link(f"incident #{incident_id}", incident_url(base_url, incident_id))
    actor = payload.get("actor")
    assignee = name_of(config, snapshot.get("assignee"))
    if kind == "acknowledged":
        text = f"Acknowledged by {name_of(config, actor)}."
    elif kind == "escalated":
        why = f"by {name_of(config, actor)}" if actor else "(nobody acknowledged in time)"
        text = f"Escalated {why} to tier {snapshot.get('tier', '?')}: {assignee} is paged."
    elif kind == "reassigned":
        text = f"Reassigned to {assignee} by {name_of(config, actor)}."
    elif kind == "resolve":
        by = snapshot.get("resolved_by") or actor
        text = f"Resolved by {name_of(config, by)}." if by else "Resolved."
        text += " The ticket is closed with the incident."
    elif kind == "review":
        return review_comment(payload.get("review") or {}, config, link)
    else:
        raise ValueError(f"no ticket comment for {kind!r}")
    return Document((Paragraph(text), Bullets((link,))))


def review_comment(review: Mapping[str, Any], config: Configuration, link: Link) -> Document:
    """The post-incident review as a comment: summary, cause, follow-ups (a list, or one
    text with a follow-up per line), its author."""
    follow = review.get("follow_ups") or []
    if isinstance(follow, str):
        follow = [line for line in follow.splitlines() if line.strip()]
    items = tuple(clean(f, 500) for f in list(follow)[:30]) or ("none",)
    return Document(
        (
            Heading("Post-incident review"),
            Facts((("Author", name_of(config, review.get("author"))), ("Incident", link))),
            Heading("Summary"),
            Paragraph(clean(review.get("summary"), 4000) or "-"),
            Heading("Cause"),
            Paragraph(clean(review.get("cause"), 4000) or "-"),
            Heading("Follow-ups"),
            Bullets(items),
        )
    )


def unassigned_note(config: Configuration, person_id: str, tracker: str, how: str) -> Document:
    """Said on a ticket left unassigned: who was paged, and why the tracker could not be
    told (``how``: "no Jira user has the email x", "they have no github login")."""
    who = name_of(config, person_id)
    return Document((Paragraph(f"Paged {who}; {how}, so this {tracker} ticket is unassigned."),))
