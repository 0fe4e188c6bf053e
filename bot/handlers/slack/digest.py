"""The storm digest message: many incidents of one channel in one message.

A header (``N new incidents``), then the incidents ten to a section: one line each (severity,
service, title linked to the incident, status, ``#id``) and, beside the ten, an
"Acknowledge…" menu listing those of them still triggered (a menu rather than a button per
line keeps a message to one block per ten incidents, so one digest holds 200 of them in 21
blocks, and a storm of hundreds shows in one or two messages). Picking an
entry acknowledges that incident, as its card's button does. All text is escaped.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Option, PlainTextObject, StaticSelectElement

from bot.commands.actions import Action
from bot.handlers.slack.blocks import OPTION_TEXT, header_block, section_block
from bot.handlers.slack.mrkdwn import escape, link, safe_url, truncate

PER_SECTION = 10
# Twenty sections of ten (well within 50 blocks): a digest message stays about 60 KB, and a
# storm of 500 still shows in three messages.
CAPACITY = 20 * PER_SECTION
TITLE_CHARS = 90
MARKERS = {
    "critical": ":red_circle:",
    "warning": ":large_orange_circle:",
    "info": ":large_blue_circle:",
}


def _line(entry: dict[str, Any]) -> str:
    severity = str(entry.get("severity") or "unknown")
    title = truncate(escape(" ".join(str(entry.get("title") or "Incident").split())), TITLE_CHARS)
    url = safe_url(entry.get("url"))
    service = escape(str(entry.get("service_name") or entry.get("service") or "?"))[:60]
    parts = [
        f"{MARKERS.get(severity.lower(), ':white_circle:')} *{escape(severity.upper())[:20]}*",
        service,
        link(url, title) if url else title,
        f"_{escape(str(entry.get('status') or ''))[:20]}_",
        f"#{int(entry['id'])}",
    ]
    return " · ".join(p for p in parts if p)


def _menu(entries: list[dict[str, Any]]) -> StaticSelectElement | None:
    options = [
        Option(
            text=PlainTextObject(
                text=truncate(escape(f"#{int(e['id'])} {e.get('title') or ''}"), OPTION_TEXT)
            ),
            value=str(int(e["id"])),
        )
        for e in entries
        if e.get("status") == "triggered"
    ]
    if not options:
        return None
    return StaticSelectElement(
        placeholder=PlainTextObject(text="Acknowledge…"),
        action_id=str(Action.ACKNOWLEDGE),
        options=options,
    )


def storm_blocks(entries: list[dict[str, Any]], *, more_url: str | None) -> list[dict[str, Any]]:
    """The digest of ``entries`` (``id``, ``title``, ``service``/``service_name``,
    ``severity``, ``status``, ``url``), at most :data:`CAPACITY` of them; past that a last
    line says how many more there are, with a link to ``more_url``."""
    count = len(entries)
    blocks: list[Any] = [header_block(f"{count} new incident{'' if count == 1 else 's'}")]
    shown = entries[:CAPACITY] if count <= CAPACITY else entries[: CAPACITY - PER_SECTION]
    for start in range(0, len(shown), PER_SECTION):
        chunk = shown[start : start + PER_SECTION]
        text = "\n".join(_line(e) for e in chunk)
        blocks.append(section_block(text, more_url, accessory=_menu(chunk)))
    if count > len(shown):
        more = f" · {link(more_url, 'See all')}" if safe_url(more_url) else ""
        blocks.append(section_block(f"… and {count - len(shown)} more{more}", more_url))
    return [b.to_dict() for b in blocks if b is not None]
