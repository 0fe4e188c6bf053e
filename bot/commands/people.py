"""Finding the person a command names (``@alice``, ``alice``, or a platform mention)."""

from __future__ import annotations

from bot.commands.context import CommandContext
from bot.commands.words import WordsError, person_ref
from core.config.model import Configuration


def person_id_in(config: Configuration, text: str) -> str | None:
    """The id of the person ``text`` is the id of: exactly, else ignoring case (when only one
    person's id matches). None for nobody."""
    if config.person(text) is not None:
        return text
    folded = [p.id for p in config.people if p.id.casefold() == text.casefold()]
    return folded[0] if len(folded) == 1 else None


async def person_named(ctx: CommandContext, config: Configuration, word: str) -> str:
    """The person id for ``word``; :class:`WordsError` for someone the configuration lacks."""
    ref = person_ref(word)
    if ref is not None and ref.chat_user is not None:
        found = await ctx.resolve_user(ref.chat_user)
        if found is None:
            raise WordsError("that user is not a person in the on-call configuration")
        return found
    text = ref.person if ref is not None and ref.person else word
    person_id = person_id_in(config, text)
    if person_id is None:
        raise WordsError(f"unknown person {text!r}")
    return person_id


def is_person_word(word: str) -> bool:
    """``@alice`` or a mention: a word that can only mean a person."""
    return person_ref(word) is not None


def names_person(config: Configuration, word: str) -> bool:
    """:func:`is_person_word`, or a bare word that is a person's id (``alice``; not ``now``)."""
    if is_person_word(word):
        return True
    return word.casefold() != "now" and person_id_in(config, word) is not None
