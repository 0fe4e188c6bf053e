"""Reading an incident snapshot for Slack: any key may be missing, ``None`` or of the wrong type.

The snapshot is the one stored in outbox payloads (see
:func:`core.incidents.effects.incident_snapshot`). These readers never raise: a missing or
malformed value reads as empty (``""``, ``{}``, ``[]``) or ``None``. Names are escaped; the only
mentions are of people paged for the incident. Pure functions, no I/O.
"""

from __future__ import annotations

from typing import Any

from bot.handlers.slack.mrkdwn import escape, mention, truncate

TITLE_CHARS = 200
"""Titles, services and names are cut to this many characters."""

_MARKERS = {
    "critical": ":red_circle:",
    "warning": ":large_orange_circle:",
    "info": ":large_blue_circle:",
}
_OTHER_MARKER = ":white_circle:"


def value_of(snapshot: Any, key: str) -> Any:
    """The raw value at ``key``; ``None`` when missing or the snapshot is not a dict."""
    return snapshot.get(key) if isinstance(snapshot, dict) else None


def text_of(snapshot: Any, key: str) -> str:
    """The value at ``key`` as stripped text; ``""`` when missing, ``None``, a dict or a list."""
    value = value_of(snapshot, key)
    if value is None or isinstance(value, (dict, list)):
        return ""
    return str(value).strip()


def one_line(text: str, limit: int) -> str:
    """Escaped, on one line, cut to ``limit``."""
    return truncate(escape(" ".join(text.split())), limit)


def as_dict(value: Any) -> dict[Any, Any]:
    """``value`` when it is a dict, else ``{}``."""
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    """``value`` as a list when it is a list or tuple, else ``[]``."""
    return list(value) if isinstance(value, (list, tuple)) else []


def as_int(value: Any) -> int | None:
    """An int, or a string of ASCII digits as one; ``None`` for booleans and anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isascii() and value.strip().isdigit():
        return int(value)
    return None


def incident_id(snapshot: Any) -> int | None:
    """The incident id, or ``None`` when missing or not a non-negative integer."""
    value = as_int(value_of(snapshot, "id"))
    return value if value is not None and value >= 0 else None


def marker(severity: str) -> str:
    """The severity's emoji: red critical, orange warning, blue info, white anything else."""
    return _MARKERS.get(severity.lower(), _OTHER_MARKER)


class SnapshotPeople:
    """Names and mentions. Only paged people with a well-formed Slack id are mentioned."""

    def __init__(self, snapshot: Any) -> None:
        self.names = as_dict(value_of(snapshot, "people"))
        self.slack = as_dict(value_of(snapshot, "slack_users"))
        self.paged = [p for p in as_list(value_of(snapshot, "paged")) if isinstance(p, str)]

    def name(self, person: Any) -> str:
        """The escaped display name (the id when no name is known); never a mention."""
        shown = self.names.get(person) if isinstance(person, str) else None
        return one_line(str(shown or person or "someone"), TITLE_CHARS)

    def who(self, person: Any) -> str:
        """A mention for a paged person with a Slack id, otherwise the escaped name."""
        if isinstance(person, str) and person in self.paged:
            return mention(self.slack.get(person), self.names.get(person) or person)
        return self.name(person)

    def many(self, people: list[Any], shown: int) -> str:
        """The first ``shown`` people (mentioned when paged), then ``and N more``."""
        text = ", ".join(self.who(p) for p in people[:shown])
        return text + (f" and {len(people) - shown} more" if len(people) > shown else "")
