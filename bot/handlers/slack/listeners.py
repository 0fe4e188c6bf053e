"""Thin Bolt listeners: ``ack()`` first (Slack's 3-second rule), then one use case, then
render. No rule lives here: commands are :mod:`bot.commands`, buttons
:func:`core.chat.responses.incident_action`."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.commands import router
from bot.commands.actions import INCIDENT_VERBS, Action, parse_value
from bot.handlers.slack.deps import SlackDeps
from bot.handlers.slack.mrkdwn import escape
from bot.handlers.slack.opening import open_for_reply
from bot.handlers.slack.render import reply_blocks, reply_text
from core.chat.responses import incident_action

log = logging.getLogger("oncall.slack")

VERBS = INCIDENT_VERBS  # kept under this name for the Home tab's listeners
UNKNOWN_USER = (
    "I don't know who you are in the on-call configuration: ask a manager to add your Slack "
    "id (`slack:`) or your Slack email to your person entry. Nothing was changed."
)


def slack_text(text: str) -> str:
    """A slash command's text as the person typed it: Slack sends ``&``, ``<`` and ``>`` as
    ``&amp;``, ``&lt;`` and ``&gt;`` (mentions stay ``<@U…|name>``); renderers escape again."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def register(bolt: AsyncApp, deps: SlackDeps, command: str = "/oncall") -> None:
    """Add the slash command and the incident buttons to ``bolt`` (the Home tab:
    :mod:`bot.handlers.slack.home`)."""
    people, new_unit, clock = deps.people, deps.new_unit, deps.clock

    @bolt.command(command)
    async def on_command(ack: Any, command: dict[str, Any], respond: Any) -> None:
        await ack()
        user = str(command.get("user_id", ""))
        ctx = deps.context(user, await people.person_of(user), command.get("channel_id"))
        reply = await router.run(ctx, slack_text(str(command.get("text", ""))))
        if await open_for_reply(deps.modals, reply.extra, command, ctx.caller.person_id):
            return  # the reply asked for a form (Reply.extra["modal"]) and it is open
        await respond(
            text=reply_text(reply),
            blocks=reply_blocks(reply),
            response_type="in_channel" if reply.public else "ephemeral",
            unfurl_links=False,
        )

    async def on_incident_action(
        ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Any
    ) -> None:
        await ack()
        raw = action.get("value") or (action.get("selected_option") or {}).get("value") or ""
        try:
            incident_id, seconds = parse_value(str(raw))
        except ValueError:
            await respond(
                text="That button is not one of mine.",
                response_type="ephemeral",
                replace_original=False,
            )
            return
        user = str((body.get("user") or {}).get("id", ""))
        person = await people.person_of(user)
        if person is None:
            await respond(text=UNKNOWN_USER, response_type="ephemeral", replace_original=False)
            return
        verb = VERBS[Action(action["action_id"])]
        outcome = await incident_action(
            new_unit(),
            incident_id,
            verb,
            person,
            clock.now(),
            snooze=timedelta(seconds=seconds) if seconds else None,
        )
        await respond(text=escape(outcome.text), response_type="ephemeral", replace_original=False)

    for action_id in VERBS:
        bolt.action(action_id.value)(on_incident_action)
