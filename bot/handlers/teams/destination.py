"""The Teams outbox destination: pages in personal chats, cards in team channels, updates in
place. The Slack destination's twin (:mod:`bot.handlers.slack.destination`).

Per message kind (written by :mod:`core.incidents.effects`):
- ``page``: the paged person gets the incident card in their personal chat with the bot. No
  personal chat: the card goes to the team's ``teams_channel`` with the person @mentioned
  (:mod:`bot.handlers.teams.reach`); nowhere to reach them: Failed. Paged again later (a copy
  exists in that conversation): the copy is updated and a short "You are paged…" reply is
  posted (in a channel, in the card's thread, mentioning them).
- ``incident.triggered``: the team's ``teams_channel`` gets the card (when the severity
  notifies the channel: payload ``channel``).
- any other ``incident.*``: every Teams copy is updated (``update_activity``) to the incident
  as it is now, and the channel card's thread gets the timeline entry, as in Slack (once per
  message: remembered as ``event/<message key>``).
- ``handover``, ``coverage_gap``, ``swap.*``: :mod:`bot.handlers.teams.notices`.
- ``review.offer``: the review form in the responder's personal chat
  (:mod:`bot.handlers.teams.review`).
- anything else: Delivered, with a log line.

Cards are rendered from the database at delivery; a copy remembers the version it shows, so
queued updates of one incident cost one update per copy. Each copy posted is recorded in its
own short transaction right after Teams answers, together with the page that posted it
(``posted_messages`` subject ``page/<message key>``): a redelivered page finds both and posts
nothing. No transaction is open while Teams is called. 403/404 on a post: the conversation's
reference is no longer used and the message fails; 404 on an update: the copy is forgotten.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from bot.handlers.teams.adaptive import escape
from bot.handlers.teams.notices import TeamsNotices
from bot.handlers.teams.pacing import rate_key_of
from bot.handlers.teams.reach import (
    PLATFORM,
    Place,
    Reach,
    after_post,
    card_activity,
    text_activity,
    thread_of,
)
from bot.handlers.teams.review import ReviewOffers
from bot.handlers.teams.sender import SPACING, ConnectorError, TeamsSender, outcome_of
from core.chat.ports import CardCopy
from core.chat.posted import PostedMessage
from core.incidents.cards import EVENT_WORDS, current_card
from core.incidents.ports import ClaimedMessage
from core.ports import Clock, UnitOfWork
from scheduling.outbox import Delivered, Failed, Outcome

log = logging.getLogger("oncall.teams")


class TeamsDestination:
    """Implements :class:`scheduling.outbox.Destination` for Teams."""

    def __init__(
        self,
        sender: TeamsSender,
        new_unit: Callable[[], UnitOfWork],
        read_unit: Callable[[], UnitOfWork],
        clock: Clock,
        base_url: str,
        *,
        spacing: timedelta = SPACING,
    ) -> None:
        self._sender = sender
        self._new_unit = new_unit
        self._read_unit = read_unit
        self._clock = clock
        self._base_url = base_url.rstrip("/")
        self._spacing = spacing
        self._reach = Reach(read_unit)
        self._card_locks: dict[tuple[int, str], asyncio.Lock] = {}
        notices = TeamsNotices(sender, self._reach, new_unit, read_unit, clock, base_url)
        self._by_kind: dict[str, Callable[[ClaimedMessage], Awaitable[Outcome]]] = (
            notices.handlers()
        )
        self._reviews = ReviewOffers(sender, self._reach, new_unit, read_unit, clock)

    def rate_key(self, message: ClaimedMessage) -> tuple[str, timedelta] | None:
        """Posts into one conversation spaced by Teams' per-conversation limit
        (:func:`bot.handlers.teams.pacing.rate_key_of`)."""
        return rate_key_of(message, self._spacing)

    async def aclose(self) -> None:
        """Nothing is held open: each call's connector client is the adapter's."""

    async def deliver(self, message: ClaimedMessage) -> Outcome:
        try:
            if message.incident_id is None:
                handler = self._by_kind.get(message.kind)
                if handler is None:
                    log.info("not shown in Teams (yet): %s %s", message.kind, message.key)
                    return Delivered()
                return await handler(message)
            if message.kind == "review.offer":  # the review form (bot.handlers.teams.review)
                return await self._reviews.offer(message)
            card = await self._card(message.incident_id)
            if card is None:
                return Failed(f"no incident {message.incident_id}")
            if message.kind == "page":
                return await self._page(message, card)
            if message.kind == "incident.triggered":
                return await self._post_to_channel(message, card)
            if message.kind.startswith("incident."):
                return await self._update_copies(message, card)
            log.info("not shown in Teams: %s %s", message.kind, message.key)
            return Delivered()
        except ConnectorError as exc:
            if exc.gone and exc.operation == "send":
                await self._reach.deactivate(self._new_unit, exc.conversation_id, self._now())
            outcome = outcome_of(exc)
            log.warning("message %s: %s", message.key, getattr(outcome, "error", outcome))
            return outcome

    @asynccontextmanager
    async def _one_card(self, incident_id: int, conversation_id: str) -> AsyncIterator[None]:
        """One look-then-post of an incident's card in a conversation at a time (a page that
        falls back to the team channel and the channel's own card race otherwise: two cards,
        one never updated)."""
        key = (incident_id, conversation_id)
        lock = self._card_locks.setdefault(key, asyncio.Lock())
        try:
            async with lock:
                yield
        finally:
            if not lock.locked() and self._card_locks.get(key) is lock:
                del self._card_locks[key]

    def _now(self) -> Any:
        return self._clock.now()

    async def _card(self, incident_id: int) -> dict[str, Any] | None:
        """The card as of now, with the Teams ids of the people it names (for mentions)."""
        async with self._read_unit() as uow:
            card = await current_card(uow, incident_id, self._now())
        if card is None:
            return None
        card["teams_users"] = await self._reach.teams_ids(list(card.get("people") or {}))
        card["url"] = f"{self._base_url}/incidents/{incident_id}"
        return card

    async def _copies(self, incident_id: int) -> list[CardCopy]:
        async with self._read_unit() as uow:
            return await uow.cards.copies(incident_id, PLATFORM)

    async def _page(self, message: ClaimedMessage, card: dict[str, Any]) -> Outcome:
        payload = message.payload
        if "dm" not in (payload.get("notify") or ["dm"]):
            return Delivered()
        person_id = str(payload.get("person"))
        channel = payload.get("teams_channel") or await self._reach.team_channel(card.get("team"))
        place = await self._reach.person(person_id, channel)
        if place is None:
            return Failed(
                f"person {person_id} cannot be reached in Teams: no Teams id, or no personal "
                "chat with the bot and no team channel to mention them in"
            )
        async with self._one_card(card["id"], place.conversation_id):
            return await self._page_at(message, card, place, person_id)

    async def _page_at(
        self, message: ClaimedMessage, card: dict[str, Any], place: Place, person_id: str
    ) -> Outcome:
        subject = f"page/{message.key}"
        async with self._read_unit() as uow:
            done = await uow.posted.get(PLATFORM, subject)
            copies = await uow.cards.copies(card["id"], PLATFORM)
        existing = next((c for c in copies if c.channel == place.conversation_id), None)
        if existing is None:
            await self._post(card, place, person_id=person_id, subject=subject)
            return Delivered()
        await self._update(existing, card, force=done is None)
        if done is None:  # paged again: say so under the card (a redelivery says nothing)
            where = place.conversation_id
            if place.kind == "channel":
                where = thread_of(place.conversation_id, existing.message_id)
            text = f"You are paged for this incident (tier {card.get('tier')})."
            activity_id = await self._sender.send(
                place.ref, text_activity(text, place), conversation_id=where
            )
            await self._remember(subject, where, activity_id)
        return Delivered()

    async def _remember(self, subject: str, conversation_id: str, activity_id: str) -> None:
        async with after_post(self._new_unit, subject) as uow:
            posted = PostedMessage(PLATFORM, subject, conversation_id, activity_id, self._now())
            await uow.posted.add(posted)

    async def _post_to_channel(self, message: ClaimedMessage, card: dict[str, Any]) -> Outcome:
        channel = message.payload.get("teams_channel")
        if not channel or not message.payload.get("channel"):
            return Delivered()
        place = await self._reach.channel(str(channel))
        if place is None:
            return Failed(f"the bot is not in Teams channel {channel} (no reference to it)")
        async with self._one_card(card["id"], place.conversation_id):
            copies = await self._copies(card["id"])
            existing = next((c for c in copies if c.channel == place.conversation_id), None)
            if existing is not None:
                await self._update(existing, card)
                return Delivered()
            await self._post(card, place, person_id=None, subject=None)
        return Delivered()

    async def _post(
        self, card: dict[str, Any], place: Place, *, person_id: str | None, subject: str | None
    ) -> None:
        """Post the card and record the copy (and the page that posted it) at once."""
        activity_id = await self._sender.send(
            place.ref, card_activity(card, place), conversation_id=place.conversation_id
        )
        now = self._now()
        async with after_post(self._new_unit, f"card of incident {card['id']}") as uow:
            if activity_id:  # no id (never seen from Teams): nothing to update later
                await uow.cards.add(
                    incident_id=card["id"],
                    platform=PLATFORM,
                    channel=place.conversation_id,
                    message_id=activity_id,
                    kind=place.kind,
                    person_id=person_id,
                    rendered_event=int(card.get("version", 0)),
                    now=now,
                )
            if subject is not None:
                posted = PostedMessage(PLATFORM, subject, place.conversation_id, activity_id, now)
                await uow.posted.add(posted)

    async def _update(self, copy: CardCopy, card: dict[str, Any], *, force: bool = False) -> bool:
        """Update one copy to ``card``; False when it shows this version already, when its
        conversation is no longer known, or when Teams says it is gone (404: forgotten; 403:
        the bot left the conversation, whose reference is no longer used either)."""
        version = int(card.get("version", 0))
        if copy.rendered_event >= version and not force:
            return False
        place = await self._reach.conversation(copy.channel)
        if place is None:
            log.info("copy %s in %s not updated: no reference to it", copy.id, copy.channel)
            return False
        try:
            await self._sender.update(
                place.ref, copy.message_id, card_activity(card), conversation_id=copy.channel
            )
        except ConnectorError as exc:
            if not exc.gone:
                raise
            if exc.status == 403:
                await self._reach.deactivate(self._new_unit, copy.channel, self._now())
            async with self._new_unit() as uow:
                await uow.cards.drop(copy.id)
                await uow.commit()
            log.info("copy %s in %s gone (http %s): forgotten", copy.id, copy.channel, exc.status)
            return False
        async with self._new_unit() as uow:
            await uow.cards.rendered(copy.id, version, self._now())
            await uow.commit()
        return True

    async def _update_copies(self, message: ClaimedMessage, card: dict[str, Any]) -> Outcome:
        copies = await self._copies(card["id"])
        for copy in copies:
            await self._update(copy, card)
        word = EVENT_WORDS.get(message.kind)
        channel_copy = next((c for c in copies if c.kind == "channel"), None)
        subject = f"event/{message.key}"
        if word and channel_copy is not None:
            async with self._read_unit() as uow:
                done = await uow.posted.get(PLATFORM, subject)
            place = await self._reach.channel(channel_copy.channel)
            if place is not None and done is None:  # a redelivery says it once
                actor = message.payload.get("actor")
                by = f" by {card.get('people', {}).get(actor, actor)}" if actor else ""
                thread = thread_of(channel_copy.channel, channel_copy.message_id)
                text = escape(f"{word}{by}.")
                activity_id = await self._sender.send(
                    place.ref, text_activity(text), conversation_id=thread
                )
                await self._remember(subject, thread, activity_id)
        return Delivered()
