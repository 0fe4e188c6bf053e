"""``/oncall override <schedule> [@person] <from> <to> [reason]``: put someone on call.

Without a person, the caller puts themselves on call. Putting someone else on call is for
the schedule's team's managers (:mod:`core.chat.rights`). The schedule is its id (in any
case) or its one-word name. Times are read in the caller's zone unless they carry an offset.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bot.commands.actions import View
from bot.commands.context import CommandContext, local_time, zone_of
from bot.commands.named import schedule_in, unknown_schedule
from bot.commands.people import names_person, person_named
from bot.commands.replies import Reply, refusal
from bot.commands.words import EXAMPLE, WordsError, check_window, sentence, take_time
from core.chat.rights import override_refusal
from core.config.model import Configuration, Schedule
from core.oncall.actions import ScheduleInputError, add_override

USAGE = "/oncall override <schedule> [@person] <from> <to> [reason]"
SUMMARY = "put yourself (or, as a manager, someone else) on call for a window"
HINT = f"(times like {EXAMPLE} in your zone, or with an offset)"


async def run(ctx: CommandContext, words: list[str]) -> Reply:
    """Put someone on call from words; no words asks for the form (``extra["modal"]``)."""
    actor = ctx.caller.person_id
    if actor is None:
        return refusal("You are not in the on-call configuration, so you cannot change schedules.")
    if not words:
        return replace(refusal(f"Usage: {USAGE}  {HINT}"), extra={"modal": View.OVERRIDE.value})
    if len(words) < 3:
        return refusal(f"Usage: {USAGE}  {HINT}")
    config = await ctx.config()
    schedule = schedule_in(config, words[0])
    if schedule is None:
        return refusal(sentence(unknown_schedule(config, words[0])))
    rest = words[1:]
    zone = zone_of(config, actor)
    try:
        person = actor
        if rest and names_person(config, rest[0]):
            person, rest = await person_named(ctx, config, rest[0]), rest[1:]
        start, rest = take_time(rest, zone=zone, now=ctx.now, what="from")
        end, rest = take_time(rest, zone=zone, now=ctx.now, what="to")
        check_window(start, end)
    except WordsError as exc:
        return refusal(f"{sentence(str(exc))} Usage: {USAGE}")
    refused = override_refusal(config, actor, schedule.id, person)
    if refused is not None:
        return refusal(f"{sentence(refused)} Nothing changed.")
    try:
        return await record(
            ctx, config, schedule, actor, person, start, end, " ".join(rest) or None
        )
    except ScheduleInputError as exc:
        return refusal(f"{sentence(str(exc))} Nothing changed.")


async def record(
    ctx: CommandContext,
    config: Configuration,
    schedule: Schedule,
    actor: str,
    person: str,
    start: datetime,
    end: datetime,
    reason: str | None,
) -> Reply:
    """Store the override (rights checked by the caller) and say so in the actor's zone.
    Raises :class:`ScheduleInputError` when core refuses it (nothing stored)."""
    override_id = await add_override(
        ctx.new_unit(),
        schedule_id=schedule.id,
        person_id=person,
        start=start,
        end=end,
        actor=actor,
        now=ctx.now,
        reason=reason,
    )
    zone = zone_of(config, actor)
    shown = config.person(person)
    name = shown.display_name if shown else person
    window = f"{local_time(start, zone)} to {local_time(end, zone)}"
    return Reply(
        text=f"Override {override_id}: {name} is on call for {schedule.name or schedule.id} "
        f"from {window}.",
        public=True,
    )
