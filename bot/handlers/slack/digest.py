"""The storm digest in Block Kit: many incidents of one channel in one message.

A line per incident with an Acknowledge button while it is triggered. Input is a list of
incident snapshots as stored in outbox payloads; any key may be missing or malformed, and
rendering never raises. Every text is escaped. Pure functions, no I/O.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import SectionBlock

from bot.commands.actions import Action
from bot.handlers.slack.blocks import MAX_BLOCKS, button, fit_blocks, header_block, section_block
from bot.handlers.slack.mrkdwn import link, safe_url
from bot.handlers.slack.snapshot import (
    TITLE_CHARS,
    incident_id,
    marker,
    one_line,
    text_of,
    value_of,
)


def _digest_line(snapshot: Any) -> SectionBlock | None:
    severity = text_of(snapshot, "severity")
    title = one_line(text_of(snapshot, "title"), TITLE_CHARS) or "Incident"
    url = safe_url(value_of(snapshot, "url"))
    ident = incident_id(snapshot)
    status = text_of(snapshot, "status").lower()
    parts = [
        f"{marker(severity)} *{one_line(severity.upper(), 40) or 'UNKNOWN'}*",
        one_line(text_of(snapshot, "service_name") or text_of(snapshot, "service"), TITLE_CHARS),
        f"<{url}|{title}>" if url else title,
        f"_{one_line(status, 40)}_" if status else "",
        f"#{ident}" if ident is not None else "",
    ]
    accessory = None
    if status == "triggered" and ident is not None:
        accessory = button(Action.ACKNOWLEDGE, "Acknowledge", str(ident), style="primary")
    return section_block(" · ".join(p for p in parts if p), url, accessory=accessory)


def digest_blocks(snapshots: list[dict[str, Any]], *, more_url: str | None) -> list[dict[str, Any]]:
    """One message for many incidents of a channel during a storm, within 50 blocks.

    A header ``N incidents``, then a line per incident (severity, service, title linked to the
    incident, status, id) with an Acknowledge button while it is triggered. Past 49 blocks the
    rest is summed up as ``… and N more`` with a link to ``more_url``.
    """
    items = list(snapshots) if isinstance(snapshots, (list, tuple)) else []
    count = len(items)
    blocks: list[Any] = [header_block(f"{count} incident{'' if count == 1 else 's'}")]
    room = MAX_BLOCKS - 1
    shown = items if count <= room else items[: room - 1]
    blocks.extend(_digest_line(s) for s in shown)
    if count > len(shown):
        more = f" · {link(more_url, 'See all')}" if safe_url(more_url) else ""
        blocks.append(section_block(f"… and {count - len(shown)} more{more}", more_url))
    return fit_blocks(blocks, more_url)
