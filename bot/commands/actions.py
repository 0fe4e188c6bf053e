"""The ids of every button and menu the bot shows, in one place (ARCHITECTURE.md rule 4).

A button carries what it acts on in its own value (``"<incident id>"``, or
``"<incident id>:<seconds>"`` for a snooze choice), never a message timestamp to look up.
Slack and Teams use the same ids, so one table of tests covers both.
"""

from __future__ import annotations

from enum import StrEnum

from core.chat.responses import Verb


class Action(StrEnum):
    """Action ids; their values appear in Slack's ``action_id`` and Teams' ``verb``."""

    ACKNOWLEDGE = "incident.acknowledge"
    ESCALATE = "incident.escalate"
    RESOLVE = "incident.resolve"
    SNOOZE = "incident.snooze"
    SWAP_ACCEPT = "swap.accept"  # value: the swap id
    SWAP_DECLINE = "swap.decline"  # value: the swap id
    SWAP_CANCEL = "swap.cancel"  # value: the swap id (the requester withdraws it)
    OPEN_TIME_OFF = "open.timeoff"  # buttons that open a modal (App Home, gap warnings)
    OPEN_OVERRIDE = "open.override"  # value: "" or a prefill (schedule id, window)
    OPEN_SWAP = "open.swap"
    OPEN_CONFIG = "open.config"
    OPEN_REVIEW = "open.review"  # value: the incident id (opens the review form)
    SUBMIT_REVIEW = "review.submit"  # Teams' review card; data: the incident id and the fields


class View(StrEnum):
    """Callback ids of modals; a submission carries its own ids in ``private_metadata``."""

    TIME_OFF = "view.timeoff"
    OVERRIDE = "view.override"
    SWAP = "view.swap"
    CONFIG = "view.config"
    REVIEW = "view.review"  # private_metadata: {"incident": id}


INCIDENT_VERBS: dict[Action, Verb] = {
    Action.ACKNOWLEDGE: "acknowledge",
    Action.ESCALATE: "escalate",
    Action.RESOLVE: "resolve",
    Action.SNOOZE: "snooze",
}
"""What each incident button does (:func:`core.chat.responses.incident_action`'s verb)."""
SWAP_VERBS: dict[Action, str] = {
    Action.SWAP_ACCEPT: "accept",
    Action.SWAP_DECLINE: "decline",
    Action.SWAP_CANCEL: "cancel",
}
"""What each swap button does (:func:`bot.commands.swap.decide`'s verb)."""

SNOOZE_CHOICES: tuple[tuple[str, int], ...] = (("30 m", 30 * 60), ("1 h", 3600), ("4 h", 4 * 3600))
"""Snooze choices on an incident card: label and seconds."""


def snooze_value(incident_id: int, seconds: int) -> str:
    """The value a snooze choice carries."""
    return f"{incident_id}:{seconds}"


def parse_value(value: str) -> tuple[int, int | None]:
    """``"12"`` -> ``(12, None)``, ``"12:1800"`` -> ``(12, 1800)``.

    :class:`ValueError` for anything else (a forged or truncated value): the caller answers
    with a clear message and changes nothing.
    """
    head, sep, tail = value.partition(":")
    if not head.isdigit() or (sep and not tail.isdigit()) or len(value) > 40:
        raise ValueError(f"not an incident action value: {value[:40]!r}")
    return int(head), int(tail) if sep else None
