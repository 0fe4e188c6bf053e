"""``/oncall maintenance [<service|team> <from> <to> [reason]]``: maintenance windows.

Without words: the current and upcoming windows (configured and made from chat or the CLI),
for anyone. With a service or team and two times: a window for it (alerts recorded and shown,
never paged; an incident still firing at its end pages then), for the managers of the team
(the service's team) only (:mod:`core.chat.rights`). ``maintenance cancel <id>`` cancels one
made from chat or the CLI, for the same managers. Both answers are public (the channel sees
that its alerts stop or start paging again); a window may last at most 31 days. Times are
read in the caller's zone, as ``/oncall timeoff`` reads them. A word naming both a service
and a team means the service.
"""

from __future__ import annotations

from bot.commands.context import CommandContext, local_time, zone_of
from bot.commands.replies import Reply, Section, refusal
from bot.commands.words import WordsError, check_window, sentence, take_time
from core.chat.rights import manages
from core.config.model import Configuration
from core.maintenance.service import (
    MaintenanceError,
    Subject,
    cancel_window,
    create_window,
    list_windows,
)
from core.maintenance.windows import Window

USAGE = "/oncall maintenance [<service|team> <from> <to> [reason]]"
SUMMARY = "maintenance windows: alerts recorded, not paged (a team's managers make them)"
HINT = "(times like 2026-12-24 09:00 in your zone, or now)"


def _subject(config: Configuration, word: str) -> tuple[Subject, str, str] | None:
    """(subject, its team, how to name it) for a service or team id, any case."""
    low = word.casefold()
    service = next((s for s in config.services if s.id.casefold() == low), None)
    if service is not None:
        return Subject(service=service.id), service.team or "", f"service {service.id}"
    team = next((t for t in config.teams if t.id.casefold() == low), None)
    if team is not None:
        return Subject(team=team.id), team.id, f"team {team.name or team.id}"
    return None


def _team_name(config: Configuration, team_id: str) -> str:
    team = next((t for t in config.teams if t.id == team_id), None)
    return (team.name if team else None) or team_id or "no team"


def _line(window: Window, config: Configuration, ctx: CommandContext) -> str:
    zone = zone_of(config, ctx.caller.person_id)
    ident = f"#{window.id}" if window.id is not None else "configured"
    why = f" ({window.reason})" if window.reason else ""
    span = f"{local_time(window.start, zone)} → {local_time(window.end, zone)}"
    return f"{ident} {window.subject}: {span}{why}"


async def run(ctx: CommandContext, words: list[str]) -> Reply:
    """List, make or cancel windows from words."""
    config = await ctx.config()
    if not words:
        windows = await list_windows(ctx.read_unit(), ctx.now)
        if not windows:
            return Reply(text="No maintenance windows now or coming up.")
        now = [w for w in windows if w.start <= ctx.now]
        later = [w for w in windows if w.start > ctx.now]
        sections = tuple(
            Section(title=title, lines=tuple(_line(w, config, ctx) for w in group))
            for title, group in (("In maintenance now", now), ("Coming up", later))
            if group
        )
        return Reply(text=f"Maintenance windows: {len(windows)}", sections=sections)
    actor = ctx.caller.person_id
    if actor is None:
        return refusal(
            "You are not in the on-call configuration, so you cannot make maintenance windows."
        )
    if words[0].casefold() == "cancel":
        return await _cancel(ctx, config, actor, words[1:])
    found = _subject(config, words[0])
    if found is None:
        return refusal(f"There is no service or team “{words[0][:40]}”. Usage: {USAGE}")
    subject, team, named = found
    if not team or not manages(config, actor, team):
        return refusal(
            f"Only a manager of {_team_name(config, team)} may put {named} in maintenance. "
            "Nothing changed."
        )
    zone = zone_of(config, actor)
    try:
        start, rest = take_time(words[1:], zone=zone, now=ctx.now, what="from")
        end, rest = take_time(rest, zone=zone, now=ctx.now, what="to")
        check_window(start, end)
    except WordsError as exc:
        return refusal(f"{sentence(str(exc))} Usage: {USAGE}  {HINT}")
    try:
        made = await create_window(
            ctx.new_unit(),
            subject,
            start,
            end,
            reason=" ".join(rest) or None,
            actor=actor,
            now=ctx.now,
        )
    except MaintenanceError as exc:
        return refusal(f"{sentence(str(exc))} Nothing changed.")
    span = f"{local_time(made.starts_at, zone)} → {local_time(made.ends_at, zone)}"
    return Reply(
        text=f"Maintenance window #{made.id} made: {named}, {span}.",
        sections=(
            Section(
                lines=(
                    "Alerts in it are recorded and shown, not paged; "
                    "an incident still firing at its end pages then.",
                )
            ),
        ),
        public=True,  # the team should see that its alerts stop paging
    )


async def _cancel(
    ctx: CommandContext, config: Configuration, actor: str, words: list[str]
) -> Reply:
    raw = words[0].lstrip("#") if len(words) == 1 else ""
    if not raw.isdigit() or len(raw) > 9:
        return refusal("Usage: /oncall maintenance cancel <id>")
    window_id = int(raw)
    async with ctx.read_unit() as uow:
        stored = await uow.maintenance.window(window_id)
    if stored is None:
        return refusal(f"There is no maintenance window {window_id}. Nothing changed.")
    team = stored.team_id or next(
        (s.team or "" for s in config.services if s.id == stored.service_id), ""
    )
    if not team or not manages(config, actor, team):
        return refusal(
            f"Only a manager of {_team_name(config, team)} may cancel window {window_id}. "
            "Nothing changed."
        )
    try:
        await cancel_window(ctx.new_unit(), window_id, actor=actor, now=ctx.now)
    except MaintenanceError as exc:
        return refusal(f"{sentence(str(exc))} Nothing changed.")
    return Reply(
        text=f"Maintenance window #{window_id} cancelled; its alerts page again.", public=True
    )
