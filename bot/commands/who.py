"""``/oncall who [service|team|schedule]``: who is on call now and who is next.

Without a word: the caller's teams (every schedule when the caller is in none, or unknown).
A target is its id, its id in any case, or its name (which may be several words).
"""

from __future__ import annotations

from bot.commands.context import CommandContext, local_time, zone_of
from bot.commands.people import names_person
from bot.commands.replies import Reply, Section, refusal
from bot.commands.words import sentence
from core.config.timefmt import zone as zone_named
from core.oncall.targets import QueryError, Target
from core.oncall.who import NEXT_LOOKAHEAD, OnCallShift, WhoAnswer, WhoRow, who, who_for_person

USAGE = "/oncall who [service|team|schedule]"
SUMMARY = "who is on call now and next (default: your teams)"


def _shift(shift: OnCallShift | None, zone_text: str, now: bool) -> str:
    zone = zone_named(zone_text)
    if shift is None:
        if now:
            return "Now: nobody (a coverage gap)"
        return f"Next: nobody within {NEXT_LOOKAHEAD.days} days"
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
    lines = [_shift(row.current, zone, True)]
    if row.current is None or row.current.end is not None:
        lines.append(_shift(row.next, zone, False))
    return Section(title=title, lines=tuple(lines))


def _nothing(targets: tuple[Target, ...]) -> str:
    if len(targets) == 1 and targets[0].kind == "service":
        return f"Nobody is paged for service {targets[0].id!r}: it has no escalation policy."
    if targets:
        return f"No schedules to show for {' and '.join(str(t) for t in targets)}."
    return "No schedules to show."


def render(answer: WhoAnswer, zone: str) -> Reply:
    """The reply: one line naming who is on call now (schedules' current shifts and people
    paged directly), then a section per row. No rows: says why."""
    if not answer.rows:
        return Reply(text=_nothing(answer.targets))
    on_call = [
        person.display_name
        for r in answer.rows
        if (person := r.current.person if r.current is not None else r.direct) is not None
    ]
    summary = "On call now: " + (", ".join(dict.fromkeys(on_call)) or "nobody")
    return Reply(text=summary, sections=tuple(_section(r, zone) for r in answer.rows))


async def run(ctx: CommandContext, words: list[str]) -> Reply:
    config = await ctx.config()
    zone = zone_of(config, ctx.caller.person_id)
    zone_text = str(zone)
    word = " ".join(words)
    try:
        if word:
            try:
                answer = await who(ctx.read_unit(), ctx.now, word)
            except QueryError:
                if len(words) == 1 and names_person(config, words[0]):
                    return refusal(
                        "Who is on call is asked of a schedule, team or service; for a "
                        f"person's shifts: /oncall schedule {words[0]}"
                    )
                raise
        else:
            mine: WhoAnswer | None = None
            if ctx.caller.person_id and config.person(ctx.caller.person_id):
                mine = await who_for_person(ctx.read_unit(), ctx.now, ctx.caller.person_id)
            answer = mine if mine and mine.rows else await who(ctx.read_unit(), ctx.now, None)
    except QueryError as exc:
        return refusal(sentence(str(exc)))
    return render(answer, zone_text)
