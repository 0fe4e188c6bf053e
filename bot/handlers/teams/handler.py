"""The Teams activity handler: thin, like the Slack listeners.

- A message is a command: the bot's own @mention is taken out of the text (in a channel it is
  how people address the bot; in a personal or group chat the text is used as it is), other
  people's mentions become ``<@id>`` words the commands read as people, and the words go to
  :func:`bot.commands.router.run`, the same parser as Slack's ``/oncall``. The reply is an
  Adaptive Card (:func:`bot.handlers.teams.render.reply_card`) or, when it is only a line,
  plain text.
- A card's ``Action.Execute`` (``adaptiveCard/action``) carries its verb (an
  :class:`~bot.commands.actions.Action` value) and its ids in ``data``: incident actions go to
  :func:`core.chat.responses.incident_action`, swap answers to :func:`bot.commands.swap.decide`,
  a review form's submission to :func:`bot.handlers.teams.review.submit_from_card`.
  The invoke is answered with the card as it now is (Universal Actions show it to the one who
  clicked at once; every other copy is updated by the outbox), or with a message.
- ``installationUpdate`` and the bot's own ``conversationUpdate`` keep or retire the
  conversation references proactive messages use (:mod:`bot.handlers.teams.conversations`).

Unknown users are told politely; nothing changes.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import Any

from botbuilder.core import MessageFactory, TurnContext
from botbuilder.core.teams import TeamsActivityHandler
from botbuilder.schema import Activity, AdaptiveCardInvokeResponse, AdaptiveCardInvokeValue

from bot.commands import override, router, swap, timeoff
from bot.commands.actions import INCIDENT_VERBS, SWAP_VERBS, Action
from bot.commands.replies import Reply
from bot.handlers.teams.cards import ATTACHMENT_TYPE, REFRESH_VERB, attachment, incident_card
from bot.handlers.teams.deps import TeamsDeps
from bot.handlers.teams.render import reply_card, reply_text
from bot.handlers.teams.review import submit_from_card
from core.chat.responses import incident_action
from core.incidents.cards import current_card

log = logging.getLogger("oncall.teams")

UNKNOWN_USER = (
    "I don't know who you are in the on-call configuration: ask a manager to add your Teams "
    "id (teams:, your Azure AD object id) or your email to your person entry. Nothing was "
    "changed."
)
VERBS = INCIDENT_VERBS  # Teams' verbs are the Action values (a StrEnum: a str looks it up)
OPEN_HINTS = {
    Action.OPEN_TIME_OFF.value: f"Write: {timeoff.USAGE}",
    Action.OPEN_OVERRIDE.value: f"Write: {override.USAGE}",
    Action.OPEN_SWAP.value: f"Write: {swap.USAGE}",
    Action.OPEN_CONFIG.value: "Rotations are changed in the configuration file (or in Slack's "
    "/oncall config).",
}
_AT = re.compile(r"<at>(.*?)</at>", re.DOTALL)


def command_text(activity: Activity) -> str:
    """The words of a message: the bot's mention removed, other mentions as ``<@id>``.

    Teams writes a mention as ``<at>Name</at>`` in the text with a ``mention`` entity naming
    the user; a mention with no entity stays as the plain name.
    """
    text = activity.text or ""
    bot_id = getattr(activity.recipient, "id", None)
    for entity in activity.entities or []:
        props = getattr(entity, "additional_properties", None) or {}
        if getattr(entity, "type", None) != "mention" and props.get("type") != "mention":
            continue
        mentioned = props.get("mentioned") or {}
        tag = props.get("text")
        if not isinstance(tag, str) or not isinstance(mentioned, dict):
            continue
        who = mentioned.get("id")
        text = text.replace(tag, " " if who == bot_id else f" <@{who}> ")
    text = _AT.sub(lambda m: m.group(1), text)  # a mention without its entity: the name
    return " ".join(text.replace("&nbsp;", " ").split())


class InvokeAnswer(AdaptiveCardInvokeResponse):  # type: ignore[misc]
    """botbuilder's answer to an ``adaptiveCard/action``, whose ``value`` may also be the text
    of a message (``application/vnd.microsoft.activity.message``): botbuilder's model types
    it as a dict only, and its serializer refuses a string."""

    _attribute_map = {  # noqa: RUF012 (msrest's class attribute)
        **AdaptiveCardInvokeResponse._attribute_map,
        "value": {"key": "value", "type": "object"},
    }


def _message(text: str) -> AdaptiveCardInvokeResponse:
    return InvokeAnswer(
        status_code=200, type="application/vnd.microsoft.activity.message", value=text
    )


def _card(card: dict[str, Any]) -> AdaptiveCardInvokeResponse:
    return InvokeAnswer(status_code=200, type=ATTACHMENT_TYPE, value=card)


def reply_activity(reply: Reply) -> Activity:
    """A neutral reply as a Teams message: an Adaptive Card, or text when it is one line."""
    card = reply_card(reply)
    if card is None:
        message = MessageFactory.text(reply_text(reply))
        message.text_format = "plain"  # names with * or _ are shown as typed, not as Markdown
        return message
    return MessageFactory.attachment(attachment(card), text=None)


class OncallTeamsBot(TeamsActivityHandler):  # type: ignore[misc]
    def __init__(self, deps: TeamsDeps) -> None:
        self.deps = deps

    async def on_turn(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        if activity.type in ("message", "invoke"):
            await self.deps.conversations.seen(turn_context)
        await super().on_turn(turn_context)

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        person = await self.deps.people.person_of(turn_context)

        async def resolve_user(user_id: str) -> str | None:
            return await self.deps.people.person_of(turn_context, user_id)

        ctx = self.deps.context(
            str(getattr(activity.from_property, "id", "") or ""),
            person,
            activity.conversation.id if activity.conversation else None,
            resolve_user,
        )
        reply = await router.run(ctx, command_text(activity))
        await turn_context.send_activity(reply_activity(reply))

    async def on_adaptive_card_invoke(
        self, turn_context: TurnContext, invoke_value: AdaptiveCardInvokeValue
    ) -> AdaptiveCardInvokeResponse:
        action = invoke_value.action if isinstance(invoke_value.action, dict) else {}
        verb = str(action.get("verb") or "")
        data = action.get("data") if isinstance(action.get("data"), dict) else {}
        if verb == REFRESH_VERB:
            return await self._current(data.get("incident"))
        if verb in OPEN_HINTS:
            return _message(OPEN_HINTS[verb])
        if verb == Action.SUBMIT_REVIEW.value:  # the review form (bot.handlers.teams.review)
            person = await self.deps.people.person_of(turn_context)
            deps = self.deps
            answer = await submit_from_card(deps.new_unit, deps.read_unit, deps.clock, person, data)
            return _card(answer) if isinstance(answer, dict) else _message(answer)
        if verb not in VERBS and verb not in SWAP_VERBS:
            return _message("That button is not one of mine.")
        person = await self.deps.people.person_of(turn_context)
        if person is None:
            return _message(UNKNOWN_USER)
        if verb in SWAP_VERBS:
            user = str(getattr(turn_context.activity.from_property, "id", "") or "")
            ctx = self.deps.context(user, person, None, None)
            reply = await swap.decide(ctx, str(data.get("value") or ""), SWAP_VERBS[verb])
            card = reply_card(reply)
            return _card(card) if card is not None else _message(reply_text(reply))
        incident, seconds = data.get("incident"), data.get("seconds")
        if not isinstance(incident, int) or isinstance(incident, bool) or incident <= 0:
            return _message("That button is not one of mine.")
        if seconds is not None and (not isinstance(seconds, int) or isinstance(seconds, bool)):
            return _message("That button is not one of mine.")
        outcome = await incident_action(
            self.deps.new_unit(),
            incident,
            VERBS[verb],
            person,
            self.deps.clock.now(),
            snooze=timedelta(seconds=seconds) if seconds else None,
        )
        if not outcome.changed:
            return _message(outcome.text)
        return await self._current(incident, fallback=outcome.text)

    async def _current(
        self, incident: object, fallback: str | None = None
    ) -> AdaptiveCardInvokeResponse:
        """The incident's card as it is now (Universal Actions' refresh, and after a click)."""
        if not isinstance(incident, int) or isinstance(incident, bool):
            return _message(fallback or "That card is not one of mine.")
        async with self.deps.read_unit() as uow:
            card = await current_card(uow, incident, self.deps.clock.now())
        if card is None:
            return _message(fallback or f"There is no incident {incident}.")
        card["url"] = f"{self.deps.base_url}/incidents/{incident}"
        return _card(incident_card(card))

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        await self.deps.conversations.installed(turn_context)
        await self._introduce(turn_context)

    async def _introduce(self, turn_context: TurnContext) -> None:
        """In a personal chat, find out who installed the bot now (their Teams profile's
        email, remembered), so they can be paged there before they ever write to it."""
        conversation = turn_context.activity.conversation
        if getattr(conversation, "conversation_type", None) in (None, "personal"):
            await self.deps.people.person_of(turn_context)

    async def on_installation_update_remove(self, turn_context: TurnContext) -> None:
        await self.deps.conversations.removed(turn_context)

    async def on_members_added_activity(
        self, members_added: list[Any], turn_context: TurnContext
    ) -> None:
        """Outside a team (a personal or group chat): the bot added keeps the chat."""
        if self._bot_among(members_added, turn_context):
            await self.deps.conversations.installed(turn_context)
            await self._introduce(turn_context)

    async def on_teams_members_added(
        self, teams_members_added: list[Any], team_info: Any, turn_context: TurnContext
    ) -> None:
        if self._bot_among(teams_members_added, turn_context):
            await self.deps.conversations.installed(turn_context)

    async def on_members_removed_activity(
        self, members_removed: list[Any], turn_context: TurnContext
    ) -> None:
        if self._bot_among(members_removed, turn_context):
            await self.deps.conversations.removed(turn_context)

    async def on_teams_members_removed(
        self, teams_members_removed: list[Any], team_info: Any, turn_context: TurnContext
    ) -> None:
        if self._bot_among(teams_members_removed, turn_context):
            await self.deps.conversations.removed(turn_context)

    @staticmethod
    def _bot_among(members: list[Any], turn_context: TurnContext) -> bool:
        bot_id = getattr(turn_context.activity.recipient, "id", None)
        return any(getattr(m, "id", None) == bot_id for m in members or [])
