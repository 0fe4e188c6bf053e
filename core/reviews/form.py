"""Reading a submitted review form: pure, the same for Slack's modal and Teams' card.

Field ids (:data:`SUMMARY`, :data:`CAUSE`, :data:`FOLLOW_UPS`) are the block ids of Slack's
modal and the input ids of Teams' card, so errors go straight back under their field.

Edge cases: values that are not strings count as empty; whitespace around a value is dropped
and a value of only whitespace is empty; the summary is required; a text over its cap is
refused (never cut silently); follow-ups are one per line, empty lines dropped, a leading
``-``, ``*`` or ``•`` bullet removed, at most :data:`MAX_FOLLOW_UPS` of them. Control
characters other than newlines and tabs are removed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from core.reviews.ports import ReviewFields

SUMMARY = "summary"
CAUSE = "cause"
FOLLOW_UPS = "follow_ups"
FIELDS = (SUMMARY, CAUSE, FOLLOW_UPS)

MAX_SUMMARY = 500
MAX_CAUSE = 3000
MAX_FOLLOW_UPS_TEXT = 3000
MAX_FOLLOW_UPS = 20
MAX_FOLLOW_UP = 300

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")


class ReviewInvalid(ValueError):
    """A form that cannot be stored; ``errors`` maps field ids to what is wrong with each."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = dict(errors)


def _text(value: object) -> str:
    if not isinstance(value, str):
        return ""
    return _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n")).strip()


def read_review(values: Mapping[str, object]) -> ReviewFields:
    """The fields of a submission; :class:`ReviewInvalid` with every bad field at once."""
    errors: dict[str, str] = {}
    summary = _text(values.get(SUMMARY))
    cause = _text(values.get(CAUSE))
    follow_text = _text(values.get(FOLLOW_UPS))
    if not summary:
        errors[SUMMARY] = "Write a short summary of what happened."
    elif len(summary) > MAX_SUMMARY:
        errors[SUMMARY] = f"At most {MAX_SUMMARY} characters (this is {len(summary)})."
    if len(cause) > MAX_CAUSE:
        errors[CAUSE] = f"At most {MAX_CAUSE} characters (this is {len(cause)})."
    follow_ups = tuple(
        item for item in (_BULLET.sub("", line).strip() for line in follow_text.split("\n")) if item
    )
    if len(follow_text) > MAX_FOLLOW_UPS_TEXT:
        errors[FOLLOW_UPS] = f"At most {MAX_FOLLOW_UPS_TEXT} characters in all."
    elif len(follow_ups) > MAX_FOLLOW_UPS:
        errors[FOLLOW_UPS] = f"At most {MAX_FOLLOW_UPS} follow-ups, one per line."
    elif any(len(item) > MAX_FOLLOW_UP for item in follow_ups):
        errors[FOLLOW_UPS] = f"Each follow-up at most {MAX_FOLLOW_UP} characters."
    if errors:
        raise ReviewInvalid(errors)
    return ReviewFields(summary, cause or None, follow_ups)
