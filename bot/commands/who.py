"""``/oncall who [service|team|schedule]``: who is on call now and who is next.

Without a word: the caller's teams (every schedule when the caller is in none).
"""

from __future__ import annotations

from bot.commands.context import CommandContext, local_time, zone_of
from bot.commands.replies import Reply, Section, refusal
from core.config.timefmt import zone as zone_named
from core.oncall.targets import QueryError
from core.oncall.who import OnCallShift, WhoAnswer, WhoRow, who, who_for_person

USAGE = "/oncall who [service|team|schedule]"
SUMMARY = "who is on call now and next (default: your teams)"


def _shift(shift: OnCallShift | None, zone_text: str, now: bool) -> str:
    zone = zone_named(zone_text)
    if shift is None:
        return "Now: nobody (a coverage gap)" if now else "Next: nobody within a while"
    name = shift.person.display_name
    if now:
        until = local_time(shift.end, zone) if shift.end else "further than a year ahead"
        return f"Now: {name} until {until}"
    return f"Next: {name} from {local_time(shift.start, zone)}"


def _section(row: WhoRow, zone: str) -> Section:
    if row.direct is not None:
        return Section(title="Paged directly", lines=(row.direct.display_name,))
    title = row.schedule_name or row.schedule or "?"
    if row.team:
        title += f" ({row.team})"
    return Section(
        title=title, lines=(_shift(row.current, zone, True), _shift(row.next, zone, False))
    )


def render(answer: WhoAnswer, zone: str) -> Reply:
    if not answer.rows:
        return Reply(text="No schedules to show.")
    on_call = [r.current.person.display_name for r in answer.rows if r.current is not None]
    summary = "On call now: " + (", ".join(dict.fromkeys(on_call)) or "nobody")
    return Reply(text=summary, sections=tuple(_section(r, zone) for r in answer.rows))


async def run(ctx: CommandContext, words: list[str]) -> Reply:
    if len(words) > 1:
        return refusal(f"Usage: {USAGE}")
    config = await ctx.config()
    zone = zone_of(config, ctx.caller.person_id)
    zone_text = str(zone)
    try:
        if words:
            answer = await who(ctx.read_unit(), ctx.now, words[0])
        else:
            mine: WhoAnswer | None = None
            if ctx.caller.person_id and config.person(ctx.caller.person_id):
                mine = await who_for_person(ctx.read_unit(), ctx.now, ctx.caller.person_id)
            answer = mine if mine and mine.rows else await who(ctx.read_unit(), ctx.now, None)
    except QueryError as exc:
        return refusal(f"{str(exc)[:1].upper()}{str(exc)[1:]}.")
    return render(answer, zone_text)
