"""``/oncall timeoff [@person] <from> <to> [reason]``: record time off; says who covers.

Without a person, the caller's own time off. Someone else's is for their team's managers
(:mod:`core.chat.rights`). Future turns and covers are recomputed at once. A date alone is
its midnight in the caller's zone, so one day off is ``2026-12-24 2026-12-25``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bot.commands.actions import View
from bot.commands.context import CommandContext, local_time, zone_of
from bot.commands.people import names_person, person_named
from bot.commands.replies import Reply, Section, refusal
from bot.commands.words import WordsError, check_window, sentence, take_time
from core.chat.rights import time_off_refusal
from core.config.model import Configuration
from core.oncall.actions import ScheduleInputError, add_time_off

USAGE = "/oncall timeoff [@person] <from> <to> [reason]"
SUMMARY = "record time off (yours, or as a manager someone else's); shows who covers"
HINT = "(dates like 2026-12-24, or 2026-12-24 09:00, in your zone)"


async def run(ctx: CommandContext, words: list[str]) -> Reply:
    """Record time off from words; no words asks for the form (``extra["modal"]``)."""
    actor = ctx.caller.person_id
    if actor is None:
        return refusal("You are not in the on-call configuration, so you cannot record time off.")
    if not words:
        return replace(refusal(f"Usage: {USAGE}  {HINT}"), extra={"modal": View.TIME_OFF.value})
    if len(words) < 2:
        return refusal(f"Usage: {USAGE}  {HINT}")
    config = await ctx.config()
    zone = zone_of(config, actor)
    rest = words
    try:
        person = actor
        if names_person(config, rest[0]):
            person, rest = await person_named(ctx, config, rest[0]), rest[1:]
        start, rest = take_time(rest, zone=zone, now=ctx.now, what="from")
        end, rest = take_time(rest, zone=zone, now=ctx.now, what="to")
        check_window(start, end, dates_hint=True)
    except WordsError as exc:
        return refusal(f"{sentence(str(exc))} Usage: {USAGE}")
    refused = time_off_refusal(config, actor, person)
    if refused is not None:
        return refusal(f"{sentence(refused)} Nothing changed.")
    try:
        return await record(ctx, config, actor, person, start, end, " ".join(rest) or None)
    except ScheduleInputError as exc:
        return refusal(f"{sentence(str(exc))} Nothing changed.")


async def record(
    ctx: CommandContext,
    config: Configuration,
    actor: str,
    person: str,
    start: datetime,
    end: datetime,
    reason: str | None,
) -> Reply:
    """Store the time off (rights checked by the caller) and say who covers, in the actor's
    zone. Raises :class:`ScheduleInputError` when core refuses it (nothing stored)."""
    zone = zone_of(config, actor)
    outcome = await add_time_off(
        ctx.new_unit(),
        person_id=person,
        start=start,
        end=end,
        actor=actor,
        now=ctx.now,
        reason=reason,
    )

    def name(person_id: str) -> str:
        found = config.person(person_id)
        return found.display_name if found else person_id

    def schedule_name(schedule_id: str) -> str:
        found = config.schedule(schedule_id)
        return (found.name if found else None) or schedule_id

    covers = tuple(
        f"{schedule_name(sid)}: {name(c.person)} covers {local_time(c.start, zone)} "
        f"to {local_time(c.end, zone)}"
        for sid, c in outcome.covers
    )
    return Reply(
        text=f"Time off {outcome.id}: {name(person)} from {local_time(start, zone)} "
        f"to {local_time(end, zone)}.",
        sections=(Section(title="Who covers", lines=covers or ("nobody needs to: no shifts",)),),
        public=True,
    )
