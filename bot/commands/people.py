"""Finding the person a command names (``@alice``, ``alice``, or a platform mention)."""

from __future__ import annotations

from bot.commands.context import CommandContext
from bot.commands.words import WordsError, person_ref
from core.config.model import Configuration


async def person_named(ctx: CommandContext, config: Configuration, word: str) -> str:
    """The person id for ``word``; :class:`WordsError` for someone the configuration lacks."""
    ref = person_ref(word)
    if ref is not None and ref.chat_user is not None:
        found = await ctx.resolve_user(ref.chat_user)
        if found is None:
            raise WordsError("that user is not a person in the on-call configuration")
        return found
    person_id = ref.person if ref is not None and ref.person else word
    if config.person(person_id) is None:
        raise WordsError(f"unknown person {person_id!r}")
    return person_id


def is_person_word(word: str) -> bool:
    return person_ref(word) is not None
