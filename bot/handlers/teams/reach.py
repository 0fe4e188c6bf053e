"""Where a Teams message for a person or a channel goes: which stored reference, into which
conversation, and whether someone is @mentioned there; and the messages for such a place.

- A person: their Teams id (:func:`core.chat.identity.known_chat_id`: the configured
  ``teams:`` value, an AAD object id or a ``29:…`` user id, else one remembered from their
  Teams profile) and the bot's personal chat with them. With no personal chat, the team's
  channel, the person @mentioned (``<at>Name</at>`` and its entity), and the log says so.
  Nothing at all (no Teams id, or neither a personal chat nor a channel): None.
- A channel: its own reference when the bot keeps one (an inactive one means the bot was
  removed: None); else any active reference of the team whose General channel it is (in
  Teams the General channel's id is the team's id), else any channel reference at all, with
  the conversation id replaced by the channel's (same service URL and tenant: Teams answers
  403 if the bot is not in that channel, which fails the message).

Every lookup is one short read; nothing is asked of Teams.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.handlers.teams.adaptive import attachment, escape, mention
from bot.handlers.teams.cards import incident_card, incident_text
from bot.handlers.teams.pacing import conversation_key
from core.chat import identity
from core.chat.ports import ConversationRef
from core.config.model import Configuration
from core.ports import UnitOfWork

log = logging.getLogger("oncall.teams")
PLATFORM = "teams"


@dataclass(frozen=True)
class Place:
    """``conversation_id`` through ``ref``; ``kind`` ``"dm"`` (a personal chat) or
    ``"channel"``; ``mention`` (``<at>Name</at>``, its entity) when a person is @mentioned
    in a channel because the bot has no personal chat with them."""

    ref: ConversationRef
    conversation_id: str
    kind: str
    mention: tuple[str, dict[str, Any]] | None = None


def thread_of(channel_id: str, root_id: str) -> str:
    """The conversation id of the thread under ``root_id`` in a channel."""
    return f"{conversation_key(channel_id)};messageid={root_id}"


def card_activity(card: dict[str, Any], place: Place | None = None) -> dict[str, Any]:
    """The message carrying the card; in a channel for a person without a personal chat,
    the text above it @mentions them and says why they are paged there."""
    activity: dict[str, Any] = {
        "type": "message",
        "summary": incident_text(card),
        "attachments": [attachment(incident_card(card))],
    }
    if place is not None and place.mention is not None:
        text, entity = place.mention
        activity["text"] = (
            f"{text}, you are paged for this incident (tier {card.get('tier', '?')}). "
            "Open a chat with me to get pages there."
        )
        activity["entities"] = [entity]
    return activity


def text_activity(text: str, place: Place | None = None) -> dict[str, Any]:
    """A message of ``text`` shown literally (Teams reads message text as Markdown), the
    place's @mention in front when it has one."""
    text = escape(text)
    if place is not None and place.mention is not None:
        label, entity = place.mention
        return {"type": "message", "text": f"{label} {text}", "entities": [entity]}
    return {"type": "message", "text": text}


@asynccontextmanager
async def after_post(new_unit: Callable[[], UnitOfWork], what: str) -> AsyncIterator[UnitOfWork]:
    """A unit of work to record what Teams has just posted, committed on the way out. A
    failure (the database down, a value it refuses) is logged and swallowed, never raised:
    raising would retry the message and post it again. What went unrecorded is not updated
    later, and a redelivery of the message would post it again."""
    try:
        async with new_unit() as uow:
            yield uow
            await uow.commit()
    except Exception:
        log.exception("Teams: %s was posted but could not be recorded", what)


