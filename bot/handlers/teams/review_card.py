"""The post-incident review as Adaptive Cards: the form, and what replaces it once saved.

The form has one ``Input.Text`` per field of :mod:`core.reviews.form` (ids are its field ids,
so Teams puts the typed values into the submit's ``data`` under them) and an
``Action.Execute`` (verb :attr:`~bot.commands.actions.Action.SUBMIT_REVIEW`) carrying the
incident id. Shown again after a refusal, it keeps what was typed and says what is wrong,
field by field. Texts are escaped (Teams reads TextBlocks as Markdown). Pure functions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.commands.actions import Action
from bot.handlers.teams.adaptive import adaptive_card, escape, execute, one_line, text_block
from core.reviews import form

LABELS = {form.SUMMARY: "Summary", form.CAUSE: "Cause", form.FOLLOW_UPS: "Follow-ups"}


def _about(incident: Mapping[str, Any]) -> str:
    title = one_line(incident.get("title") or "", 150)
    service = escape(incident.get("service_name") or incident.get("service") or "?")
    return f"#{incident.get('id')} **{title}** ({service})"


def offer_summary(incident: Mapping[str, Any]) -> str:
    """The notification line of the offer."""
    return f"Incident #{incident.get('id')} is resolved: would you write a short review?"


def review_card(
    incident: Mapping[str, Any],
    *,
    values: Mapping[str, object] | None = None,
    errors: Mapping[str, str] | None = None,
    problem: str | None = None,
) -> dict[str, Any]:
    """The form for ``incident`` (a snapshot: ``id``, ``title``, ``service_name``);
    ``values`` prefill the inputs, ``errors`` (by field id) and ``problem`` are shown."""
    values, errors = values or {}, errors or {}

    def text(key: str) -> str:
        value = values.get(key)
        return value[:3000] if isinstance(value, str) else ""

    def field(key: str, limit: int, multiline: bool, placeholder: str) -> list[Any]:
        element: dict[str, Any] = {
            "type": "Input.Text",
            "id": key,
            "label": LABELS[key],
            "isMultiline": multiline,
            "maxLength": limit,
            "placeholder": placeholder,
            "value": text(key),
        }
        if key == form.SUMMARY:
            element["isRequired"] = True
            element["errorMessage"] = "Write a short summary."
        shown = [element]
        if key in errors:
            shown.append(text_block(escape(errors[key]), color="attention", size="small"))
        return shown

    body = [
        text_block(
            f"Incident {_about(incident)} is resolved. Would you write a short review? It is "
            "kept with the incident and added to its ticket.",
        ),
        text_block(escape(problem), color="attention", weight="bolder") if problem else None,
        *field(form.SUMMARY, form.MAX_SUMMARY, False, "What happened, in a line"),
        *field(form.CAUSE, form.MAX_CAUSE, True, "Why it happened"),
        *field(form.FOLLOW_UPS, form.MAX_FOLLOW_UPS_TEXT, True, "One per line"),
    ]
    data = {"incident": incident.get("id")}
    return adaptive_card(
        body, [execute("Save review", Action.SUBMIT_REVIEW.value, data, style="positive")]
    )


def saved_card(incident: Mapping[str, Any], author: str, replaced: bool) -> dict[str, Any]:
    """What replaces the form: "Review saved", with what was stored."""
    note = " It replaces the earlier review." if replaced else ""
    return adaptive_card(
        [
            text_block("**Review saved**", size="medium"),
            text_block(f"Thank you: the review of incident {_about(incident)} is kept.{note}"),
            text_block(f"By {escape(author)}.", isSubtle=True, size="small"),
        ]
    )
