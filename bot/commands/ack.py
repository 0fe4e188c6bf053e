"""``/oncall ack <incident>``: acknowledge, as the Acknowledge button does."""

from __future__ import annotations

from bot.commands.act import act
from bot.commands.context import CommandContext
from bot.commands.replies import Reply

USAGE = "/oncall ack <incident number>"
SUMMARY = "acknowledge an incident (stops its escalation)"


async def run(ctx: CommandContext, words: list[str]) -> Reply:
    return await act(ctx, words, "acknowledge", USAGE)
