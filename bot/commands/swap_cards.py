"""What a swap's messages say, as neutral replies any chat surface renders.

Built from the outbox payloads of :mod:`core.oncall.swap_messages` (people with their zones,
the schedule and its zone, the windows in ISO 8601, the reason), so a destination renders them
without reading the database. Each person reads times in their own zone; the team channel in
the schedule's. A payload missing a field (an older message) shows ``-`` rather than fail.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from bot.commands.actions import Action
from bot.commands.context import local_time
from bot.commands.replies import Button, Fact, Reply, Section
from core.config.timefmt import zone as zone_named

OUTCOME_WORDS = {"accepted": "Accepted", "declined": "Declined", "cancelled": "Withdrawn"}


def _zone(name: object) -> tzinfo:
    try:
        return zone_named(str(name or "UTC"))
    except ValueError:
        return zone_named("UTC")


def _instant(text: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(text)) if text else None
    except ValueError:
        return None


def _person(payload: dict[str, Any], role: str) -> dict[str, Any]:
    found = payload.get(role)
    return found if isinstance(found, dict) else {}


def _window(payload: dict[str, Any], zone: tzinfo, start: str = "from", end: str = "to") -> str:
    return (
        f"{local_time(_instant(payload.get(start)), zone)} to "
        f"{local_time(_instant(payload.get(end)), zone)}"
    )


def _facts(payload: dict[str, Any], zone: tzinfo) -> tuple[Fact, ...]:
    facts = [
        Fact("Schedule", str(payload.get("schedule_name") or payload.get("schedule") or "-")),
        Fact("Window", _window(payload, zone)),
    ]
    if payload.get("take_from"):
        facts.append(Fact("You hand back", _window(payload, zone, "take_from", "take_to")))
    if payload.get("reason"):
        facts.append(Fact("Reason", str(payload["reason"])))
    return tuple(facts)


def request_card(payload: dict[str, Any], status: str) -> Reply:
    """The counterpart's message: the request with Accept and Decline while it is pending;
    once decided, the same without buttons, saying how it ended and by whom."""
    requester, counterpart = _person(payload, "requester"), _person(payload, "counterpart")
    zone = _zone(counterpart.get("timezone"))
    swap_id = str(payload.get("swap"))
    schedule = payload.get("schedule_name") or payload.get("schedule")
    asks = (
        f"{requester.get('name', '?')} asks you to take their shift in {schedule} from "
        f"{_window(payload, zone)} (swap {swap_id})."
    )
    facts = _facts(payload, zone)
    if status == "pending":
        buttons = (
            Button(Action.SWAP_ACCEPT, "Accept", swap_id, "primary"),
            Button(Action.SWAP_DECLINE, "Decline", swap_id, "danger"),
        )
        return Reply(text=asks, sections=(Section(facts=facts),), buttons=buttons)
    by = requester if status == "cancelled" else counterpart
    word = OUTCOME_WORDS.get(status, status.capitalize())
    outcome = f"{word} by {by.get('name', '?')}"
    if status == "accepted":
        outcome += f": you are on call in {schedule} from {_window(payload, zone)}"
    return Reply(text=f"{outcome}. {asks}", sections=(Section(facts=facts),))


def outcome_note(payload: dict[str, Any]) -> Reply:
    """The requester hears the answer (times in their zone)."""
    requester, counterpart = _person(payload, "requester"), _person(payload, "counterpart")
    zone = _zone(requester.get("timezone"))
    who = counterpart.get("name", "?")
    schedule = payload.get("schedule_name") or payload.get("schedule")
    window = _window(payload, zone)
    if payload.get("status") == "accepted":
        text = f"{who} accepted swap {payload.get('swap')}: {who} is on call in {schedule} "
        text += f"from {window} instead of you."
        if payload.get("take_from"):
            text += f" You take {_window(payload, zone, 'take_from', 'take_to')}."
    else:
        text = f"{who} declined swap {payload.get('swap')}: your shift in {schedule} from "
        text += f"{window} stays yours."
    return Reply(text=text, sections=(Section(facts=_facts(payload, zone)[:2]),))


def channel_note(payload: dict[str, Any]) -> Reply:
    """The team channel hears of an accepted swap (times in the schedule's zone)."""
    requester, counterpart = _person(payload, "requester"), _person(payload, "counterpart")
    zone = _zone(payload.get("schedule_timezone"))
    schedule = payload.get("schedule_name") or payload.get("schedule")
    text = (
        f"Swap in {schedule}: {counterpart.get('name', '?')} takes "
        f"{requester.get('name', '?')}'s shift from {_window(payload, zone)}."
    )
    if payload.get("take_from"):
        text += (
            f" {requester.get('name', '?')} takes "
            f"{_window(payload, zone, 'take_from', 'take_to')} in return."
        )
    return Reply(text=text, public=True)
