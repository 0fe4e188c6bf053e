"""Reading an incident snapshot for Slack: any key may be missing, ``None`` or of the wrong type.

The snapshot is the one stored in outbox payloads (see
:func:`core.incidents.effects.incident_snapshot`). These readers never raise: a missing or
malformed value reads as empty (``""``, ``{}``, ``[]``) or ``None``. Names are escaped; the only
mentions are of people paged for the incident. Pure functions, no I/O.
"""

from __future__ import annotations

from typing import Any

# The platform-neutral readers moved to bot.handlers.snapshot; re-exported here.
from bot.handlers.slack.mrkdwn import escape, mention, truncate
from bot.handlers.snapshot import (
    TITLE_CHARS,
    as_dict,
    as_int,
    as_list,
    incident_id,
    text_of,
    value_of,
)

__all__ = [
    "TITLE_CHARS",
    "SnapshotPeople",
    "as_dict",
    "as_int",
    "as_list",
    "incident_id",
    "marker",
    "one_line",
    "text_of",
    "value_of",
]

_MARKERS = {
    "critical": ":red_circle:",
    "warning": ":large_orange_circle:",
    "info": ":large_blue_circle:",
}
_OTHER_MARKER = ":white_circle:"


def one_line(text: str, limit: int) -> str:
    """Escaped, on one line, cut to ``limit``."""
    return truncate(escape(" ".join(text.split())), limit)


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
