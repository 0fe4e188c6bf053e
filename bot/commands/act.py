"""``ack`` and ``resolve`` share this: read the incident id, call the one use case."""

from __future__ import annotations

from bot.commands.context import CommandContext
from bot.commands.replies import Reply, refusal
from core.chat.responses import Verb, incident_action


def incident_number(word: str) -> int | None:
    """``12`` or ``#12``; None for anything else."""
    digits = word.removeprefix("#")
    return int(digits) if digits.isdigit() and len(digits) < 12 else None


async def act(ctx: CommandContext, words: list[str], verb: Verb, usage: str) -> Reply:
    """Act on the incident named in ``words`` as the caller. Public when it changed it; a
    repeat (acknowledged or resolved already) says by whom and is only for the caller."""
    if ctx.caller.person_id is None:
        return refusal("You are not in the on-call configuration, so you cannot act on incidents.")
    number = incident_number(words[0]) if len(words) == 1 else None
    if number is None:
        return refusal(f"Usage: {usage}")
    outcome = await incident_action(ctx.new_unit(), number, verb, ctx.caller.person_id, ctx.now)
    return Reply(text=outcome.text, public=outcome.changed, error=not outcome.changed)
