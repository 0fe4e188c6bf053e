"""``ack`` and ``resolve`` share this: read the incident id, call the one use case."""

from __future__ import annotations

from bot.commands.context import CommandContext
from bot.commands.replies import Reply, refusal
from core.chat.responses import Verb, incident_action
from core.config.model import Configuration


def incident_number(word: str) -> int | None:
    """``12`` or ``#12``; None for anything else."""
    digits = word.removeprefix("#")
    return int(digits) if digits.isdigit() and len(digits) < 12 else None


async def _resolved_already(ctx: CommandContext, number: int) -> str | None:
    """``#12 title is resolved already (by Ann).`` when incident ``number`` is resolved."""
    async with ctx.read_unit() as uow:
        record = await uow.incidents.get(number)
        config = await uow.config.load() or Configuration()
    if record is None or record.state.status != "resolved":
        return None
    by = record.state.resolved_by
    person = config.person(by) if by else None
    who = person.display_name if person else (by or "someone")
    return f"#{number} {record.title} is resolved already (by {who})."


async def act(ctx: CommandContext, words: list[str], verb: Verb, usage: str) -> Reply:
    """Act on the incident named in ``words`` as the caller. Public when it changed it.

    Resolving a resolved incident says so and by whom, as acknowledging one does.
    """
    if ctx.caller.person_id is None:
        return refusal("You are not in the on-call configuration, so you cannot act on incidents.")
    number = incident_number(words[0]) if len(words) == 1 else None
    if number is None:
        return refusal(f"Usage: {usage}")
    outcome = await incident_action(ctx.new_unit(), number, verb, ctx.caller.person_id, ctx.now)
    text = outcome.text
    if not outcome.changed and outcome.status == "resolved":
        text = await _resolved_already(ctx, number) or text
    return Reply(text=text, public=outcome.changed, error=not outcome.changed)
