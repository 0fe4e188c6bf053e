"""What a click on an incident card (or ``/oncall ack``) does, and the answer the person gets.

Every surface calls :func:`incident_action`, so a button in Slack, an ``Action.Execute`` in
Teams and ``/oncall ack 12`` behave the same. Two people clicking Acknowledge at once: one
acknowledgement (the database serialises the two units of work) and an answer each, the
second told who was first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from core.config.model import Configuration
from core.config.timefmt import zone as zone_named
from core.incidents.lifecycle import (
    Acknowledge,
    Escalate,
    Event,
    IncidentState,
    Resolve,
    Snooze,
    TransitionError,
)
from core.incidents.service import IncidentNotFound, act_in_turn
from core.ports import UnitOfWork

Verb = Literal["acknowledge", "escalate", "resolve", "snooze"]
VERBS: tuple[Verb, ...] = ("acknowledge", "escalate", "resolve", "snooze")
MAX_SNOOZE = timedelta(days=7)


@dataclass(frozen=True)
class ActionOutcome:
    """``changed`` False: nothing was written (unknown incident, refused, or a repeat)."""

    incident_id: int
    changed: bool
    text: str
    status: str | None = None


def _events(
    verb: Verb, actor: str, state: IncidentState, now: datetime, snooze: timedelta | None
) -> list[Event]:
    if verb == "acknowledge":
        return [Acknowledge(actor)]
    if verb == "resolve":
        return [Resolve(actor)]
    if verb == "escalate":
        return [Escalate(actor)]
    length = snooze or timedelta(hours=1)
    if not timedelta(minutes=1) <= length <= MAX_SNOOZE:
        raise TransitionError("snooze for between a minute and 7 days")
    until = now + length
    return (
        [Snooze(actor, until)]
        if state.status == "acknowledged"
        else [
            Acknowledge(actor),
            Snooze(actor, until),
        ]
    )


def _name(config: Configuration, person_id: str | None) -> str:
    person = config.person(person_id) if person_id else None
    return person.display_name if person else (person_id or "someone")


def _local(config: Configuration, person_id: str, moment: datetime | None) -> str:
    """``moment`` as the person reads it: their zone, else the configuration's."""
    if moment is None:
        return "?"
    person = config.person(person_id)
    zone = zone_named((person.timezone if person else None) or config.timezone)
    return moment.astimezone(zone).strftime("%a %H:%M %Z")


async def incident_action(
    uow: UnitOfWork,
    incident_id: int,
    verb: Verb,
    person_id: str,
    now: datetime,
    *,
    snooze: timedelta | None = None,
) -> ActionOutcome:
    """Act on an incident as ``person_id``; never raises for a person's mistake.

    Snoozing a triggered incident acknowledges it first (as the person clicking it means).
    A second acknowledgement is a no-op that names who acknowledged; acting on a resolved
    incident is refused and says when and by whom it was resolved.
    """
    async with uow:
        record = await uow.incidents.get(incident_id)
        config = await uow.config.load() or Configuration()
    if record is None:
        return ActionOutcome(incident_id, False, f"There is no incident #{incident_id}.")
    ref = f"#{incident_id} {record.title}"
    try:
        events = _events(verb, person_id, record.state, now, snooze)
        before, after = await act_in_turn(uow, incident_id, events, person_id, now)
    except IncidentNotFound:
        return ActionOutcome(incident_id, False, f"There is no incident #{incident_id}.")
    except TransitionError as exc:
        state = record.state
        if state.status == "resolved":
            who = _name(config, state.resolved_by)
            return ActionOutcome(
                incident_id, False, f"{ref} is resolved already (by {who}).", "resolved"
            )
        return ActionOutcome(incident_id, False, f"{ref}: {exc}.", state.status)
    if before == after:
        if after.status == "resolved":
            text = f"{ref} is resolved already (by {_name(config, after.resolved_by)})."
        elif after.status == "acknowledged":
            text = f"{ref} was acknowledged already by {_name(config, after.acknowledged_by)}."
        else:
            text = f"{ref}: nothing to change."
        return ActionOutcome(incident_id, False, text, after.status)
    done = {
        "acknowledge": "acknowledged",
        "resolve": "resolved",
        "escalate": f"escalated to tier {after.tier + 1}",
        "snooze": "snoozed",
    }[verb]
    until = f" until {_local(config, person_id, after.snoozed_until)}" if verb == "snooze" else ""
    return ActionOutcome(incident_id, True, f"You {done} {ref}{until}.", after.status)
