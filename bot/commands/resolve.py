"""``/oncall resolve <incident>``: resolve, as the Resolve button does."""

from __future__ import annotations

from bot.commands.act import act
from bot.commands.context import CommandContext
from bot.commands.replies import Reply

USAGE = "/oncall resolve <incident number>"
SUMMARY = "resolve an incident"


async def run(ctx: CommandContext, words: list[str]) -> Reply:
    return await act(ctx, words, "resolve", USAGE)
