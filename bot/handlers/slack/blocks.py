"""Block Kit blocks that hold Slack's limits, shared by every Slack renderer.

The limits (docs.slack.dev/reference/block-kit): 50 blocks a message, 3,000 characters a
section text, 10 fields of 2,000, header 150, button label 75 and value 2,000, option text 75,
25 elements an actions block. Texts past a limit are cut on a safe boundary and end with ``…``
and a link to ``more_url`` when there is one. Texts given here are mrkdwn already escaped
(button labels and headers are plain text, escaped here). Pure functions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.commands.actions import Action
from bot.handlers.slack.mrkdwn import escape, link, safe_url, truncate

# Block Kit limits (docs.slack.dev/reference/block-kit).
MAX_BLOCKS = 50
SECTION_TEXT = 3000
FIELDS = 10
FIELD_TEXT = 2000
HEADER_TEXT = 150
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
OPTION_TEXT = 75
ACTIONS_ELEMENTS = 25


# Blocks that hold the limits. Texts given to them are mrkdwn already escaped; a block
# with nothing to show is None, and fit_blocks drops it.


def _mrkdwn(text: str, limit: int, more_url: str | None) -> MarkdownTextObject:
    # verbatim: Slack links only what we wrote as <url|text>, never a bare URL or #channel.
    return MarkdownTextObject(text=truncate(text, limit, more_url), verbatim=True)


def header_block(text: str) -> HeaderBlock:
    """A header of escaped plain text on one line, cut to 150 characters."""
    one_line = " ".join(text.split()) or "Incident"
    return HeaderBlock(text=PlainTextObject(text=truncate(one_line, HEADER_TEXT), emoji=True))


def section_block(
    text: str, more_url: str | None = None, *, accessory: Any = None
) -> SectionBlock | None:
    """A mrkdwn section cut to 3,000 characters (ending with a link to ``more_url``)."""
    if not text.strip():
        return None
    return SectionBlock(text=_mrkdwn(text, SECTION_TEXT, more_url), accessory=accessory)


def fields_block(
    fields: list[str], more_url: str | None = None, *, text: str = ""
) -> SectionBlock | None:
    """A section of at most 10 fields of at most 2,000 characters each (and optional text)."""
    shown = [f for f in fields if f.strip()][:FIELDS]
    if not shown:
        return section_block(text, more_url)
    return SectionBlock(
        text=_mrkdwn(text, SECTION_TEXT, more_url) if text.strip() else None,
        fields=[_mrkdwn(f, FIELD_TEXT, more_url) for f in shown],
    )


def context_block(text: str, more_url: str | None = None) -> ContextBlock | None:
    """Small print: one mrkdwn element cut to 3,000 characters."""
    if not text.strip():
        return None
    return ContextBlock(elements=[_mrkdwn(text, SECTION_TEXT, more_url)])


def button(
    action: Action, label: str, value: str, *, style: str | None = None, confirm: Any = None
) -> ButtonElement | None:
    """A button; the plain ``label`` is escaped and cut to 75 characters.

    ``None`` (no button) when ``value`` is empty or longer than 2,000 characters: a cut value
    would act on something else. ``style`` other than primary or danger is dropped.
    """
    if not value or len(value) > BUTTON_VALUE:
        return None
    text = truncate(escape(" ".join(str(label).split())), BUTTON_TEXT) or str(action)
    return ButtonElement(
        text=PlainTextObject(text=text, emoji=True),
        action_id=str(action),
        value=value,
        style=style if style in ("primary", "danger") else None,
        confirm=confirm,
    )


def actions_blocks(elements: list[Any]) -> list[ActionsBlock]:
    """Actions blocks of at most 25 elements, a new block wherever an action id repeats.

    Slack wants action ids unique within a block; splitting keeps every id the enum's own.
    """
    blocks: list[ActionsBlock] = []
    row: list[Any] = []
    for element in elements:
        if element is None:
            continue
        if len(row) == ACTIONS_ELEMENTS or any(e.action_id == element.action_id for e in row):
            blocks.append(ActionsBlock(elements=row))
            row = []
        row.append(element)
    if row:
        blocks.append(ActionsBlock(elements=row))
    return blocks


def more_block(hidden: int, more_url: str | None) -> SectionBlock | None:
    """``… and N more`` with a link to ``more_url`` (when it is an http(s) URL)."""
    more = f" · {link(more_url, 'See all')}" if safe_url(more_url) else ""
    return section_block(f"… and {hidden} more{more}", more_url)


def fit_blocks(
    blocks: Sequence[Block | None], more_url: str | None, limit: int = MAX_BLOCKS
) -> list[dict[str, Any]]:
    """The blocks as dicts, ``None`` left out; past ``limit``, the last one says how many more."""
    present: list[Block | None] = [b for b in blocks if b is not None]
    if len(present) > limit:
        present = [*present[: limit - 1], more_block(len(present) - limit + 1, more_url)]
    return [b.to_dict() for b in present[: max(limit, 0)] if b is not None]
