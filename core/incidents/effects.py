"""Carrying out the state machine's effects as writes in the same transaction.

Nothing here talks to Slack, Teams or a ticket tracker: a page or a notification becomes an
outbox row, an escalation becomes a pending step, and the sender delivers the rows later. So a
state change and what it causes are durable together, or not at all.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from core.config.model import Configuration
from core.incidents.lifecycle import (
    CancelPending,
    Effect,
    HoldForMaintenance,
    Ignored,
    IncidentState,
    Notify,
    PagePerson,
    PageTier,
    ScheduleEscalation,
    ScheduleSnoozeEnd,
)
from core.incidents.ports import IncidentRecord, OutboxMessage
from core.incidents.routing import severity_of
from core.maintenance.windows import shown_until
from core.oncall.views import load_state, who_for
from core.ports import UnitOfWork

# Incident notices that also go to the ticket (when the severity's rule has ``ticket: true``):
# the notice's kind -> the ticket message's kind (core.tickets: open, comment, close).
TICKET_KINDS = {
    "triggered": "open",
    "acknowledged": "acknowledged",
    "escalated": "escalated",
    "reassigned": "reassigned",
    "resolved": "resolve",
}


def incident_snapshot(
    record: IncidentRecord, state: IncidentState, config: Configuration
) -> dict[str, Any]:
    """What a card shows: the incident, its service's links, and the escalation path.

    ``maintenance_until``: the end (ISO 8601) of the maintenance window the incident was opened
    in, while it is held there (triggered and not paging); else None.
    """
    service = next((s for s in config.services if s.id == record.service_id), None)
    policy = next((p for p in config.escalation_policies if p.id == record.policy_id), None)
    return {
        "id": record.id,
        "title": record.title,
        "service": record.service_id,
        "service_name": service.name if service and service.name else record.service_id,
        "team": record.team_id,
        "severity": record.severity,
        "status": state.status,
        "tier": state.tier + 1,
        "assignee": state.assignee,
        "labels": dict(record.labels),
        "annotations": dict(record.annotations),
        "runbook": record.annotations.get("runbook_url") or (service.runbook if service else None),
        "dashboard": record.annotations.get("dashboard")
        or (service.dashboard if service else None),
        "links": dict(record.links),
        "escalation_path": [
            {
                "tier": i + 1,
                "targets": list(t.targets),
                "escalate_after": int(t.escalate_after.total_seconds()),
            }
            for i, t in enumerate(policy.tiers)
        ]
        if policy
        else [],
        "alerts": record.alert_count,
        "maintenance_until": held.isoformat() if (held := shown_until(record, state)) else None,
    }


async def apply_effects(
    uow: UnitOfWork,
    record: IncidentRecord,
    state: IncidentState,
    effects: tuple[Effect, ...],
    *,
    config: Configuration,
    event_id: int,
    now: datetime,
) -> IncidentState:
    """Write every effect; returns the state with the paged assignee filled in.

    Idempotency keys are ``incident/event/n``: the same event never writes a message twice.
    """
    _, rule = severity_of(config, {"severity": record.severity})
    outgoing: list[OutboxMessage] = []

    def message(destination: str, kind: str, payload: dict[str, Any]) -> None:
        key = f"incident/{record.id}/event/{event_id}/{len(outgoing) + 1}"
        outgoing.append(
            OutboxMessage(key, destination, kind, payload, created_at=now, incident_id=record.id)
        )

    paged: list[str] = []
    for effect in effects:
        if isinstance(effect, (PageTier, PagePerson)):
            people = await _targets(uow, config, record, effect, now)
            paged.extend(p for p in people if p not in paged)
        elif isinstance(effect, ScheduleEscalation):
            await uow.incidents.schedule_step(
                record.id, "escalate", effect.due_at, effect.tier, effect.cycle, now
            )
        elif isinstance(effect, ScheduleSnoozeEnd):
            await uow.incidents.schedule_step(record.id, "snooze_end", effect.due_at, 0, 0, now)
        elif isinstance(effect, CancelPending):
            await uow.incidents.cancel_steps(record.id, now)
        elif isinstance(effect, HoldForMaintenance):
            await uow.maintenance.hold(
                record.id, record.service_id, record.team_id, effect.until, effect.pages, now
            )
    if paged and state.assignee not in paged:
        state = replace(state, assignee=paged[0])
    snapshot = incident_snapshot(record, state, config)
    for person_id in paged:
        person = config.person(person_id)
        message(
            "chat",
            "page",
            {
                "incident": snapshot,
                "person": person_id,
                "slack": person.slack if person else None,
                "email": person.email if person else None,
                "teams": person.teams if person else None,
                "notify": list(rule.notify),
            },
        )
    for effect in effects:
        if isinstance(effect, Notify):
            team = next((t for t in config.teams if t.id == record.team_id), None)
            message(
                "chat",
                f"incident.{effect.kind}",
                {
                    "incident": snapshot,
                    "actor": effect.actor,
                    "channel": "channel" in rule.notify,
                    "slack_channel": team.slack_channel if team else None,
                    "teams_channel": team.teams_channel if team else None,
                },
            )
            ticket_kind = TICKET_KINDS.get(effect.kind)
            if rule.ticket and ticket_kind is not None:
                body: dict[str, Any] = {"incident": snapshot}
                if ticket_kind != "open":
                    body["actor"] = effect.actor
                message("ticket", ticket_kind, body)
    await uow.outbox.add_many(outgoing)
    if paged:
        await uow.incidents.add_event(
            record.id, now, "paged", None, {"people": paged, "tier": state.tier + 1}
        )
    return state


async def _targets(
    uow: UnitOfWork,
    config: Configuration,
    record: IncidentRecord,
    effect: PageTier | PagePerson,
    now: datetime,
) -> list[str]:
    """The people to page: a person, or whoever is on call now in the tier's schedules."""
    if isinstance(effect, PagePerson):
        return [effect.person]
    policy = next((p for p in config.escalation_policies if p.id == record.policy_id), None)
    if policy is None or effect.tier >= len(policy.tiers):
        return []
    people: list[str] = []
    schedules = [
        t.partition(":")[2] for t in policy.tiers[effect.tier].targets if t.startswith("schedule:")
    ]
    state = await load_state(uow, now, now, schedule_ids=schedules) if schedules else None
    for target in policy.tiers[effect.tier].targets:
        kind, _, ref = target.partition(":")
        if kind == "person":
            people.append(ref)
        elif state is not None:
            found = who_for(state, ref, now)
            if found is not None:
                people.append(found.person)
    return list(dict.fromkeys(people))


def describe(effects: tuple[Effect, ...]) -> list[str]:
    """Short names of the effects, for the timeline."""
    return [e.reason if isinstance(e, Ignored) else type(e).__name__ for e in effects]
