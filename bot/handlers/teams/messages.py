"""Adaptive Cards for the outbox messages that are not about one incident: hand-overs,
coverage-gap warnings and swaps, the same words as Slack's (:mod:`bot.handlers.slack`'s
``shift_render``, ``gap_render`` and :mod:`bot.commands.swap_cards`).

Built from outbox payloads alone (any key may be missing or of the wrong type; nothing
raises). A hand-over payload (:mod:`core.oncall.notices`) names the schedule, the instant and
who hands to whom; what Slack also shows (incidents during the shift and still open, until
when, on call now) is read at delivery: merge :func:`brief_fields` of the
:class:`~core.oncall.handover_brief.HandoverBrief` into the payload (it lives in
:mod:`bot.handlers.snapshot`, re-exported here), and ``late`` (bool). Times in a channel
are shown in each reader's zone; times for one person in their zone. People with a Teams id
in the payload's ``people`` contacts are @mentioned. Pure functions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from functools import partial
from typing import Any

from bot.commands.actions import Action
from bot.commands.swap_cards import channel_note, outcome_note, request_card
from bot.handlers.snapshot import (
    as_dict,
    as_list,
    brief_fields,
    cover_value,
    gap_groups,
    gap_window,
    known_zone,
    local_time,
    parse_time,
    person_id,
)
from bot.handlers.teams.adaptive import (
    People,
    adaptive_card,
    date,
    escape,
    execute,
    fits,
    lines,
    link,
    one_line,
    plain,
    text_block,
)
from bot.handlers.teams.render import reply_card

__all__ = ["brief_fields", "gap_card", "handover_card", "swap_decided_text", "swap_request_card"]

LISTED = 10  # incidents per hand-over list; the rest are counted
GAPS_LISTED = 40
WORDS = {"new": "New gap", "changed": "Gap changed", "resolved": "Covered now"}
COUNTED = {"new": "new", "changed": "changed", "resolved": "covered"}
NO_SCHEDULE = "no schedule in the first tier"
FOOTER = "Cover… opens an override for the gap; oncall gaps lists them all."
SIZES = (200, 60, 20)  # characters of each name and title, tried in turn until a card fits


def _dicts(value: Any) -> list[dict[str, Any]]:
    """The dicts of a list (anything else reads as empty)."""
    return [item for item in as_list(value) if isinstance(item, dict)]


def _fit(build: Callable[[int], dict[str, Any]]) -> dict[str, Any]:
    """The first of ``build(chars)`` for :data:`SIZES` that fits Teams' limit."""
    for chars in SIZES:
        card = build(chars)
        if fits(card):
            return card
    return build(0)


def _people(payload: dict[str, Any], chars: int) -> tuple[People, dict[str, dict[str, Any]]]:
    """Names and mentions of the payload's contacts: everyone named may be mentioned."""
    contacts = {str(c.get("id")): c for c in as_list(payload.get("people")) if isinstance(c, dict)}
    snapshot = {
        "people": {k: c.get("name") for k, c in contacts.items()},
        "teams_users": {k: c.get("teams") for k, c in contacts.items()},
        "paged": list(contacts),
    }
    return People(snapshot, chars or 20), contacts


def _incidents(found: Any, chars: int) -> str:
    items = _dicts(found)
    rows = []
    for item in items[:LISTED]:
        label = link(item.get("url"), f"#{item.get('id')} {item.get('title')}", chars or 20)
        severity, status = one_line(item.get("severity"), 40), one_line(item.get("status"), 40)
        rows.append(f"• {label} · {severity} · {status}")
    return lines(*rows, f"… and {len(items) - LISTED} more" if len(items) > LISTED else "")


def _late(payload: dict[str, Any]) -> str:
    if payload.get("late") is not True:
        return ""
    return f"Sent late: the bot was not running at the hand-over ({date(payload.get('at'))})."


