"""What a swap tells people, as outbox messages (destination ``chat``).

``swap.requested`` asks the counterpart (a DM with Accept and Decline). ``swap.decided`` is
written once per audience of the decision (:data:`AUDIENCES`). Payloads carry what a chat
surface needs to render them without reading the database: people with their time zones, the
schedule and its zone, the team's channels, the windows (ISO 8601) and the reason.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core.config.model import Configuration
from core.incidents.ports import OutboxMessage
from core.oncall.swaps import name_of
from core.ports import SwapRequest

DESTINATION = "chat"


def _person(config: Configuration, person_id: str) -> dict[str, Any]:
    person = config.person(person_id)
    zone = (person.timezone if person else None) or config.timezone
    return {"id": person_id, "name": name_of(config, person_id), "timezone": zone}


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def swap_payload(config: Configuration, swap: SwapRequest) -> dict[str, Any]:
    """What a chat surface needs to show a swap: people with their zones, the schedule, the
    team's channels, the windows (ISO 8601) and the reason."""
    schedule = config.schedule(swap.schedule_id)
    team = next((t for t in config.teams if schedule and t.id == schedule.team), None)
    return {
        "swap": swap.id,
        "status": swap.status,
        "schedule": swap.schedule_id,
        "schedule_name": (schedule.name if schedule else None) or swap.schedule_id,
        "schedule_timezone": (schedule.timezone if schedule else None) or config.timezone,
        "team": team.id if team else None,
        "slack_channel": team.slack_channel if team else None,
        "teams_channel": team.teams_channel if team else None,
        "requester": _person(config, swap.requester),
        "counterpart": _person(config, swap.counterpart),
        "from": _iso(swap.give_start),
        "to": _iso(swap.give_end),
        "take_from": _iso(swap.take_start),
        "take_to": _iso(swap.take_end),
        "reason": swap.reason,
        "decided_at": _iso(swap.decided_at),
    }


def requested_message(config: Configuration, swap: SwapRequest, now: datetime) -> OutboxMessage:
    """The counterpart is asked (a DM with Accept and Decline)."""
    key = f"swap/{swap.id}/requested"
    return OutboxMessage(key, DESTINATION, "swap.requested", swap_payload(config, swap), now)


AUDIENCES = {
    "accepted": ("counterpart", "requester", "channel"),
    "declined": ("counterpart", "requester"),
    "cancelled": ("counterpart",),
}
"""Who hears of a decision: the counterpart's request message is updated in place, the
requester is told the answer, the team's channel hears of an accepted swap."""


def decided_messages(
    config: Configuration, swap: SwapRequest, now: datetime
) -> list[OutboxMessage]:
    """One ``swap.decided`` message per audience (see :data:`AUDIENCES`), the counterpart's
    first. Its key, ``swap/<id>/decided/counterpart``, exists once per swap, so two decisions
    racing each other cannot both be written."""
    payload = swap_payload(config, swap)
    return [
        OutboxMessage(
            f"swap/{swap.id}/decided/{audience}",
            DESTINATION,
            "swap.decided",
            {**payload, "audience": audience},
            now,
        )
        for audience in AUDIENCES.get(swap.status, ())
    ]
