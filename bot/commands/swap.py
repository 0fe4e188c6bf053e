"""``/oncall swap``: ask someone to take your shift, or part of it; they accept or decline.

- ``/oncall swap @person [schedule] <from> <to> [reason]``: the window, read in the caller's
  zone (times as :mod:`bot.commands.words` reads them).
- ``/oncall swap @person [schedule] my next shift [reason]`` (also ``next shift``, ``next``):
  the caller's next shift that has not begun.
- ``/oncall swap cancel <id>`` (also ``withdraw``): the requester takes a request back.
- ``/oncall swap`` alone: the swap form (where the surface has one), else this usage.

The schedule is found (the one where all of the window is the caller's) unless named; the
rules and refusals are core's (:mod:`core.oncall.swaps`). The counterpart hears of it through
the outbox (a DM with Accept and Decline); the caller is told privately that the request went
out, with a button to withdraw it. :func:`ask` and :func:`decide` are what buttons and forms
call too, so every surface answers alike; a refusal's reply carries the form field it is
about in ``extra["field"]``.
"""

from __future__ import annotations

from datetime import datetime

from bot.commands.actions import Action, View
from bot.commands.context import CommandContext, local_time, zone_of
from bot.commands.named import schedule_in, unknown_schedule
from bot.commands.people import names_person, person_named
from bot.commands.replies import Button, Fact, Reply, Section, refusal
from bot.commands.words import EXAMPLE, WordsError, check_window, sentence, take_time
from core.config.model import Configuration
from core.oncall.actions import ScheduleInputError, SwapRefused, decide_swap, request_swap
from core.ports import SwapRequest

USAGE = "/oncall swap @person [schedule] (<from> <to> | my next shift) [reason]"
SUMMARY = "ask someone to take your shift (or part of it); /oncall swap cancel <id> withdraws"
HINT = f"(times like {EXAMPLE} in your zone)"
NOT_CONFIGURED = "You are not in the on-call configuration, so you cannot swap shifts."
_NEXT = (("my", "next", "shift"), ("my", "next"), ("next", "shift"), ("next",))
_NOT_SCHEDULES = {"now", "from", "my", "next"}
VERBS = {"accept": "accept", "decline": "decline", "cancel": "cancel", "withdraw": "cancel"}


def _next_words(words: list[str]) -> int:
    """How many leading words say "my next shift" (0: they do not)."""
    folded = tuple(w.casefold() for w in words)
    return next((len(p) for p in _NEXT if folded[: len(p)] == p), 0)


def _name(config: Configuration, person_id: str) -> str:
    person = config.person(person_id)
    return person.display_name if person else person_id


def _schedule_name(config: Configuration, schedule_id: str) -> str:
    schedule = config.schedule(schedule_id)
    return (schedule.name if schedule else None) or schedule_id


async def run(ctx: CommandContext, words: list[str]) -> Reply:
    actor = ctx.caller.person_id
    if actor is None:
        return refusal(NOT_CONFIGURED)
    if not words:
        return Reply(text=f"Usage: {USAGE}  {HINT}", error=True, extra={"modal": View.SWAP.value})
    if words[0].casefold() in ("cancel", "withdraw"):
        return await decide(ctx, " ".join(words[1:2]), "cancel")
    config = await ctx.config()
    if not names_person(config, words[0]):
        return refusal(f"Name the person to ask first. Usage: {USAGE}  {HINT}")
    zone = zone_of(config, actor)
    give: tuple[datetime, datetime] | None = None
    schedule_id: str | None = None
    try:
        counterpart = await person_named(ctx, config, words[0])
        rest = words[1:]
        if rest and rest[0].casefold() not in _NOT_SCHEDULES and _next_words(rest) == 0:
            schedule = schedule_in(config, rest[0])
            if schedule is not None:
                schedule_id, rest = schedule.id, rest[1:]
            elif not any(c.isdigit() for c in rest[0]):
                return refusal(sentence(unknown_schedule(config, rest[0])))
        skip = _next_words(rest)
        if skip:
            rest = rest[skip:]
        else:
            start, rest = take_time(rest, zone=zone, now=ctx.now, what="from")
            end, rest = take_time(rest, zone=zone, now=ctx.now, what="to")
            check_window(start, end)
            give = (start, end)
    except WordsError as exc:
        return refusal(f"{sentence(str(exc))} Usage: {USAGE}")
    return await ask(
        ctx,
        counterpart=counterpart,
        give=give,
        schedule_id=schedule_id,
        reason=" ".join(rest) or None,
    )


