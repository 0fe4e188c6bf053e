"""The words of ``/oncall`` (Slack) or a message to the bot (Teams) to a subcommand.

``oncall who payments``, ``who payments`` and ``/oncall who payments`` mean the same. An
empty text, ``help`` or any unknown word gets the help (never an error). A subcommand that
fails unexpectedly answers with a short apology and the error is logged: a person never
sees a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from types import ModuleType

from bot.commands import (
    ack,
    config,
    help,
    maintenance,
    override,
    page,
    resolve,
    schedule,
    stats,
    swap,
    timeoff,
    who,
)
from bot.commands.context import CommandContext
from bot.commands.replies import Reply

log = logging.getLogger("oncall.commands")
MAX_TEXT = 2000

SUBCOMMANDS: dict[str, ModuleType] = {
    "who": who,
    "schedule": schedule,
    "override": override,
    "timeoff": timeoff,
    "swap": swap,
    "ack": ack,
    "resolve": resolve,
    "page": page,
    "maintenance": maintenance,
    "stats": stats,
    "config": config,
    "help": help,
}
ALIASES = {"acknowledge": "ack", "time-off": "timeoff", "shifts": "schedule"}


def split(text: str) -> tuple[str | None, list[str]]:
    """The subcommand word (lower-cased, ``oncall``/``/oncall`` prefix dropped) and the rest."""
    words = text.strip()[:MAX_TEXT].split()
    if words and words[0].lower() in ("oncall", "/oncall"):
        words = words[1:]
    if not words:
        return None, []
    word = words[0].lower()
    return ALIASES.get(word, word), words[1:]


def help_entries() -> list[tuple[str, str]]:
    return [(m.USAGE, m.SUMMARY) for m in SUBCOMMANDS.values()]


async def run(ctx: CommandContext, text: str) -> Reply:
    """Run the command ``text`` asks for and return its neutral reply."""
    word, words = split(text)
    module = SUBCOMMANDS.get(word or "help")
    if module is None or module is help:
        return help.render(help_entries(), unknown=word if module is None else None)
    runner: Callable[[CommandContext, list[str]], Awaitable[Reply]] = module.run
    try:
        return await runner(ctx, words)
    except Exception:
        log.exception("/oncall %s failed", word)
        return Reply(text="Sorry, that did not work; the error is in the bot's log.", error=True)
