"""Hand-over messages in Block Kit: the team channel's and the incoming person's DM.

Pure functions of a :class:`core.oncall.handover_brief.HandoverBrief`. Names, titles and ids
that came from people or alerts are escaped (:mod:`bot.handlers.slack.mrkdwn`); the only links
are the incidents' ``<base_url>/incidents/<id>``; people are mentioned only by well-formed
Slack ids. Times in the channel are Slack dates (each reader's own zone); times in a DM are
written in the person's configured zone, which is what "your shift" means to them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.handlers.slack.blocks import context_block, fit_blocks, section_block
from bot.handlers.slack.mrkdwn import date, escape, link, mention
from core.oncall.handover_brief import BriefIncident, HandoverBrief
from core.oncall.targets import PersonRef

LISTED = 10  # incidents per list; the rest are counted


def local_time(moment: datetime, zone: str) -> str:
    """``Tue 3 Mar 10:00 CET`` in ``zone`` (UTC when the zone is unknown)."""
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        tz, zone = ZoneInfo("UTC"), "UTC"
    local = moment.astimezone(tz)
    return f"{local:%a} {local.day} {local:%b %H:%M} {local.tzname() or zone}"


def _who(person: PersonRef | None, slack_ids: Mapping[str, str]) -> str:
    if person is None:
        return "nobody"
    return mention(slack_ids.get(person.id), person.display_name)


def incident_lines(
    incidents: Sequence[BriefIncident], base_url: str, *, with_status: bool = True
) -> str:
    """One bullet per incident (a link to it, severity, status), at most :data:`LISTED`."""
    lines = []
    for incident in incidents[:LISTED]:
        label = f"#{incident.id} {incident.title}"
        status = f" · {escape(incident.status)}" if with_status else ""
        url = f"{base_url}/incidents/{incident.id}"
        lines.append(f"• {link(url, label)} · {escape(incident.severity)}{status}")
    if len(incidents) > LISTED:
        lines.append(f"… and {len(incidents) - LISTED} more")
    return "\n".join(lines)


def late_note(brief: HandoverBrief, late: bool) -> str:
    """Small print for a hand-over delivered late (the bot was not running at the time)."""
    if not late:
        return ""
    return f"Sent late: the bot was not running at the hand-over ({date(brief.at)})."


def handover_channel(
    brief: HandoverBrief,
    *,
    slack_ids: Mapping[str, str],
    base_url: str,
    late: bool,
    group_note: str = "",
) -> tuple[str, list[dict[str, Any]]]:
    """The team channel's message: who hands to whom, the outgoing shift's incidents, the
    ones still open, who is on call now and what happened to the user group."""
    name = escape(brief.schedule_name)
    team = f" ({escape(brief.team_name)})" if brief.team_name else ""
    outgoing, incoming = _who(brief.outgoing, slack_ids), _who(brief.incoming, slack_ids)
    head = f"*{name}*{team} hand-over at {date(brief.at)}: {outgoing} → {incoming}"
    if brief.incoming is None:
        head += " (a coverage gap: nobody is paged through this schedule)"
    elif brief.incoming_until is not None:
        head += f", on call until {date(brief.incoming_until)}"
    blocks = [section_block(head), context_block(late_note(brief, late))]
    if brief.outgoing is not None and brief.outgoing_since is not None:
        during = incident_lines(brief.during_shift, base_url)
        title = f"*During {escape(brief.outgoing.display_name)}'s shift* (since "
        title += f"{date(brief.outgoing_since)})"
        blocks.append(section_block(f"{title}\n{during or 'No incidents.'}"))
    listed = {i.id for i in brief.during_shift[:LISTED]}
    still = [i for i in brief.still_open if i.id not in listed]
    if still:
        blocks.append(section_block(f"*Still open*\n{incident_lines(still, base_url)}"))
    elif not brief.still_open:
        blocks.append(section_block("*Still open*\nNo open incidents."))
    now = ", ".join(
        f"{_who(row.person, slack_ids)} ({escape(row.schedule_name)})" for row in brief.on_call_now
    )
    footer = f"On call now: {now}." if now else ""
    blocks.append(context_block(" ".join(p for p in (footer, group_note) if p)))
    text = f"{brief.schedule_name} hand-over: "
    text += f"{_plain(brief.outgoing)} → {_plain(brief.incoming)}"
    return escape(text), fit_blocks(blocks, None)


def handover_dm(
    brief: HandoverBrief, *, base_url: str, late: bool
) -> tuple[str, list[dict[str, Any]]]:
    """The incoming person's DM: their shift, in their zone, and the team's open incidents."""
    zone = brief.incoming_timezone
    if brief.incoming_until is not None:
        until = f"until {local_time(brief.incoming_until, zone)}"
    else:
        until = "with no end planned"
    since = local_time(brief.at, zone)
    handed = f" (after {escape(brief.outgoing.display_name)})" if brief.outgoing else ""
    name = escape(brief.schedule_name)
    head = f"You are on call for *{name}* from {escape(since)} {escape(until)}{handed}."
    team = escape(brief.team_name or "your team")
    lines = incident_lines(brief.still_open, base_url)
    incidents = f"*Open incidents of {team}*\n{lines}" if lines else "No open incidents."
    blocks = [section_block(head), context_block(late_note(brief, late)), section_block(incidents)]
    text = f"You are on call for {brief.schedule_name} {until}."
    return escape(text), fit_blocks(blocks, None)


def _plain(person: PersonRef | None) -> str:
    return person.display_name if person is not None else "nobody"