def _refused(exc: ScheduleInputError) -> Reply:
    field = exc.field if isinstance(exc, SwapRefused) else None
    return Reply(text=f"{sentence(str(exc))} Nothing changed.", error=True, extra={"field": field})


async def ask(
    ctx: CommandContext,
    *,
    counterpart: str | None,
    give: tuple[datetime, datetime] | None,
    schedule_id: str | None = None,
    reason: str | None = None,
) -> Reply:
    """Ask ``counterpart`` to take ``give`` (None: the caller's next shift); the caller's
    private confirmation, with a button to withdraw, or the refusal (``extra["field"]``).
    ``counterpart`` None: not a person of the configuration (refused on that field)."""
    actor = ctx.caller.person_id
    if actor is None:
        return Reply(text=NOT_CONFIGURED, error=True, extra={"field": None})
    if counterpart is None:
        text = "That user is not a person in the on-call configuration. Nothing changed."
        return Reply(text=text, error=True, extra={"field": "counterpart"})
    try:
        swap_id = await request_swap(
            ctx.new_unit(),
            schedule_id=schedule_id,
            requester=actor,
            counterpart=counterpart,
            give=give,
            now=ctx.now,
            reason=reason,
        )
    except ScheduleInputError as exc:
        return _refused(exc)
    async with ctx.read_unit() as uow:
        swap = await uow.schedules.swap(swap_id)
        config = await uow.config.load() or Configuration()
    assert swap is not None
    return asked(config, swap)


def _window(swap: SwapRequest, config: Configuration, person: str) -> str:
    zone = zone_of(config, person)
    return f"{local_time(swap.give_start, zone)} to {local_time(swap.give_end, zone)}"


def asked(config: Configuration, swap: SwapRequest) -> Reply:
    """The requester's confirmation that the request went out (times in their zone)."""
    who = _name(config, swap.counterpart)
    schedule = _schedule_name(config, swap.schedule_id)
    facts = [
        Fact("Schedule", schedule),
        Fact("Window", _window(swap, config, swap.requester)),
    ]
    if swap.reason:
        facts.append(Fact("Reason", swap.reason))
    return Reply(
        text=f"Swap {swap.id}: I asked {who} to take your shift in {schedule} from "
        f"{_window(swap, config, swap.requester)}. You will hear their answer in a DM.",
        sections=(Section(facts=tuple(facts)),),
        buttons=(Button(Action.SWAP_CANCEL, "Withdraw the request", str(swap.id), "danger"),),
        extra={"swap": swap.id},
    )


async def decide(ctx: CommandContext, raw_id: str, verb: str) -> Reply:
    """``verb`` (``accept``, ``decline``, ``cancel``) swap ``raw_id`` as the caller; what it did
    in their words, or the refusal. Nothing changes on a refusal."""
    actor = ctx.caller.person_id
    if actor is None:
        return refusal(NOT_CONFIGURED)
    word = VERBS.get(verb)
    text = raw_id.strip().removeprefix("#")
    if word is None or not text.isdigit() or len(text) > 12:
        return refusal("Which swap? Write /oncall swap cancel <id>, like /oncall swap cancel 12.")
    try:
        swap = await decide_swap(
            ctx.new_unit(),
            swap_id=int(text),
            actor=actor,
            accept=word == "accept",
            withdraw=word == "cancel",
            now=ctx.now,
        )
    except ScheduleInputError as exc:
        return _refused(exc)
    config = await ctx.config()
    schedule = _schedule_name(config, swap.schedule_id)
    requester = _name(config, swap.requester)
    if swap.status == "accepted":
        said = (
            f"You accepted swap {swap.id}: you are on call in {schedule} from "
            f"{_window(swap, config, actor)} instead of {requester}."
        )
    elif swap.status == "declined":
        said = f"You declined swap {swap.id}; {requester} will be told. Nothing changed."
    else:
        who = _name(config, swap.counterpart)
        said = f"You withdrew swap {swap.id}; {who} will see it withdrawn."
    return Reply(text=said, extra={"swap": swap.id, "status": swap.status})
