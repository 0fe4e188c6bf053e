"""Thin Bolt listeners: ``ack()`` first (Slack's 3-second rule), then one use case, then
render. No rule lives here: commands are :mod:`bot.commands`, buttons
:func:`core.chat.responses.incident_action`."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.commands import router
from bot.commands.actions import Action, parse_value
from bot.handlers.slack.deps import SlackDeps
from bot.handlers.slack.mrkdwn import escape
from bot.handlers.slack.render import reply_blocks, reply_text
from core.chat.responses import Verb, incident_action

log = logging.getLogger("oncall.slack")

VERBS: dict[Action, Verb] = {
    Action.ACKNOWLEDGE: "acknowledge",
    Action.ESCALATE: "escalate",
    Action.RESOLVE: "resolve",
    Action.SNOOZE: "snooze",
}
UNKNOWN_USER = (
    "I don't know who you are in the on-call configuration: ask a manager to add your Slack "
    "id (`slack:`) or your Slack email to your person entry. Nothing was changed."
)


def slack_text(text: str) -> str:
    """A slash command's text as the person typed it: Slack sends ``&``, ``<`` and ``>`` as
    ``&amp;``, ``&lt;`` and ``&gt;`` (mentions stay ``<@U…|name>``); renderers escape again."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def register(bolt: AsyncApp, deps: SlackDeps, command: str = "/oncall") -> None:
    """Add the slash command, the incident buttons and the Home tab to ``bolt``."""
    people, new_unit, clock = deps.people, deps.new_unit, deps.clock

    @bolt.command(command)
    async def on_command(ack: Any, command: dict[str, Any], respond: Any) -> None:
        await ack()
        user = str(command.get("user_id", ""))
        ctx = deps.context(user, await people.person_of(user), command.get("channel_id"))
        reply = await router.run(ctx, slack_text(str(command.get("text", ""))))
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

    @bolt.event("app_home_opened")
    async def on_home(event: dict[str, Any], client: Any) -> None:
        """The Home tab: who is on call for the person's teams, and how to ask for more."""
        if event.get("tab", "home") != "home":
            return
        user = str(event.get("user", ""))
        person = await people.person_of(user)
        ctx = deps.context(user, person)
        reply = await router.run(ctx, "who") if person else None
        blocks = reply_blocks(reply) if reply else []
        hint = "Type `/oncall help` for everything the bot can do."
        if person is None:
            hint = UNKNOWN_USER.replace(" Nothing was changed.", "")
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": hint}]})
        await client.views_publish(user_id=user, view={"type": "home", "blocks": blocks[:100]})