def _channel(payload: dict[str, Any], chars: int) -> dict[str, Any]:
    people, _ = _people(payload, chars)
    roles = ("outgoing", "incoming")
    who = {r: people.who(payload[r]) if payload.get(r) else "nobody" for r in roles}
    team = f" ({one_line(payload['team_name'], chars)})" if payload.get("team_name") else ""
    name = one_line(payload.get("schedule_name") or payload.get("schedule") or "?", chars or 20)
    head = f"**{name}**{team} hand-over at {date(payload.get('at'))}: "
    head += f"{who['outgoing']} → {who['incoming']}"
    if not payload.get("incoming"):
        head += " (a coverage gap: nobody is paged through this schedule)"
    elif until := date(payload.get("incoming_until")):
        head += f", on call until {until}"
    body = [text_block(head), text_block(_late(payload), isSubtle=True)]
    if payload.get("outgoing") and (since := date(payload.get("outgoing_since"))):
        during = _incidents(payload.get("during_shift"), chars) or "No incidents."
        title = f"**During {people.name(payload['outgoing'])}'s shift** (since {since})"
        body.append(text_block(lines(title, during)))
    listed = [i.get("id") for i in _dicts(payload.get("during_shift"))[:LISTED]]
    if "still_open" in payload:
        still = _dicts(payload.get("still_open"))
        rest = [i for i in still if i.get("id") not in listed]
        if rest or not still:
            shown = _incidents(rest, chars) or "No open incidents."
            body.append(text_block(lines("**Still open**", shown)))
    rows = _dicts(payload.get("on_call_now"))
    now = ", ".join(
        f"{_on_call(people, r.get('person'), chars)} "
        f"({one_line(r.get('schedule_name'), chars or 20)})"
        for r in rows
    )
    body.append(text_block(f"On call now: {now}." if now else "", isSubtle=True))
    entities = list(people.entities.values())
    return adaptive_card(body, msteams={"entities": entities}) if entities else adaptive_card(body)


def _on_call(people: People, person: Any, chars: int) -> str:
    """Who is on call: mentioned when a contact of the payload, else the name the row gives."""
    pid = person_id(person)
    if pid is None:
        return "nobody"
    if pid in people.paged:
        return people.who(pid)
    return one_line(as_dict(person).get("name") or pid, chars or 20)


def _dm(payload: dict[str, Any], role: str, chars: int) -> dict[str, Any]:
    people, contacts = _people(payload, chars)
    person = str(payload.get(role) or "")
    zone = payload.get("incoming_timezone") if role == "incoming" else None
    zone = zone or as_dict(contacts.get(person)).get("timezone") or "UTC"
    at = parse_time(payload.get("at"))
    when = escape(local_time(at, zone)) if at else "?"
    name = one_line(payload.get("schedule_name") or payload.get("schedule") or "?", chars or 20)
    other = "outgoing" if role == "incoming" else "incoming"
    handed = f"{people.name(payload[other])}" if payload.get(other) else ""
    if role == "incoming":
        until_at = parse_time(payload.get("incoming_until"))
        until = f"until {local_time(until_at, zone)}" if until_at else "with no end planned"
        head = f"You are on call for **{name}** from {when} {escape(until)}"
        head += f" (after {handed})." if handed else "."
    else:
        head = f"Your shift in **{name}** ended at {when}"
        head += f" (handed to {handed})." if handed else " (nobody follows: a coverage gap)."
    team = one_line(payload.get("team_name") or "your team", chars or 20)
    body = [text_block(head), text_block(_late(payload), isSubtle=True)]
    if role == "outgoing" and "during_shift" in payload:
        during = _incidents(payload.get("during_shift"), chars) or "No incidents."
        body.append(text_block(lines("**During your shift**", during)))
    if "still_open" in payload:
        still = _incidents(payload.get("still_open"), chars)
        title = f"**Open incidents of {team}**"
        body.append(text_block(lines(title, still) if still else "No open incidents."))
    return adaptive_card(body)


def handover_card(payload: dict[str, Any], role: str) -> dict[str, Any]:
    """A hand-over as an Adaptive Card for ``role``: ``channel`` (who hands to whom at when,
    in each reader's zone, until when, the outgoing shift's incidents, those still open, who
    is on call now), ``incoming`` (their shift from/until in their zone, after whom, the
    team's open incidents) or ``outgoing`` (their shift ended, handed to whom, its incidents
    and those still open). Lists appear only when the payload has them (:func:`brief_fields`);
    a late hand-over says so. Any other role reads as ``channel``."""
    shown = dict(payload) if isinstance(payload, dict) else {}
    shown.update({r: person_id(shown.get(r)) for r in ("outgoing", "incoming")})
    if role in ("incoming", "outgoing"):
        return _fit(lambda chars: _dm(shown, role, chars))
    return _fit(lambda chars: _channel(shown, chars))


