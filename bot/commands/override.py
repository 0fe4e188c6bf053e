"""``/oncall override <schedule> [@person] <from> <to> [reason]``: put someone on call.

Without a person, the caller puts themselves on call. Putting someone else on call is for
the schedule's team's managers (:mod:`core.chat.rights`). Times are read in the caller's
zone unless they carry an offset.
"""

from __future__ import annotations

from bot.commands.context import CommandContext, local_time, zone_of
from bot.commands.people import is_person_word, person_named
from bot.commands.replies import Reply, refusal
from bot.commands.words import WordsError, take_time
from core.chat.rights import override_refusal
from core.oncall.actions import ScheduleInputError, add_override

USAGE = "/oncall override <schedule> [@person] <from> <to> [reason]"
SUMMARY = "put yourself (or, as a manager, someone else) on call for a window"


async def run(ctx: CommandContext, words: list[str]) -> Reply:
    actor = ctx.caller.person_id
    if actor is None:
        return refusal("You are not in the on-call configuration, so you cannot change schedules.")
    if len(words) < 3:
        return refusal(f"Usage: {USAGE}  (times like 2026-12-24 09:00, or with an offset)")
    config = await ctx.config()
    schedule_id, rest = words[0], words[1:]
    schedule = config.schedule(schedule_id)
    if schedule is None:
        known = ", ".join(s.id for s in config.schedules) or "none"
        return refusal(f"Unknown schedule {schedule_id!r}. Schedules: {known}.")
    zone = zone_of(config, actor)
    try:
        person = actor
        if rest and is_person_word(rest[0]):
            person, rest = await person_named(ctx, config, rest[0]), rest[1:]
        start, rest = take_time(rest, zone=zone, now=ctx.now, what="from")
        end, rest = take_time(rest, zone=zone, now=ctx.now, what="to")
    except WordsError as exc:
        return refusal(f"{exc}. Usage: {USAGE}")
    refused = override_refusal(config, actor, schedule_id, person)
    if refused is not None:
        return refusal(f"Not allowed: {refused}.")
    reason = " ".join(rest) or None
    try:
        override_id = await add_override(
            ctx.new_unit(),
            schedule_id=schedule_id,
            person_id=person,
            start=start,
            end=end,
            actor=actor,
            now=ctx.now,
            reason=reason,
        )
    except ScheduleInputError as exc:
        return refusal(f"Nothing changed: {exc}.")
    shown = config.person(person)
    name = shown.display_name if shown else person
    window = f"{local_time(start, zone)} to {local_time(end, zone)}"
    return Reply(
        text=f"Override {override_id}: {name} is on call for {schedule.name or schedule_id} "
        f"from {window}.",
        public=True,
    )
