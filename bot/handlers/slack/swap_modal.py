"""The swap modal (:attr:`~bot.commands.actions.View.SWAP`) in Block Kit, and reading what a
submission holds. Pure functions.

Fields, each an input block whose ``block_id`` is the field id core names in a refusal
(:class:`core.oncall.actions.SwapRefused`): ``counterpart`` (users_select), ``schedule``
(optional static_select: left empty, the schedule is found), ``from`` and ``to``
(datetimepicker: Slack shows it in the person's Slack time zone and answers with an instant,
a Unix time, so nothing is left to read in a zone), ``reason`` (optional, 500 characters).
``private_metadata`` is the JSON of where the modal was opened from (``origin``, and a slash
command's ``channel`` and ``response_url``), never anything the submission acts on.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.commands.actions import View
from bot.handlers.slack.mrkdwn import truncate
from integrations.json_body import BadJSON, decode_json

COUNTERPART, SCHEDULE, FROM, TO, REASON = "counterpart", "schedule", "from", "to", "reason"
FIELDS = (COUNTERPART, SCHEDULE, FROM, TO, REASON)
VALUE = "value"  # the action id of every input element
MAX_REASON = 500
MAX_OPTIONS = 100
MAX_METADATA = 3000
_METADATA_KEYS = ("origin", "channel", "response_url")


def _plain(text: str, limit: int = 75) -> dict[str, Any]:
    return {"type": "plain_text", "text": truncate(" ".join(text.split()), limit) or "-"}


def _input(block_id: str, label: str, element: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id,
        "label": _plain(label),
        "element": element,
        **more,
    }


def _picker(moment: datetime | None) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "datetimepicker", "action_id": VALUE}
    if moment is not None:
        element["initial_date_time"] = int(moment.timestamp())
    return element


def encode_metadata(meta: Mapping[str, Any]) -> str:
    """The known keys of ``meta`` as JSON; a response_url that would not fit is left out."""
    kept = {k: str(meta[k]) for k in _METADATA_KEYS if meta.get(k)}
    text = json.dumps(kept, separators=(",", ":"))
    if len(text) > MAX_METADATA:
        kept.pop("response_url", None)
        text = json.dumps(kept, separators=(",", ":"))
    return text


def decode_metadata(text: object) -> dict[str, str]:
    """The metadata back: known keys with string values only; anything else gives ``{}``."""
    try:
        parsed = decode_json(text) if isinstance(text, str) and text else {}
    except BadJSON:
        return {}
    if not isinstance(parsed, dict):
        return {}
    return {k: v for k, v in parsed.items() if k in _METADATA_KEYS and isinstance(v, str)}


def swap_view(
    *,
    schedules: Sequence[tuple[str, str]],
    schedule: str | None = None,
    counterpart_user: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    metadata: str = "",
) -> dict[str, Any]:
    """The modal: ``schedules`` are ``(id, name)`` choices (at most 100 shown); ``schedule``,
    ``counterpart_user`` (a Slack user id), ``start`` and ``end`` prefill it."""
    options = [{"text": _plain(name), "value": sid} for sid, name in list(schedules)[:MAX_OPTIONS]]
    chosen = next((o for o in options if o["value"] == schedule), None)
    select: dict[str, Any] = {"type": "static_select", "action_id": VALUE, "options": options}
    select["placeholder"] = _plain("Find it for me")
    if chosen is not None:
        select["initial_option"] = chosen
    users: dict[str, Any] = {"type": "users_select", "action_id": VALUE}
    if counterpart_user:
        users["initial_user"] = counterpart_user
    blocks = [
        _input(COUNTERPART, "Who should take it", users),
        _input(FROM, "From", _picker(start)),
        _input(TO, "To", _picker(end)),
        _input(REASON, "Reason", _reason_input(), optional=True),
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": "They get a DM to accept or decline; you hear their answer. "
                    "The window must be your shift, or part of one.",
                    "verbatim": True,
                }
            ],
        },
    ]
    if options:
        hint = _plain("Only needed when you are on call in several schedules then.", 150)
        blocks.insert(1, _input(SCHEDULE, "Schedule", select, optional=True, hint=hint))
    return {
        "type": "modal",
        "callback_id": View.SWAP.value,
        "title": _plain("Swap a shift", 24),
        "submit": _plain("Ask", 24),
        "close": _plain("Cancel", 24),
        "private_metadata": metadata[:MAX_METADATA],
        "blocks": blocks,
    }


def _reason_input() -> dict[str, Any]:
    return {
        "type": "plain_text_input",
        "action_id": VALUE,
        "max_length": MAX_REASON,
        "placeholder": _plain("A family dinner, a conference, ..."),
    }


@dataclass(frozen=True)
class SwapInputs:
    """What a submission holds; None where a field was left empty or holds nonsense."""

    counterpart_user: str | None
    schedule: str | None
    start: datetime | None
    end: datetime | None
    reason: str | None


def _instant(element: Mapping[str, Any]) -> datetime | None:
    raw = element.get("selected_date_time")
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        return None
    try:
        return datetime.fromtimestamp(int(raw), UTC)
    except (ValueError, OverflowError, OSError):
        return None


def read_submission(view: Mapping[str, Any]) -> SwapInputs:
    """The inputs of a ``view_submission``'s ``view.state.values``."""
    values = (view.get("state") or {}).get("values") or {}

    def element(block_id: str) -> Mapping[str, Any]:
        found = (values.get(block_id) or {}).get(VALUE)
        return found if isinstance(found, Mapping) else {}

    def text(raw: object) -> str | None:
        return raw if isinstance(raw, str) and raw.strip() else None

    option = element(SCHEDULE).get("selected_option") or {}
    return SwapInputs(
        counterpart_user=text(element(COUNTERPART).get("selected_user")),
        schedule=text(option.get("value") if isinstance(option, Mapping) else None),
        start=_instant(element(FROM)),
        end=_instant(element(TO)),
        reason=text(element(REASON).get("value")),
    )


def input_errors(inputs: SwapInputs, now: datetime) -> dict[str, str]:
    """What can be said of the inputs alone, per field (the rest is core's to refuse)."""
    errors: dict[str, str] = {}
    if inputs.counterpart_user is None:
        errors[COUNTERPART] = "Pick the person who should take your shift."
    if inputs.start is None:
        errors[FROM] = "Pick when the window starts."
    if inputs.end is None:
        errors[TO] = "Pick when the window ends."
    if inputs.start is not None and inputs.end is not None and inputs.end <= inputs.start:
        errors[TO] = "The end must be after the start."
    if inputs.reason is not None and len(inputs.reason) > MAX_REASON:
        errors[REASON] = f"Keep the reason under {MAX_REASON} characters."
    return errors


def field_errors(view: Mapping[str, Any], errors: Mapping[str | None, str]) -> dict[str, str]:
    """Errors on the view's own input blocks: one about a field the view lacks (or about
    the swap as a whole, field None) goes on the first input block. Texts (plain text, as
    Slack shows them) are cut to Slack's 2,000 characters."""
    shown = [
        str(b.get("block_id"))
        for b in view.get("blocks") or []
        if isinstance(b, Mapping) and b.get("type") == "input"
    ]
    out: dict[str, str] = {}
    for block_id, message in errors.items():
        target = block_id if block_id in shown else (shown[0] if shown else COUNTERPART)
        text = " ".join(str(message).split())
        out[target] = f"{out[target]} {text}" if target in out else text
    return {k: truncate(v, 2000) for k, v in out.items()}
