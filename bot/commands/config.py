"""``/oncall config [schedule]``: a team's managers change a rotation in a form.

The command only checks who asks (:mod:`core.chat.config_rights`) and asks for the form
(``extra["modal"]``): Slack opens the managers' modal (:mod:`bot.handlers.slack.config_modal`),
prefilled with the schedule when one is named. A surface without forms shows the text, which
says where the rotations are kept. Nothing changes here.
"""

from __future__ import annotations

from bot.commands.actions import View
from bot.commands.context import CommandContext
from bot.commands.named import schedule_in, unknown_schedule
from bot.commands.replies import Reply, refusal
from bot.commands.words import sentence
from core.chat.config_rights import config_refusal

USAGE = "/oncall config [schedule]"
SUMMARY = "as a team's manager, change a rotation: members, order, hand-over, active hours"


async def run(ctx: CommandContext, words: list[str]) -> Reply:
    config = await ctx.config()
    actor = ctx.caller.person_id
    schedule = schedule_in(config, words[0]) if words else None
    if words and schedule is None and actor is not None:
        return refusal(sentence(unknown_schedule(config, words[0])))
    refused = config_refusal(config, actor, schedule.id if schedule else None)
    if refused is not None:
        return refusal(f"{sentence(refused)} Nothing changed.")
    prefill = {"schedule": schedule.id} if schedule else {}
    return Reply(
        text="The rotation editor opens in Slack. Elsewhere, change the configuration file "
        "and run `oncall config apply`.",
        extra={"modal": View.CONFIG.value, "prefill": prefill},
    )
