"""``/oncall schedule [team|schedule|service|@person]``: the next 14 days (default: the
caller's own shifts). A target is its id, its id in any case, or its name (maybe several
words); a person is ``@id``, a mention, or a bare id that names no schedule, team or service.
"""

from __future__ import annotations

from datetime import timedelta, tzinfo

from bot.commands.context import CommandContext, local_time, zone_of
from bot.commands.people import is_person_word, names_person, person_named
from bot.commands.replies import Reply, Section, refusal
from bot.commands.words import WordsError, sentence
from core.config.model import Configuration
from core.oncall.listing import ListedShift, Listing, schedule_listing
from core.oncall.targets import QueryError, Target, resolve_target
from core.schedule.model import Interval

USAGE = "/oncall schedule [team|schedule|@person]"
SUMMARY = "the shifts of the next 14 days (default: yours)"
DAYS = 14
MAX_LINES = 60


def _line(item: ListedShift | Interval, zone: tzinfo, schedule: str | None) -> str:
    window = f"{local_time(item.start, zone)} → {local_time(item.end, zone)}"
    if isinstance(item, ListedShift):
        where = f" in {schedule}" if schedule else ""
        source = "" if item.source.startswith("layer:") else f" ({item.source})"
        return f"{window}  {item.person.display_name}{where}{source}"
    return f"{window}  NOBODY (a coverage gap)"


def _cap(lines: list[str]) -> tuple[str, ...]:
    if len(lines) <= MAX_LINES:
        return tuple(lines)
    return (*lines[:MAX_LINES], f"… and {len(lines) - MAX_LINES} more")


def render(
    listing: Listing, zone: tzinfo, title: str, config: Configuration | None = None
) -> Reply:
    """The reply: a section per schedule (shifts and gaps in time order), or for a person one
    section of their shifts, each naming its schedule. At most 60 lines a section."""

    def schedule_name(schedule_id: str) -> str:
        found = config.schedule(schedule_id) if config else None
        return (found.name if found else None) or schedule_id

    sections: tuple[Section, ...]
    if listing.target.kind == "person":
        lines = [_line(s, zone, schedule_name(s.schedule)) for s in listing.person_shifts]
        sections = (Section(title=title, lines=_cap(lines) or ("no shifts",)),)
    else:
        sections = tuple(
            Section(
                title=s.schedule_name or s.schedule,
                lines=_cap([_line(i, zone, None) for i in s.timeline]) or ("nobody on call",),
            )
            for s in listing.schedules
        ) or (Section(title=title, lines=("no schedules",)),)
    return Reply(text=f"{title}: the next {DAYS} days", sections=sections)


def _title(config: Configuration, target: Target) -> str:
    names = {
        **{("schedule", s.id): s.name for s in config.schedules},
        **{("team", t.id): t.name for t in config.teams},
        **{("service", s.id): s.name for s in config.services},
        **{("person", p.id): p.name for p in config.people},
    }
    name = names.get((target.kind, target.id)) or target.id
    return f"Shifts of {name}" if target.kind == "person" else f"Schedule of {name}"


async def run(ctx: CommandContext, words: list[str]) -> Reply:
    config = await ctx.config()
    zone = zone_of(config, ctx.caller.person_id)
    word = " ".join(words)
    try:
        target: Target
        if not words or (len(words) == 1 and is_person_word(words[0])):
            person = ctx.caller.person_id
            if words:
                person = await person_named(ctx, config, words[0])
            if person is None:
                return refusal(
                    "You are not in the on-call configuration; name a team or schedule: " + USAGE
                )
            target = Target("person", person)
        else:
            try:
                target = resolve_target(config, word)
            except QueryError:
                if len(words) == 1 and names_person(config, words[0]):
                    target = Target("person", await person_named(ctx, config, words[0]))
                else:
                    raise
        listing = await schedule_listing(
            ctx.read_unit(), target, ctx.now, ctx.now + timedelta(days=DAYS)
        )
    except (QueryError, WordsError) as exc:
        return refusal(sentence(str(exc)))
    return render(listing, zone, _title(config, target), config)
