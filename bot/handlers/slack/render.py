"""Block Kit for neutral replies: their text, sections, buttons and incident card.

Every text of a :class:`~bot.commands.replies.Reply` is plain text as a person or an alert
wrote it; it is escaped here, and its :class:`~bot.commands.replies.Link` values are the only
links made. Slack's limits are held by the blocks of :mod:`bot.handlers.slack.blocks`; texts
past a limit are cut on a safe boundary and end with ``…`` and a link to the full incident
when there is one. Pure functions.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Block

from bot.commands.replies import Reply, Section
from bot.handlers.slack.blocks import (
    ACTIONS_ELEMENTS,
    BUTTON_TEXT,
    BUTTON_VALUE,
    FIELD_TEXT,
    FIELDS,
    HEADER_TEXT,
    MAX_BLOCKS,
    OPTION_TEXT,
    SECTION_TEXT,
    actions_blocks,
    button,
    context_block,
    fields_block,
    fit_blocks,
    header_block,
    more_block,
    section_block,
)
from bot.handlers.slack.cards import incident_blocks, incident_text
from bot.handlers.slack.mrkdwn import escape, link, safe_url, truncate

# The block helpers and limits moved to bot.handlers.slack.blocks; they are re-exported here
# for modules that import them from render.
__all__ = [
    "ACTIONS_ELEMENTS",
    "BUTTON_TEXT",
    "BUTTON_VALUE",
    "FIELDS",
    "FIELD_TEXT",
    "HEADER_TEXT",
    "MAX_BLOCKS",
    "OPTION_TEXT",
    "SECTION_TEXT",
    "actions_blocks",
    "button",
    "context_block",
    "fields_block",
    "fit_blocks",
    "header_block",
    "more_block",
    "reply_blocks",
    "reply_text",
    "section_block",
]


def _section_blocks(section: Section, more_url: str | None) -> list[Block | None]:
    """Title (bold), lines and links as text; facts as fields, 10 a block."""
    title = " ".join(str(section.title or "").split())
    text = [f"*{escape(title)}*"] if title else []
    text += [escape(line) for line in section.lines]
    links = " · ".join(link(item.url, item.text) for item in section.links)
    text += [links] if links else []
    facts = [f"*{escape(fact.label)}*\n{escape(fact.value)}" for fact in section.facts]
    blocks: list[Block | None] = [fields_block(facts[:FIELDS], more_url, text="\n".join(text))]
    blocks += [
        fields_block(facts[i : i + FIELDS], more_url) for i in range(FIELDS, len(facts), FIELDS)
    ]
    return blocks


def _incident_url(reply: Reply) -> str | None:
    return safe_url(reply.incident.get("url")) if isinstance(reply.incident, dict) else None


def reply_blocks(reply: Reply) -> list[dict[str, Any]]:
    """A reply as Block Kit dicts: its text, each section, its buttons, then the incident card.

    An error reply's text starts with a warning sign. Buttons keep their action ids and values
    (a value over 2,000 characters drops its button rather than act on a cut id); a repeated
    action id starts a new actions block. Within 50 blocks: the incident card and the buttons
    are kept whole, and sections past the room left end with ``… and N more``.
    """
    more_url = _incident_url(reply)
    card = incident_blocks(reply.incident) if reply.incident is not None else []
    room = MAX_BLOCKS - len(card)
    text = (":warning: " if reply.error else "") + escape(reply.text)
    head = [b for b in [section_block(text, more_url)] if b is not None][: max(room, 0)]
    elements = [button(b.action, b.label, b.value, style=b.style) for b in reply.buttons]
    buttons = actions_blocks(elements)[: max(room - len(head), 0)]
    body = [b for s in reply.sections for b in _section_blocks(s, more_url) if b is not None]
    spare = room - len(head) - len(buttons)
    own = fit_blocks([*head, *body], more_url, len(head) + max(spare, 0))
    return [*own, *fit_blocks(list(buttons), more_url, len(buttons)), *card]


def reply_text(reply: Reply) -> str:
    """The notification text: the reply's text escaped on one line, at most 3,000 characters.

    An empty text falls back to the incident's text, then to ``"Done."``.
    """
    text = escape(" ".join(str(reply.text or "").split()))
    if not text and reply.incident is not None:
        text = incident_text(reply.incident)
    return truncate(text or "Done.", SECTION_TEXT)
