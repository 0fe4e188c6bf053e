"""``/oncall schedule [team|schedule|@person]``: the next 14 days (default: the caller's)."""

from __future__ import annotations

from datetime import timedelta, tzinfo

from bot.commands.context import CommandContext, local_time, zone_of
from bot.commands.people import is_person_word, person_named
from bot.commands.replies import Reply, Section, refusal
from bot.commands.words import WordsError
from core.oncall.listing import ListedShift, Listing, schedule_listing
from core.oncall.targets import QueryError, Target
from core.schedule.model import Interval

USAGE = "/oncall schedule [team|schedule|@person]"
SUMMARY = "the shifts of the next 14 days (default: yours)"
DAYS = 14
MAX_LINES = 60


def _line(item: ListedShift | Interval, zone: tzinfo, with_schedule: bool) -> str:
    window = f"{local_time(item.start, zone)} → {local_time(item.end, zone)}"
    if isinstance(item, ListedShift):
        where = f" in {item.schedule}" if with_schedule else ""
        source = "" if item.source.startswith("layer:") else f" ({item.source})"
        return f"{window}  {item.person.display_name}{where}{source}"
    return f"{window}  NOBODY (a coverage gap)"


def _cap(lines: list[str]) -> tuple[str, ...]:
    if len(lines) <= MAX_LINES:
        return tuple(lines)
    return (*lines[:MAX_LINES], f"… and {len(lines) - MAX_LINES} more")


def render(listing: Listing, zone: tzinfo, title: str) -> Reply:
    sections: tuple[Section, ...]
    if listing.target.kind == "person":
        lines = [_line(s, zone, True) for s in listing.person_shifts]
        sections = (Section(title=title, lines=_cap(lines) or ("no shifts",)),)
    else:
        sections = tuple(
            Section(
                title=s.schedule_name or s.schedule,
                lines=_cap([_line(i, zone, False) for i in s.timeline]) or ("nobody on call",),
            )
            for s in listing.schedules
        ) or (Section(title=title, lines=("no schedules",)),)
    return Reply(text=f"{title}: the next {DAYS} days", sections=sections)


async def run(ctx: CommandContext, words: list[str]) -> Reply:
    if len(words) > 1:
        return refusal(f"Usage: {USAGE}")
    config = await ctx.config()
    zone = zone_of(config, ctx.caller.person_id)
    try:
        if not words or is_person_word(words[0]):
            person = ctx.caller.person_id
            if words:
                person = await person_named(ctx, config, words[0])
            if person is None:
                return refusal(
                    "You are not in the on-call configuration; name a team or schedule: " + USAGE
                )
            found = config.person(person)
            target: Target | str = Target("person", person)
            title = f"Shifts of {found.display_name if found else person}"
        else:
            target, title = words[0], f"Schedule of {words[0]}"
        listing = await schedule_listing(
            ctx.read_unit(), target, ctx.now, ctx.now + timedelta(days=DAYS)
        )
    except (QueryError, WordsError) as exc:
        return refusal(f"{str(exc)[:1].upper()}{str(exc)[1:]}.")
    return render(listing, zone, title)
