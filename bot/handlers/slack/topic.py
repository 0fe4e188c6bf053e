"""The team channel's topic: who is on call now, before a marker; the team's own text after it.

``On call: Bob (Primary), nobody (Office) ¦ deploys frozen until Friday``: the bot rewrites the
part before :data:`MARKER` at each hand-over and keeps whatever the team wrote after it. A
topic without the marker (set before the bot, or by a person who removed it) is the team's
text entirely and is kept after the marker. Slack caps a topic at 250 characters: our part is
cut first (never below :data:`OURS_AT_LEAST`), then the team's text. Pure functions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.handlers.slack.mrkdwn import ELLIPSIS, escape
from core.oncall.handover_brief import OnCallNow

MARKER = "¦"
TOPIC_LIMIT = 250
OURS_AT_LEAST = 60


def ours(on_call: Sequence[OnCallNow], names: Mapping[str, str] | None = None) -> str:
    """``On call: Bob (Primary), nobody (Office)``; people by display name (escaped)."""
    names = names or {}
    shown = [
        f"{escape(names.get(row.person.id, row.person.display_name)) if row.person else 'nobody'}"
        f" ({escape(row.schedule_name)})"
        for row in on_call
    ]
    return "On call: " + (", ".join(shown) if shown else "nobody")


def team_text(current: str) -> str:
    """What the team wrote: after the first marker, or the whole topic when it has none."""
    head, sep, tail = current.partition(MARKER)
    return (tail if sep else head).strip()


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    if limit <= len(ELLIPSIS):
        return ELLIPSIS[: max(limit, 0)]
    cut = limit - len(ELLIPSIS)
    amp = text.rfind("&", max(0, cut - 4), cut)  # never half an entity (&amp;)
    if amp != -1 and ";" not in text[amp:cut]:
        cut = amp
    return text[:cut].rstrip() + ELLIPSIS


def new_topic(current: str, our_part: str) -> str:
    """The topic to set: ``our_part`` and the marker, then the team's text, at most 250."""
    theirs = team_text(current)
    room = TOPIC_LIMIT - len(MARKER) - (2 if theirs else 1)
    mine = _cut(our_part, max(room - len(theirs), min(OURS_AT_LEAST, room)))
    theirs = _cut(theirs, room - len(mine))
    return f"{mine} {MARKER} {theirs}" if theirs else f"{mine} {MARKER}"