def gap_card(payload: dict[str, Any], now: datetime | None = None) -> dict[str, Any]:
    """The managers' coverage-gap card: a line per new, changed or covered gap (gaps of one
    schedule over one window are one line naming every service), times in the manager's
    zone, and a **Cover…** button (``Action.Execute``, verb ``open.override``, ``data
    {"value": <window JSON>}``) under each new or changed gap with a schedule. With ``now``
    (as Slack has it): a gap under way says so and its Cover… window starts now. Over 40
    gaps, or too big for Teams: "… and N more"."""
    shown = payload if isinstance(payload, dict) else {}
    zone = known_zone(as_dict(shown.get("manager")).get("timezone")) or "UTC"
    horizon = parse_time(shown.get("horizon_end"))
    groups = gap_groups(as_list(shown.get("gaps")))
    counts = {c: sum(1 for g, _ in groups if g.get("change") == c) for c in COUNTED}
    summary = ", ".join(f"{n} {COUNTED[c]}" for c, n in counts.items() if n)

    def build(chars: int, listed: int) -> dict[str, Any]:
        team = one_line(shown.get("team_name") or shown.get("team"), chars or 20)
        head = f"**Coverage of {team}** in the next days ({escape(summary)}); times in "
        body: list[Any] = [text_block(head + one_line(zone, 60) + ":")]
        for gap, services in groups[:listed]:
            change = str(gap.get("change"))
            where = gap.get("schedule_name") or gap.get("schedule")
            where = f"**{one_line(where, chars or 20)}**" if where else NO_SCHEDULE
            line = f"**{one_line(WORDS.get(change, change), 40)}** · {where} · "
            line += one_line(", ".join(services), chars * 2 or 20)
            window = escape(gap_window(gap.get("from"), gap.get("to"), horizon, zone))
            line = lines(line, window)
            if change == "changed":
                was = gap_window(gap.get("was_from"), gap.get("was_to"), horizon, zone)
                line += f" (was {escape(was)})"
            start = parse_time(gap.get("from"))
            if now is not None and start is not None and start <= now and change != "resolved":
                line += " · under way"
            body.append(text_block(line, separator=True))
            value = cover_value(gap, now, horizon) if change != "resolved" else ""
            if value:
                cover = execute("Cover…", Action.OPEN_OVERRIDE.value, {"value": value})
                body.append({"type": "ActionSet", "actions": [cover]})
        if len(groups) > listed:
            body.append(text_block(f"… and {len(groups) - listed} more", isSubtle=True))
        body.append(text_block(FOOTER, isSubtle=True))
        return adaptive_card(body)

    listed = min(len(groups), GAPS_LISTED)
    while True:
        card = _fit(partial(_flip, build, listed))
        if fits(card) or listed == 0:
            return card
        listed //= 2


def _flip(build: Callable[[int, int], dict[str, Any]], listed: int, chars: int) -> dict[str, Any]:
    return build(chars, listed)


def _swap_payload(payload: Any) -> dict[str, Any]:
    """The payload with times Python cannot place in a zone left out (they show ``-``) and
    zones it does not know as none (UTC)."""
    shown = dict(payload) if isinstance(payload, dict) else {}
    for role in ("requester", "counterpart"):
        if isinstance(person := shown.get(role), dict):
            shown[role] = {**person, "timezone": known_zone(person.get("timezone"))}
    shown["schedule_timezone"] = known_zone(shown.get("schedule_timezone"))
    for key in ("from", "to", "take_from", "take_to"):
        moment = parse_time(shown.get(key))
        if shown.get(key) and (moment is None or not 1900 < moment.year < 9000):
            shown.pop(key)
    return shown


def swap_request_card(payload: dict[str, Any]) -> dict[str, Any]:
    """The counterpart's swap request (``payload["status"]``, default ``pending``): while
    pending, with Accept and Decline (``Action.Execute`` verbs ``swap.accept`` and
    ``swap.decline``, ``data {"value": <swap id>}``; none without a swap id); once decided,
    how it ended and by whom, no buttons. Times in the counterpart's zone."""
    shown = _swap_payload(payload)
    reply = request_card(shown, str(shown.get("status") or "pending"))
    if not str(shown.get("swap") or "").isdigit():
        reply = replace(reply, buttons=())
    return reply_card(reply) or adaptive_card([text_block(escape(plain(reply.text, 3000)))])


def swap_decided_text(payload: dict[str, Any]) -> str:
    """The answer as plain text by ``payload["audience"]``: ``channel``: the team hears of an
    accepted swap (the schedule's zone); ``counterpart``: how their request ended;
    otherwise the requester hears it (their zone). Not escaped: send it as plain text."""
    shown = _swap_payload(payload)
    audience = shown.get("audience")
    if audience == "channel":
        reply = channel_note(shown)
    elif audience == "counterpart":
        reply = request_card(shown, str(shown.get("status") or ""))
    else:
        reply = outcome_note(shown)
    return plain(reply.text, 3000) or "Done."
