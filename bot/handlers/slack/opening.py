"""Opening a modal: from a command whose reply asks for a form, or from a button.

A neutral command that wants a form returns a :class:`~bot.commands.replies.Reply` with
``extra={"modal": <View value>, "prefill": {...}}`` (``/oncall timeoff`` with no words). The
slash command listener calls :func:`open_for_reply`; it opens the modal registered for that
view in ``SlackDeps.modals`` with the command's ``trigger_id``, or answers False so the
listener shows the reply instead (no opener, no trigger, or Slack refused). Each modal module
registers its opener in its registrar: ``deps.modals[View.X.value] = opener``.

Buttons that open modals (App Home, gap warnings) carry their prefill in their value;
:func:`request_from_action` reads one into a :class:`ModalRequest`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from integrations.json_body import BadJSON, decode_json

log = logging.getLogger("oncall.slack")
MAX_PREFILL = 2000


@dataclass(frozen=True)
class ModalRequest:
    """Who asked for a modal and from where. ``origin``: ``command``, ``home`` (a button on
    the Home tab) or ``message`` (a button in a message). ``response_url``: where to answer
    after the submission (a slash command's), when there is one."""

    trigger_id: str
    user_id: str
    person_id: str | None
    origin: str
    channel_id: str | None = None
    response_url: str | None = None
    prefill: dict[str, Any] = field(default_factory=dict)


ModalOpener = Callable[[ModalRequest], Awaitable[bool]]
"""Opens its modal for the request (``views.open``); False when Slack refused."""


def prefill_of(value: object) -> dict[str, Any]:
    """A button value's prefill: a JSON object of at most 2,000 characters, else ``{}``
    (an empty, forged or truncated value opens an empty form rather than fails)."""
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_PREFILL:
        return {}
    try:
        parsed = decode_json(value)
    except BadJSON:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def request_from_action(body: Mapping[str, Any], person_id: str | None) -> ModalRequest:
    """The request a ``block_actions`` click makes (its first action's value is the prefill)."""
    actions = body.get("actions") or [{}]
    container = body.get("container") or {}
    view = body.get("view") or {}
    origin = "home" if view.get("type") == "home" else str(container.get("type") or "message")
    return ModalRequest(
        trigger_id=str(body.get("trigger_id") or ""),
        user_id=str((body.get("user") or {}).get("id") or ""),
        person_id=person_id,
        origin=origin,
        channel_id=(body.get("channel") or {}).get("id"),
        response_url=body.get("response_url"),
        prefill=prefill_of(actions[0].get("value")),
    )


async def open_for_reply(
    modals: Mapping[str, ModalOpener],
    extra: Mapping[str, Any],
    command: Mapping[str, Any],
    person_id: str | None,
) -> bool:
    """Open the modal ``extra["modal"]`` names for a slash command; False to show the reply.

    ``extra["prefill"]`` (a dict) gives the initial values. Never raises: a failing opener is
    logged and the reply is shown instead.
    """
    opener = modals.get(str(extra.get("modal") or ""))
    trigger = str(command.get("trigger_id") or "")
    if opener is None or not trigger:
        return False
    prefill = extra.get("prefill")
    request = ModalRequest(
        trigger_id=trigger,
        user_id=str(command.get("user_id") or ""),
        person_id=person_id,
        origin="command",
        channel_id=command.get("channel_id"),
        response_url=command.get("response_url"),
        prefill=dict(prefill) if isinstance(prefill, Mapping) else {},
    )
    try:
        return await opener(request)
    except Exception:
        log.exception("opening the %s modal failed", extra.get("modal"))
        return False
