"""Adaptive Cards for neutral replies: their text, sections, buttons and incident card.

Every text of a :class:`~bot.commands.replies.Reply` is plain text as a person or an alert
wrote it; it is escaped here (:func:`bot.handlers.teams.adaptive.escape`), and its
:class:`~bot.commands.replies.Link` values are the only links made (http/https only). Buttons
are ``Action.Execute`` with ``verb = button.action.value`` and ``data = {"value": …}``. A
reply with only text is no card at all: send :func:`reply_text` as a plain message. Cards are
held within :data:`~bot.handlers.teams.adaptive.MAX_CARD_BYTES`: sections past the room end
with "… and N more". Pure functions.
"""

from __future__ import annotations

from typing import Any

from bot.commands.replies import Button, Reply, Section
from bot.handlers.teams.adaptive import (
    MAX_CARD_BYTES,
    adaptive_card,
    card_bytes,
    escape,
    execute,
    fact_set,
    lines,
    link,
    one_line,
    plain,
    safe_url,
    text_block,
)
from bot.handlers.teams.cards import incident_card, incident_text

__all__ = ["reply_card", "reply_text"]

TEXT_CHARS = 3000
"""A reply's text, a section's title or line is cut to this many characters."""
FACT_CHARS = 500
BUTTON_VALUE = 2000
"""A button whose value is longer is left out: a cut value would act on something else."""
ACTIONS = 6
"""Teams shows at most six actions on a card; buttons past them are left out."""
_STYLES = {"primary": "positive", "danger": "destructive"}


def _section(section: Section) -> list[dict[str, Any]]:
    """Title (bold) and lines as one TextBlock, facts as a FactSet, links as a TextBlock."""
    title = one_line(section.title or "", TEXT_CHARS)
    rows = [f"**{title}**"] if title else []
    rows += [one_line(line, TEXT_CHARS) for line in section.lines]
    links = " · ".join(link(item.url, item.text) for item in section.links)
    facts = [(one_line(f.label, 200), one_line(f.value, FACT_CHARS)) for f in section.facts]
    parts = [text_block(lines(*rows)), fact_set(facts), text_block(links)]
    return [p for p in parts if p is not None]


def _button(button: Button) -> dict[str, Any] | None:
    value = str(button.value or "")
    if not value or len(value) > BUTTON_VALUE:
        return None
    style = _STYLES.get(str(button.style))
    return execute(button.label, str(button.action.value), {"value": value}, style=style)


def _more(hidden: int, url: str | None) -> dict[str, Any] | None:
    see = f" · {link(url, 'See all')}" if url else ""
    return text_block(f"… and {hidden} more{see}", isSubtle=True)


def reply_card(reply: Reply) -> dict[str, Any] | None:
    """A reply as an Adaptive Card 1.5, or ``None`` when it has only text (no sections,
    buttons nor incident): send :func:`reply_text` as a plain message then.

    The text first (an error's starts with ⚠️), then each section (title bold, lines, facts
    as a FactSet, links), then the incident card's body when ``reply.incident`` is set. The
    actions are the buttons (``Action.Execute``, ``verb = button.action.value``,
    ``data = {"value": button.value}``; a value empty or over 2,000 characters drops its
    button; at most six), then the incident card's actions, in the room left. The incident
    card's ``refresh`` and mentions are kept. Over :data:`MAX_CARD_BYTES`: the sections that
    do not fit are left out and the last shown says "… and N more" (with a link to the
    incident when there is one); a card still too big keeps only the incident card (already
    within the limit) and the text.
    """
    if not reply.sections and not reply.buttons and reply.incident is None:
        return None
    card = incident_card(reply.incident) if reply.incident is not None else None
    url = safe_url(reply.incident.get("url")) if isinstance(reply.incident, dict) else None
    text = ("⚠️ " if reply.error else "") + escape(plain(reply.text, TEXT_CHARS))
    head = [b for b in [text_block(text, weight="Bolder" if reply.error else "Default")] if b]
    buttons = [b for b in (_button(x) for x in reply.buttons) if b is not None]
    actions = [*buttons, *(card or {}).get("actions", [])][:ACTIONS]
    extra = {k: v for k, v in (card or {}).items() if k in ("refresh", "msteams")}
    extra["fallbackText"] = reply_text(reply)
    tail = list((card or {}).get("body", []))
    sections = [_section(s) for s in reply.sections]

    def build(shown: int) -> dict[str, Any]:
        body: list[Any] = [*head, *(b for s in sections[:shown] for b in s)]
        if shown < len(sections):
            body.append(_more(len(sections) - shown, url))
        return adaptive_card([*body, *tail], actions, **extra)

    shown = len(sections)
    built = build(shown)
    while card_bytes(built) > MAX_CARD_BYTES and shown > 0:
        shown = max(0, shown - max(1, shown // 4)) if shown > 8 else shown - 1
        built = build(shown)
    if card_bytes(built) > MAX_CARD_BYTES and card is not None:
        built = card  # the incident card alone always fits
    if card_bytes(built) > MAX_CARD_BYTES:
        built = adaptive_card([text_block(escape(plain(reply.text, 500)) or "Done.")], actions)
    return built


def reply_text(reply: Reply) -> str:
    """The plain-text version: the reply's text on one line (at most 3,000 characters), an
    error's starting with ⚠️; an empty text falls back to the incident's text, then to
    ``"Done."``. Not escaped: send it as plain text (``textFormat`` ``plain``)."""
    text = plain(reply.text, TEXT_CHARS)
    if not text and reply.incident is not None:
        text = incident_text(reply.incident)
    text = text or "Done."
    return f"⚠️ {text}" if reply.error else text
