"""An incident as its card shows it now: the snapshot, who is on call in each tier, when the
next escalation fires, and the latest timeline entries.

Cards are rendered from this at delivery time, not from the payload of the message that
asked for the update, so however many updates of one incident queue up, the first one sent
shows the latest state and the rest find nothing newer to show (``version``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from core.config.model import Configuration
from core.incidents.effects import incident_snapshot
from core.incidents.ports import IncidentRecord
from core.oncall.views import load_state, who_for
from core.ports import UnitOfWork
from core.tickets.record import ticket_link

TIMELINE_ENTRIES = 5

EVENT_WORDS = {  # what a channel card's thread says of each incident message kind
    "incident.acknowledged": "Acknowledged",
    "incident.resolved": "Resolved",
    "incident.escalated": "Escalated",
    "incident.reassigned": "Reassigned",
    "incident.snoozed": "Snoozed",
    "incident.retriggered": "Triggered again (the snooze ended)",
    "incident.exhausted": "Every tier was paged and nobody acknowledged",
    "incident.maintenance_ended": "Maintenance over, paging now",
}

_WORDS = {
    "open": "opened",
    "routed": "routed",
    "paged": "paged",
    "acknowledge": "acknowledged",
    "resolve": "resolved",
    "escalate": "escalated by hand",
    "escalationdue": "escalated (nobody acknowledged in time)",
    "reassign": "reassigned",
    "snooze": "snoozed",
    "snoozeended": "snooze ended",
    "alerts": "alerts updated",
    "maintenance": "held for maintenance",
    "maintenanceended": "maintenance over",
}


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _utc_words(raw: object) -> str | None:
    """``"2026-03-02 14:00 UTC"`` for an ISO 8601 instant; None for anything else."""
    try:
        moment = datetime.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        return None
    if moment is None or moment.tzinfo is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def timeline_text(
    kind: str, actor: str | None, detail: dict[str, Any], names: dict[str, str]
) -> str:
    """One timeline entry in words: ``"acknowledged by Alice"``, ``"paged Bob (tier 2)"``,
    ``"held for maintenance until 2026-03-02 14:00 UTC"`` (each time the hold is set or
    moves), ``"maintenance over, paging now"``.

    Entries whose effects were all ignored (a second acknowledgement) say so.
    """
    word = _WORDS.get(kind, kind)
    if kind == "paged":
        people = ", ".join(names.get(p, p) for p in detail.get("people", []))
        return f"paged {people} (tier {detail.get('tier', '?')})"
    if kind == "alerts":
        return f"{detail.get('new', 0)} new alert(s) from {actor or 'the source'}"
    if kind == "routed":
        return f"routed to {detail.get('service', '?')}"
    if kind == "ticket":
        return f"ticket {detail.get('key', '?')} opened"
    if kind == "maintenance":
        until = _utc_words(detail.get("until"))
        return f"{word} until {until}" if until else word
    effects = detail.get("effects") or []
    if kind == "maintenanceended" and "PageTier" in effects:
        return "maintenance over, paging now"
    text = word if actor is None else f"{word} by {names.get(actor, actor)}"
    if effects and all(not e[:1].isupper() for e in effects):
        text += f" (no change: {effects[0]})"
    return text


def incident_description(record: IncidentRecord) -> str | None:
    """What an incident is about, in the alert's words: its ``description`` annotation, else
    its ``summary``; None when it has neither (or both are empty). Cards, pages and lists
    all show this one."""
    return record.annotations.get("description") or record.annotations.get("summary") or None


async def current_card(uow: UnitOfWork, incident_id: int, now: datetime) -> dict[str, Any] | None:
    """The card snapshot of the incident as it stands; None for an unknown id.

    Adds to :func:`core.incidents.effects.incident_snapshot`: ``people`` (id -> name of
    everyone the card names), ``paged`` (who the latest page went to), ``oncall`` per tier of
    the escalation path (only while the incident is open), ``next_step_at`` (the escalation
    due while nobody acknowledges; None once acknowledged, resolved or out of tiers), the
    lifecycle times, ``maintenance_until`` (while held: the pending hold's due time, so a
    window extended or cancelled shows its real end), ``timeline`` (the latest entries,
    oldest first), ``version`` (how many timeline events exist: a copy rendered at this
    version shows everything) and
    ``ticket`` (``{"system", "key", "url", "status"}``, ``url`` only http(s); None without).
    """
    # The timeline first: its length is the card's version, and everything read after it is
    # at least as new. A read-only unit sees each statement's latest commit (READ COMMITTED on
    # PostgreSQL), so reading the incident first could pair a "triggered" row with the version
    # of a resolution committed in between; a copy claiming that version would never be
    # updated again. Read this way, a copy can only under-claim, and the next update fixes it.
    events = await uow.incidents.events(incident_id)
    record = await uow.incidents.get(incident_id)
    if record is None:
        return None
    config = await uow.config.load() or Configuration()
    state = record.state
    snapshot = incident_snapshot(record, state, config)
    if snapshot["maintenance_until"] is not None:  # held: the end as it stands, moves and all
        hold = next((h for h in await uow.maintenance.holds() if h.incident_id == record.id), None)
        if hold is not None:
            snapshot["maintenance_until"] = hold.due_at.isoformat()
    names = {p.id: p.display_name for p in config.people}
    paged: list[str] = []
    last_page: datetime | None = None
    for at, kind, _actor, detail in events:
        if kind == "paged":
            paged, last_page = list(detail.get("people", [])), at
    path = snapshot["escalation_path"]
    if state.status != "resolved" and path:
        schedules = [
            t.partition(":")[2]
            for tier in path
            for t in tier["targets"]
            if t.startswith("schedule:")
        ]
        schedule_state = await load_state(uow, now, now, schedule_ids=schedules)
        for tier in path:
            oncall: list[str] = []
            for target in tier["targets"]:
                kind, _, ref = target.partition(":")
                found = ref if kind == "person" else None
                if kind == "schedule":
                    shift = who_for(schedule_state, ref, now)
                    found = shift.person if shift is not None else None
                if found is not None and found not in oncall:
                    oncall.append(found)
            tier["oncall"] = oncall
    next_step: datetime | None = None
    if state.status == "triggered" and not state.exhausted and last_page and path:
        current = path[min(state.tier, len(path) - 1)]
        next_step = last_page + timedelta(seconds=current["escalate_after"])
    mentioned = {*paged, *(p for t in path for p in t.get("oncall", []))}
    mentioned |= {x for x in (state.assignee, state.acknowledged_by, state.resolved_by) if x}
    mentioned |= {actor for _, _, actor, _ in events if actor in names}  # who acted, by name
    snapshot.update(
        people={p: names.get(p, p) for p in sorted(mentioned)},
        paged=paged,
        next_step_at=_iso(next_step),
        opened_at=_iso(record.opened_at),
        acknowledged_at=_iso(state.acknowledged_at),
        acknowledged_by=state.acknowledged_by,
        resolved_at=_iso(state.resolved_at),
        resolved_by=state.resolved_by,
        snoozed_until=_iso(state.snoozed_until),
        description=incident_description(record),
        timeline=[
            {
                "at": at.isoformat(),
                "kind": kind,
                "actor": actor,
                "text": timeline_text(kind, actor, detail, names),
            }
            for at, kind, actor, detail in events[-TIMELINE_ENTRIES:]
        ],
        version=len(events),
        ticket=ticket_link(await uow.tickets.for_incident(incident_id)),
    )
    return snapshot


async def digest_entries(uow: UnitOfWork, incident_ids: list[int]) -> list[dict[str, Any]]:
    """What a storm digest shows of each incident (a line: severity, service, title, status),
    in the order given; unknown ids are left out. Cheap: no schedules, no timeline."""
    config = await uow.config.load() or Configuration()
    names = {s.id: s.name for s in config.services}
    out: list[dict[str, Any]] = []
    for incident_id in incident_ids:
        record = await uow.incidents.get(incident_id)
        if record is not None:
            out.append(
                {
                    "id": record.id,
                    "title": record.title,
                    "service": record.service_id,
                    "service_name": names.get(record.service_id) or record.service_id,
                    "severity": record.severity,
                    "status": record.state.status,
                }
            )
    return out
