"""The post-incident review in Block Kit: the DM that offers it, the modal, its metadata.

The modal's block ids are the field ids of :mod:`core.reviews.form`, so its errors go
straight into ``response_action: errors``; ``private_metadata`` is ``{"incident": id}``.
Inputs are capped at the form's limits (Slack refuses longer text before we see it; the form
checks again). A forged or unreadable metadata gives None, never raises. Pure functions.
"""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View as ViewModel

from bot.commands.actions import Action, View
from bot.handlers.slack.modal_views import VALUE
from bot.handlers.slack.mrkdwn import escape, truncate
from core.reviews import form
from core.reviews.ports import StoredReview
from integrations.json_body import BadJSON, decode_json


def _plain(text: str, limit: int = 75) -> PlainTextObject:
    return PlainTextObject(text=truncate(" ".join(text.split()), limit) or "-", emoji=True)


def _about(incident: dict[str, Any]) -> str:
    title = escape(truncate(" ".join(str(incident.get("title") or "").split()), 150))
    service = escape(incident.get("service_name") or incident.get("service") or "?")
    return f"#{incident.get('id')} *{title}* ({service})"


def offer_text(incident: dict[str, Any]) -> str:
    """The notification text of the offer."""
    return f"Incident #{incident.get('id')} is resolved: would you write a short review?"


def offer_blocks(incident: dict[str, Any]) -> list[dict[str, Any]]:
    """The DM: the incident, a line on what the review asks, the "Write a review" button."""
    text = (
        f"Incident {_about(incident)} is resolved. Would you write a short review: what "
        "happened, the cause, and the follow-ups? It is kept with the incident and added to "
        "its ticket."
    )
    blocks = [
        SectionBlock(text=MarkdownTextObject(text=truncate(text, 3000), verbatim=True)),
        ActionsBlock(
            block_id="review",
            elements=[
                ButtonElement(
                    text=_plain("Write a review"),
                    action_id=Action.OPEN_REVIEW.value,
                    value=str(incident.get("id")),
                    style="primary",
                )
            ],
        ),
    ]
    return [b.to_dict() for b in blocks]


def review_view(incident_id: int, title: str, earlier: StoredReview | None) -> dict[str, Any]:
    """The modal: summary (required), cause, follow-ups (one per line); prefilled with the
    earlier review when there is one (submitting replaces it)."""

    def text_input(
        block_id: str, label: str, limit: int, *, multiline: bool, optional: bool, value: str
    ) -> InputBlock:
        element = PlainTextInputElement(
            action_id=VALUE,
            multiline=multiline,
            max_length=limit,
            initial_value=value or None,
        )
        return InputBlock(
            block_id=block_id, label=_plain(label), element=element, optional=optional
        )

    summary = earlier.summary if earlier else ""
    cause = (earlier.cause or "") if earlier else ""
    follow_ups = "\n".join(earlier.follow_ups) if earlier else ""
    note = f"Incident #{incident_id}: {escape(truncate(' '.join(title.split()), 200))}"
    if earlier is not None:
        note += f". Saving replaces the review {escape(earlier.author)} wrote."
    blocks = [
        ContextBlock(elements=[MarkdownTextObject(text=note, verbatim=True)]),
        text_input(
            form.SUMMARY, "Summary", form.MAX_SUMMARY, multiline=False, optional=False,
            value=summary,
        ),
        text_input(
            form.CAUSE, "Cause", form.MAX_CAUSE, multiline=True, optional=True, value=cause
        ),
        text_input(
            form.FOLLOW_UPS, "Follow-ups (one per line)", form.MAX_FOLLOW_UPS_TEXT,
            multiline=True, optional=True, value=follow_ups,
        ),
    ]  # fmt: skip
    view = ViewModel(
        type="modal",
        callback_id=View.REVIEW.value,
        title=_plain("Incident review", 24),
        submit=_plain("Save", 24),
        close=_plain("Cancel", 24),
        private_metadata=json.dumps({"incident": incident_id}),
        blocks=blocks,
    )
    return view.to_dict()


def incident_of(metadata: object) -> int | None:
    """The incident id a submitted review modal carries; None for anything else."""
    if not isinstance(metadata, str) or not metadata or len(metadata) > 200:
        return None
    try:
        parsed = decode_json(metadata)
    except BadJSON:
        return None
    incident = parsed.get("incident") if isinstance(parsed, dict) else None
    if isinstance(incident, bool) or not isinstance(incident, int) or incident <= 0:
        return None
    return incident


def saved_text(incident_id: int, replaced: bool) -> str:
    """What the modal says once the review is stored."""
    text = f"Review saved. Thank you: your review of incident #{incident_id} is kept with it"
    return text + (", in place of the earlier one." if replaced else ".")
