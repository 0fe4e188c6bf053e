"""The App Home tab in Block Kit: a person's shifts, incidents, teams' readiness, buttons.

Input is :class:`core.oncall.home.Home` and the incident cards (snapshots of
:func:`core.incidents.cards.current_card`) of the person's open incidents. Times are shown in
the person's zone (as the modals read them). Every text is escaped; the only links are the
dashboard's and the incident cards' own. At most 100 blocks (Slack's limit for a Home
view): the head, shifts and teams first, then as many whole incident cards as fit, and
``… and N more`` with a link to the dashboard for the rest. Pure functions.
"""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.models.blocks import Block

from bot.commands.actions import Action
from bot.commands.context import local_time
from bot.handlers.slack.blocks import (
    actions_blocks,
    button,
    context_block,
    fit_blocks,
    header_block,
    section_block,
)
from bot.handlers.slack.cards import incident_blocks
from bot.handlers.slack.mrkdwn import escape, link
from core.config.timefmt import zone as zone_named
from core.oncall.home import GapAhead, Home, TeamReadiness
from core.oncall.who import WhoRow

MAX_HOME_BLOCKS = 100
SHIFT_LINES = 25
GAPS_SHOWN = 10
TEAM_BLOCKS = 50
HELP = "Type `/oncall help` for everything the bot can do."
OPENS = "{}"  # the value of a button that opens an empty form


def _source(source: str) -> str:
    return "" if source.startswith("layer:") else f" ({source})"


def _shifts(home: Home) -> list[Block | None]:
    zone = zone_named(home.timezone)
    days = (home.until - home.at).days
    lines = [
        f"*{escape(home.schedule_names.get(s.schedule, s.schedule))}* · "
        f"{escape(local_time(s.start, zone))} to {escape(local_time(s.end, zone))}"
        f"{escape(_source(s.source))}"
        for s in home.shifts
    ]
    if len(lines) > SHIFT_LINES:
        lines = [*lines[:SHIFT_LINES], f"… and {len(lines) - SHIFT_LINES} more"]
    text = "\n".join(lines) or f"No shifts in the next {days} days."
    return [header_block(f"Your next shifts ({days} days)"), section_block(text)]


def _row(row: WhoRow, home: Home) -> str:
    zone = zone_named(home.timezone)
    title = f"*{escape(row.schedule_name or row.schedule or '?')}*"
    if row.current is None:
        now = "On call now: nobody (a coverage gap)"
    else:
        until = local_time(row.current.end, zone) if row.current.end else "over a year from now"
        now = f"On call now: {row.current.person.display_name} until {until}"
    if row.next is None:
        following = "Next hand-over: none within a month"
    else:
        start = local_time(row.next.start, zone)
        following = f"Next hand-over: {row.next.person.display_name} from {start}"
    return "\n".join([title, escape(now), escape(following)])


def gap_value(gap: GapAhead) -> str:
    """The prefill an override button for ``gap`` carries (see :mod:`.opening`)."""
    return json.dumps(
        {"schedule": gap.schedule, "from": gap.start.isoformat(), "to": gap.end.isoformat()}
    )


def _gap(gap: GapAhead, home: Home, managed: bool) -> Block | None:
    zone = zone_named(home.timezone)
    name = gap.service_name or gap.service
    text = (
        f":warning: *{escape(name)}*: nobody is paged from {escape(local_time(gap.start, zone))} "
        f"to {escape(local_time(gap.end, zone))}"
    )
    if gap.schedule is None:
        return section_block(text + " (it has no escalation policy)")
    label = "Cover it" if managed else "Take it"
    return section_block(text, accessory=button(Action.OPEN_OVERRIDE, label, gap_value(gap)))


def _team(team: TeamReadiness, home: Home, gaps_left: int) -> tuple[list[Block | None], int]:
    blocks: list[Block | None] = [header_block(f"{escape(team.display_name)}: readiness")]
    blocks += [section_block(_row(row, home)) for row in team.rows]
    if not team.rows:
        blocks.append(section_block("No schedules."))
    days = (home.until - home.at).days
    shown = team.gaps[:gaps_left]
    blocks += [_gap(g, home, team.managed) for g in shown]
    facts = [f"{team.open_incidents} open incident(s)"]
    if not team.gaps:
        facts.append(f"no coverage gaps in the next {days} days")
    elif len(team.gaps) > len(shown):
        facts.append(f"{len(team.gaps) - len(shown)} more gap(s) not shown")
    blocks.append(context_block(escape(" · ".join(facts))))
    return blocks, gaps_left - len(shown)


def _buttons(home: Home) -> list[Any]:
    elements = [
        button(Action.OPEN_TIME_OFF, "Time off", OPENS, style="primary"),
        button(Action.OPEN_SWAP, "Swap a shift", OPENS),
        button(Action.OPEN_OVERRIDE, "Override", OPENS),
    ]
    if home.manager:
        elements.append(button(Action.OPEN_CONFIG, "Edit rotations", OPENS))
    return actions_blocks(elements)


def home_blocks(
    home: Home,
    cards: list[dict[str, Any]],
    *,
    more_incidents: int = 0,
    dashboard: str | None = None,
    notice: str | None = None,
) -> list[dict[str, Any]]:
    """The Home tab's blocks; ``notice`` (plain text) is shown first, e.g. the outcome of a
    click on one of its incident cards. ``more_incidents``: the person's open incidents
    left out of ``cards``."""
    head: list[Block | None] = [header_block(f"On call: {escape(home.person.display_name)}")]
    if notice:
        head.append(section_block(escape(notice)))
    head += _buttons(home)
    teams: list[Block | None] = []
    gaps_left = GAPS_SHOWN
    for team in home.teams:
        part, gaps_left = _team(team, home, gaps_left)
        teams += part
    if not home.teams:
        teams.append(context_block("You are on no team's schedules."))
    top = fit_blocks(head, dashboard) + fit_blocks(_shifts(home), dashboard)
    readiness = fit_blocks(teams, dashboard, TEAM_BLOCKS)
    footer = fit_blocks([context_block(HELP)], dashboard)
    room = MAX_HOME_BLOCKS - len(top) - len(readiness) - len(footer) - 2  # header, "more"
    incidents = fit_blocks([header_block("Your open incidents")], dashboard)
    shown = 0
    for card in cards:
        card_blocks = incident_blocks(card)
        if len(card_blocks) > room:
            break
        incidents += card_blocks
        room -= len(card_blocks)
        shown += 1
    hidden = more_incidents + len(cards) - shown
    if not cards:
        incidents += fit_blocks([section_block("None assigned to you.")], dashboard)
    elif hidden:
        more = f" · {link(dashboard, 'See them all')}" if dashboard else ""
        incidents += fit_blocks([section_block(f"… and {hidden} more{more}")], dashboard)
    return [*top, *incidents, *readiness, *footer][:MAX_HOME_BLOCKS]


def home_view(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    """A Home tab view of ``blocks``."""
    return {"type": "home", "blocks": blocks[:MAX_HOME_BLOCKS]}


def unknown_home(text: str) -> dict[str, Any]:
    """The Home tab of someone the configuration does not know: a polite explanation."""
    blocks: list[Block | None] = [
        header_block("On call"),
        section_block(escape(text)),
        context_block(HELP),
    ]
    return home_view(fit_blocks(blocks, None))
