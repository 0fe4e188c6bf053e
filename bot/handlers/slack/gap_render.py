"""The managers' coverage-gap DM: each new, changed or covered gap, in the manager's zone.

Pure functions of a ``coverage_gap`` payload (:func:`core.oncall.gap_warnings.gap_messages`).
Gaps of one schedule over one window (several services paged through the same schedule) are
one line naming every service. A new or changed gap with a schedule gets a **Cover…** button
that opens the override modal prefilled: its value is ``{"schedule", "from", "to"}`` as JSON
(``from`` no earlier than now, ``to`` the horizon's end for a gap with no known end).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.commands.actions import Action
from bot.handlers.slack.blocks import button, context_block, fit_blocks, section_block
from bot.handlers.slack.mrkdwn import escape, parse_time
from bot.handlers.slack.shift_render import local_time

WORDS = {"new": "New gap", "changed": "Gap changed", "resolved": "Covered now"}
COUNTED = {"new": "new", "changed": "changed", "resolved": "covered"}
LISTED = 40  # gap lines in one message (Slack allows 50 blocks); the rest are counted


def _window(
    start: datetime | None, end: datetime | None, horizon: datetime | None, zone: str
) -> str:
    begin = local_time(start, zone) if start else "?"
    if end is not None:
        return f"{begin} → {local_time(end, zone)}"
    beyond = f" {local_time(horizon, zone)}" if horizon else " the horizon"
    return f"{begin} → beyond{beyond}"


def _value(gap: Mapping[str, Any], now: datetime, horizon: datetime | None) -> str:
    start, end = parse_time(gap.get("from")), parse_time(gap.get("to")) or horizon
    if not gap.get("schedule") or start is None or end is None:
        return ""
    start = max(start, now.replace(second=0, microsecond=0))
    if start >= end:
        return ""
    window = {"schedule": gap["schedule"], "from": start.isoformat(), "to": end.isoformat()}
    return json.dumps(window, separators=(",", ":"))


def _grouped(gaps: list[Mapping[str, Any]]) -> list[tuple[Mapping[str, Any], list[str]]]:
    groups: dict[tuple[Any, ...], tuple[Mapping[str, Any], list[str]]] = {}
    for gap in gaps:
        changed = gap.get("change") == "changed"
        was = (gap.get("was_from"), gap.get("was_to")) if changed else (None, None)
        key = (gap.get("change"), gap.get("schedule"), gap.get("from"), gap.get("to"), *was)
        _, names = groups.setdefault(key, (gap, []))
        names.append(str(gap.get("service_name") or gap.get("service")))
    return list(groups.values())


def gap_dm(payload: Mapping[str, Any], now: datetime) -> tuple[str, list[dict[str, Any]]]:
    """The DM to ``payload["manager"]``: a line per gap change, times in their zone."""
    manager = payload.get("manager") or {}
    zone = str(manager.get("timezone") or "UTC")
    horizon = parse_time(payload.get("horizon_end"))
    team = escape(payload.get("team_name") or payload.get("team"))
    gaps = [g for g in payload.get("gaps") or [] if isinstance(g, Mapping)]
    groups = _grouped(gaps)
    counts = {c: sum(1 for g, _ in groups if g.get("change") == c) for c in COUNTED}
    summary = ", ".join(f"{n} {COUNTED[c]}" for c, n in counts.items() if n)
    head = f"*Coverage of {team}* in the next days ({escape(summary)}); times in {escape(zone)}:"
    blocks: list[Any] = [section_block(head)]
    for gap, services in groups[:LISTED]:
        change = str(gap.get("change"))
        start, end = parse_time(gap.get("from")), parse_time(gap.get("to"))
        window = _window(start, end, horizon, zone)
        schedule = gap.get("schedule_name") or gap.get("schedule")
        where = f"*{escape(schedule)}*" if schedule else "no schedule in the first tier"
        line = f"*{WORDS.get(change, change)}* · {where} · {escape(', '.join(services))}\n"
        line += escape(window) if change != "resolved" else f"~{escape(window)}~"
        if change == "changed":
            was = _window(
                parse_time(gap.get("was_from")), parse_time(gap.get("was_to")), horizon, zone
            )
            line += f" (was {escape(was)})"
        if start is not None and start <= now and change != "resolved":
            line += " · under way"
        cover = button(Action.OPEN_OVERRIDE, "Cover…", _value(gap, now, horizon))
        accessory = cover if change != "resolved" else None
        blocks.append(section_block(line, accessory=accessory))
    if len(groups) > LISTED:
        blocks.append(context_block(f"… and {len(groups) - LISTED} more"))
    blocks.append(
        context_block("Cover… opens an override for the gap; `oncall gaps` lists them all.")
    )
    text = f"Coverage gaps of {payload.get('team_name') or payload.get('team')}: {summary}"
    return escape(text), fit_blocks(blocks, None)
