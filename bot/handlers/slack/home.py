"""The App Home tab: published when a person opens it (``app_home_opened``) and after they act
on it, from :func:`core.oncall.home.home_for` and each open incident's current card.

Clicks on the incident cards of a Home tab have no message to answer in (no
``response_url``): they are taken here, before the message listeners of
:mod:`bot.handlers.slack.listeners` (register this first), and answered by publishing the tab
again with the outcome at its top.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

from bot.commands.actions import Action, parse_value
from bot.handlers.slack.deps import SlackDeps
from bot.handlers.slack.home_view import home_blocks, home_view, unknown_home
from bot.handlers.slack.listeners import UNKNOWN_USER, VERBS
from bot.handlers.slack.people import PLATFORM
from core.chat import identity
from core.chat.responses import incident_action
from core.incidents.cards import current_card
from core.oncall.home import home_for

log = logging.getLogger("oncall.slack")
CARDS_LOADED = 6
UNKNOWN_HOME = UNKNOWN_USER.replace(" Nothing was changed.", "") + (
    " Until then you can still use `/oncall who` and `/oncall schedule`."
)


async def _cards(deps: SlackDeps, incident_ids: list[int]) -> list[dict[str, Any]]:
    """The current cards, with the Slack ids of the people they name and their links."""
    now, out = deps.clock.now(), []
    async with deps.read_unit() as uow:
        for incident_id in incident_ids:
            card = await current_card(uow, incident_id, now)
            if card is None:
                continue
            users: dict[str, str] = {}
            for person_id in card.get("people", {}):
                known = await identity.known_chat_id(uow, PLATFORM, person_id)
                if known is not None and known.external_id:
                    users[person_id] = known.external_id
            card["slack_users"] = users
            card["url"] = f"{deps.base_url}/incidents/{incident_id}"
            out.append(card)
    return out


async def home_of(
    deps: SlackDeps, person_id: str | None, notice: str | None = None
) -> dict[str, Any]:
    """The Home view of ``person_id`` now (an explanation for None or an unknown person)."""
    home = await home_for(deps.read_unit(), person_id, deps.clock.now()) if person_id else None
    if home is None:
        return unknown_home(UNKNOWN_HOME)
    ids = [r.id for r in home.incidents]
    cards = await _cards(deps, ids[:CARDS_LOADED])
    blocks = home_blocks(
        home,
        cards,
        more_incidents=len(ids) - len(cards),
        dashboard=deps.base_url or None,
        notice=notice,
    )
    return home_view(blocks)


async def publish_home(
    deps: SlackDeps, user_id: str, person_id: str | None, notice: str | None = None
) -> None:
    """Publish the Home tab of Slack user ``user_id``; a failure is logged, never raised."""
    try:
        await deps.client.views_publish(
            user_id=user_id, view=await home_of(deps, person_id, notice)
        )
    except SlackApiError as exc:
        log.warning("views.publish for %s failed: %s", user_id, exc.response.get("error"))


async def _from_home(body: dict[str, Any]) -> bool:
    """A click on a Home tab view (not in a message)."""
    return (body.get("view") or {}).get("type") == "home"


def register_home(bolt: AsyncApp, deps: SlackDeps) -> None:
    """The Home tab and the clicks on its incident cards. Register before
    :func:`bot.handlers.slack.listeners.register`: Bolt runs the first listener that matches."""
    people = deps.people

    @bolt.event("app_home_opened")
    async def on_home(event: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home":
            return
        user = str(event.get("user", ""))
        await publish_home(deps, user, await people.person_of(user))

    async def on_home_click(ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        user = str((body.get("user") or {}).get("id", ""))
        person = await people.person_of(user)
        raw = action.get("value") or (action.get("selected_option") or {}).get("value") or ""
        try:
            incident_id, seconds = parse_value(str(raw))
        except ValueError:
            await publish_home(deps, user, person, "That button is not one of mine.")
            return
        if person is None:
            await publish_home(deps, user, None)
            return
        outcome = await incident_action(
            deps.new_unit(),
            incident_id,
            VERBS[Action(action["action_id"])],
            person,
            deps.clock.now(),
            snooze=timedelta(seconds=seconds) if seconds else None,
        )
        await publish_home(deps, user, person, outcome.text)

    for action_id in VERBS:
        bolt.action(action_id.value, matchers=[_from_home])(on_home_click)