class Reach:
    def __init__(self, read_unit: Callable[[], UnitOfWork]) -> None:
        self._read_unit = read_unit

    async def teams_id(self, person_id: str) -> str | None:
        """The person's Teams id (AAD object id or ``29:…``); None when unknown."""
        async with self._read_unit() as uow:
            known = await identity.known_chat_id(uow, PLATFORM, person_id)
        return known.external_id if known is not None and known.external_id else None

    async def teams_ids(self, person_ids: list[str]) -> dict[str, str]:
        """Teams ids of those people who have one."""
        out: dict[str, str] = {}
        async with self._read_unit() as uow:
            for person_id in dict.fromkeys(person_ids):
                known = await identity.known_chat_id(uow, PLATFORM, person_id)
                if known is not None and known.external_id:
                    out[person_id] = known.external_id
        return out

    async def team_channel(self, team_id: object) -> str | None:
        """The configured ``teams_channel`` of a team; None for none or an unknown team."""
        async with self._read_unit() as uow:
            config = await uow.config.load() or Configuration()
        team = next((t for t in config.teams if t.id == team_id), None)
        return team.teams_channel if team is not None else None

    async def name(self, person_id: str) -> str:
        async with self._read_unit() as uow:
            config = await uow.config.load() or Configuration()
        person = config.person(person_id)
        return person.display_name if person is not None else person_id

    async def personal(self, teams_id: str) -> ConversationRef | None:
        """The bot's active personal chat with the user: a ``29:`` (or ``8:orgid:``) id is
        matched as a user id, anything else as an AAD object id."""
        async with self._read_unit() as uow:
            if teams_id.startswith("29:"):
                return await uow.conversations.personal(user_id=teams_id)
            aad = teams_id.removeprefix("8:orgid:")
            return await uow.conversations.personal(aad_object_id=aad)

    async def channel(self, channel_id: str) -> Place | None:
        """Where to post into ``channel_id`` (see the module's docstring); None: nowhere."""
        channel_id = conversation_key(channel_id)
        async with self._read_unit() as uow:
            own = await uow.conversations.get(channel_id)
            if own is not None:
                return Place(own, channel_id, "channel") if own.active else None
            borrowed = next(iter(await uow.conversations.in_team(channel_id)), None)
            if borrowed is None:
                borrowed = next(iter(await uow.conversations.channels()), None)
        return Place(borrowed, channel_id, "channel") if borrowed is not None else None

    async def conversation(self, conversation_id: str) -> Place | None:
        """Where an earlier post lives, to update it: its conversation's reference when the bot
        keeps one (None when it is inactive); else, for a channel (``19:…``), as
        :meth:`channel` finds one; else None."""
        async with self._read_unit() as uow:
            ref = await uow.conversations.get(conversation_key(conversation_id))
        if ref is not None:
            kind = "channel" if ref.kind == "channel" else "dm"
            return Place(ref, conversation_id, kind) if ref.active else None
        if conversation_id.startswith("19:"):
            return await self.channel(conversation_id)
        return None

    async def person(self, person_id: str, team_channel: str | None) -> Place | None:
        """The person's personal chat; else ``team_channel`` with them @mentioned; else None.
        A person with no Teams id cannot be mentioned either: None."""
        teams_id = await self.teams_id(person_id)
        if teams_id is None:
            return None
        ref = await self.personal(teams_id)
        if ref is not None:
            return Place(ref, ref.conversation_id, "dm")
        if not team_channel:
            return None
        place = await self.channel(team_channel)
        made = mention(teams_id, await self.name(person_id))
        if place is None or made is None:
            return None
        log.info(
            "person %s has no personal chat with the bot: mentioned in channel %s",
            person_id,
            place.conversation_id,
        )
        return Place(place.ref, place.conversation_id, "channel", made)

    async def deactivate(
        self, new_unit: Callable[[], UnitOfWork], conversation_id: str, now: datetime
    ) -> None:
        """Stop using the reference of a conversation Teams answered 403/404 for (a thread's
        id counts as its channel's; an unknown conversation changes nothing)."""
        async with new_unit() as uow:
            if await uow.conversations.deactivate(conversation_key(conversation_id), now):
                log.warning("Teams: conversation %s no longer used (403/404)", conversation_id)
            await uow.commit()
