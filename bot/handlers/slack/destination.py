"""The Slack outbox destination: pages as DMs, cards in team channels, updates in place.

Per message kind (written by :mod:`core.incidents.effects`):
- ``page``: the paged person gets a DM with the incident card (their Slack id from the
  configuration, else found by email and remembered). Paged again later: a thread reply on
  the same DM card, which is updated, never posted twice.
- ``incident.triggered``: the team's ``slack_channel`` gets the card (when the severity
  notifies the channel).
- any other ``incident.*``: every copy of the card is updated with ``chat.update`` to the
  incident as it is now, and the channel card's thread gets the timeline entry.
- ``review.offer``: the responder's DM offers the review form (:mod:`bot.handlers.slack.review`).
- ``rest.granted``, ``rest.cover``, ``rest.refused`` (:mod:`core.rest.messages`): a DM to
  the payload's ``recipient``.

Cards are rendered from the database at delivery (:func:`core.incidents.cards.current_card`);
a copy remembers the version it shows, so updates that queued up for one incident cost one
``chat.update`` per copy and the rest are no-ops. Every copy posted is recorded
``(incident, channel, ts)`` in its own short transaction right after Slack answers, and a
redelivered message finds it and updates instead of posting again. A post Slack accepted whose
answer was lost (the process killed before recording it) is found on the retry by the outbox
key in its message metadata (:mod:`bot.handlers.slack.redelivery`), not posted twice. No
transaction is open while Slack is called.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.handlers.slack.cards import incident_blocks, incident_text
from bot.handlers.slack.digests import SlackDigests
from bot.handlers.slack.errors import error_code, outcome_of
from bot.handlers.slack.mrkdwn import escape
from bot.handlers.slack.pacing import Pacer
from bot.handlers.slack.redelivery import find_posted, is_retry, metadata
from bot.handlers.slack.review import ReviewOffers
from bot.handlers.slack.shifts import ShiftMessages
from bot.handlers.slack.swap_messages import SwapMessages
from core.chat import identity
from core.chat.ports import CardCopy
from core.incidents.cards import EVENT_WORDS, current_card
from core.incidents.ports import ClaimedMessage
from core.ports import Clock, UnitOfWork
from core.rest.messages import KINDS as REST_KINDS
from core.rest.messages import rest_text
from scheduling.outbox import Delivered, Failed, Outcome

log = logging.getLogger("oncall.slack")
PLATFORM = "slack"
POST_SPACING = timedelta(seconds=1)  # Slack: about one message a second per channel


class SlackDestination:
    """Implements :class:`scheduling.outbox.Destination` for Slack."""

    def __init__(
        self,
        client: AsyncWebClient,
        new_unit: Callable[[], UnitOfWork],
        read_unit: Callable[[], UnitOfWork],
        clock: Clock,
        base_url: str,
        *,
        post_spacing: timedelta = POST_SPACING,
    ) -> None:
        self._spacing = post_spacing
        self._pacer = Pacer(post_spacing.total_seconds())
        self._client = client
        self._new_unit = new_unit
        self._read_unit = read_unit
        self._clock = clock
        self._base_url = base_url.rstrip("/")
        self._dm_channels: dict[str, str] = {}
        self._digests = SlackDigests(
            client, new_unit, read_unit, clock, base_url, self._dm_of, self._pacer
        )
        self._shifts = ShiftMessages(
            client,
            read_unit,
            clock,
            base_url,
            dm_of=self._dm_of,
            slack_user=self._slack_user,
            pacer=self._pacer,
            spacing=post_spacing,
        )
        # Messages that are not about one incident, by kind: each a coroutine that delivers
        # the message and returns its outcome (Slack errors are turned into outcomes here).
        self._by_kind: dict[str, Callable[[ClaimedMessage], Awaitable[Outcome]]] = {
            "handover": self._shifts.handover,  # shifts (bot.handlers.slack.shifts)
            "coverage_gap": self._shifts.coverage_gap,
            **SwapMessages(
                client, new_unit, read_unit, clock, self._dm_of, self._pacer
            ).handlers(),  # swaps: "swap.requested", "swap.decided"
            **dict.fromkeys(REST_KINDS, self._rest),  # rest after night pages: a DM
        }
        self._reviews = ReviewOffers(client, new_unit, read_unit, clock, self._dm_of, self._pacer)

    def rate_key(self, message: ClaimedMessage) -> tuple[str, timedelta] | None:
        """Posts into one channel (or one person's DM) at most one a second."""
        payload = message.payload
        if message.kind == "page":
            return f"slack:person:{payload.get('person')}", self._spacing
        if message.kind in ("handover", "coverage_gap"):
            return self._shifts.rate_key(message)
        if message.kind in REST_KINDS:
            return f"slack:person:{_recipient(payload)}", self._spacing
        channel = payload.get("slack_channel")
        if channel and payload.get("channel"):
            return f"slack:channel:{channel}", self._spacing
        return None

    def digest_key(self, message: ClaimedMessage) -> str | None:
        """New incidents of a channel, and pages of one person, may go out as a digest."""
        if message.kind == "page" and "dm" in (message.payload.get("notify") or ["dm"]):
            return f"person:{message.payload.get('person')}"
        if message.kind == "incident.triggered" and message.payload.get("channel"):
            channel = message.payload.get("slack_channel")
            return f"channel:{channel}" if channel else None
        return None

    async def deliver_digest(self, messages: list[ClaimedMessage]) -> dict[int, Outcome]:
        """See :mod:`bot.handlers.slack.digests`."""
        self._keep_alive()
        try:
            return await self._digests.deliver(messages)
        except SlackApiError as exc:
            outcome = outcome_of(exc, "digest")
            log.warning("digest of %d message(s): %s", len(messages), outcome)
            return {m.id: outcome for m in messages}

    async def _rest(self, message: ClaimedMessage) -> Outcome:
        """Rest after night pages (``rest.*``, :mod:`core.rest.messages`): one DM to its
        recipient, plain text escaped."""
        recipient = _recipient(message.payload)
        if not recipient:
            return Delivered()
        channel = await self._dm_of(recipient)
        if channel is None:
            return Failed(f"{recipient} has no Slack id and no Slack user has their email")
        text = escape(rest_text(message.kind, message.payload))
        async with self._pacer.post(channel):
            await self._client.chat_postMessage(
                channel=channel, text=text, unfurl_links=False, unfurl_media=False
            )
        return Delivered()

    async def _dm_of(self, person_id: str) -> str | None:
        """The DM channel with the person (opened once); None: no Slack user for them."""
        user_id = await self._slack_user(person_id)
        if user_id is None:
            return None
        channel = self._dm_channels.get(user_id)
        if channel is None:
            opened = await self._client.conversations_open(users=user_id)
            channel = self._dm_channels[user_id] = str(opened["channel"]["id"])
        return channel

    def _keep_alive(self) -> None:
        """One HTTP session for every Web API call, so connections are kept alive (slack_sdk
        opens and closes one per call otherwise: a TCP and TLS handshake each time)."""
        if self._client.session is None or self._client.session.closed:
            self._client.session = aiohttp.ClientSession()

    async def aclose(self) -> None:
        """Close the HTTP session the Web API calls share."""
        session, self._client.session = self._client.session, None
        if session is not None:
            await session.close()

    async def deliver(self, message: ClaimedMessage) -> Outcome:
        self._keep_alive()
        if message.incident_id is None:
            handler = self._by_kind.get(message.kind)
            if handler is None:
                log.info("not shown in Slack (yet): %s %s", message.kind, message.key)
                return Delivered()
            try:
                return await handler(message)
            except SlackApiError as exc:
                outcome = outcome_of(exc, message.kind)
                log.warning("message %s: %s", message.key, getattr(outcome, "error", outcome))
                return outcome
        method = "?"
        try:
            if message.kind == "review.offer":  # a DM of its own, not the incident's card
                method = "review offer"
                return await self._reviews.offer(message)
            card = await self._card(message.incident_id)
            if card is None:
                return Failed(f"no incident {message.incident_id}")
            if message.kind == "page":
                method = "page"
                return await self._page(message, card)
            if message.kind == "incident.triggered":
                method = "chat.postMessage"
                return await self._post_to_channel(message, card)
            if message.kind.startswith("incident."):
                method = "chat.update"
                return await self._update_copies(message, card)
            return Delivered()  # not a kind Slack shows
        except SlackApiError as exc:
            outcome = outcome_of(exc, method)
            log.warning("message %s: %s", message.key, getattr(outcome, "error", outcome))
            return outcome

    async def _card(self, incident_id: int) -> dict[str, Any] | None:
        """The card as of now, with Slack ids of the people it names (for mentions)."""
        now = self._clock.now()
        async with self._read_unit() as uow:
            card = await current_card(uow, incident_id, now)
            if card is None:
                return None
            slack_users: dict[str, str] = {}
            for person_id in card.get("people", {}):
                known = await identity.known_chat_id(uow, PLATFORM, person_id)
                if known is not None and known.external_id:
                    slack_users[person_id] = known.external_id
        card["slack_users"] = slack_users
        card["url"] = f"{self._base_url}/incidents/{incident_id}"
        return card

    async def _copies(self, incident_id: int) -> list[CardCopy]:
        async with self._read_unit() as uow:
            return await uow.cards.copies(incident_id, PLATFORM)

    async def _slack_user(self, person_id: str) -> str | None:
        """The person's Slack id; looked up by email once and remembered."""
        async with self._read_unit() as uow:
            known = await identity.known_chat_id(uow, PLATFORM, person_id)
        if known is None:
            return None
        if known.external_id:
            return known.external_id
        if not known.email:
            return None
        try:
            found = await self._client.users_lookupByEmail(email=known.email)
        except SlackApiError as exc:
            if error_code(exc) == "users_not_found":
                return None
            raise
        user_id = str(found["user"]["id"])
        async with self._new_unit() as uow:
            await identity.remember(uow, PLATFORM, person_id, user_id, known.email, self._now())
            await uow.commit()
        return user_id

    def _now(self) -> datetime:
        return self._clock.now()

    async def _page(self, message: ClaimedMessage, card: dict[str, Any]) -> Outcome:
        payload = message.payload
        if "dm" not in (payload.get("notify") or ["dm"]):
            return Delivered()
        person_id = str(payload.get("person"))
        channel = await self._dm_of(person_id)
        if channel is None:
            return Failed(f"person {person_id} has no Slack id and no Slack user has their email")
        existing = next((c for c in await self._copies(card["id"]) if c.channel == channel), None)
        if existing is not None and existing.kind == "digest":
            # Shown as a line of a storm digest: a page again comes as a card of its own, never
            # as a reply under a digest of many incidents. The card takes over the copy (the
            # digest keeps its line as it is, and drops it when it is next re-rendered).
            async with self._new_unit() as uow:
                await uow.cards.drop(existing.id)
                await uow.commit()
            existing = None
        if existing is not None:  # paged again, or this very page delivered twice
            if is_retry(message) and await find_posted(
                self._client, message, channel, thread_ts=existing.message_id
            ):
                return Delivered()  # posted (the card or its reply) before the answer was lost
            await self._update(existing, card, force=True)
            tier = card.get("tier")
            async with self._pacer.post(channel):
                await self._client.chat_postMessage(
                    channel=channel,
                    thread_ts=existing.message_id,
                    text=f"You are paged for this incident (tier {tier}).",
                    metadata=metadata(message),
                )
            return Delivered()
        await self._post(message, card, channel, kind="dm", person_id=person_id)
        return Delivered()

    async def _post_to_channel(self, message: ClaimedMessage, card: dict[str, Any]) -> Outcome:
        channel = message.payload.get("slack_channel")
        if not channel or not message.payload.get("channel"):
            return Delivered()
        existing = next((c for c in await self._copies(card["id"]) if c.channel == channel), None)
        if existing is not None:
            await self._update(existing, card)
            return Delivered()
        await self._post(message, card, str(channel), kind="channel", person_id=None)
        return Delivered()

    async def _post(
        self,
        message: ClaimedMessage,
        card: dict[str, Any],
        channel: str,
        *,
        kind: str,
        person_id: str | None,
    ) -> None:
        """Post the card and record the copy; on a retry, a card this message posted before
        (found by its metadata, :mod:`bot.handlers.slack.redelivery`) is recorded instead."""
        ts = await find_posted(self._client, message, channel) if is_retry(message) else None
        rendered = int(card.get("version", 0))
        if ts is None:
            async with self._pacer.post(channel):
                answer = await self._client.chat_postMessage(
                    channel=channel,
                    text=incident_text(card),
                    blocks=incident_blocks(card),
                    unfurl_links=False,
                    unfurl_media=False,
                    metadata=metadata(message),
                )
            channel, ts = str(answer["channel"]), str(answer["ts"])
        else:
            rendered = 0  # it shows the card as it was then: the next change updates it
        async with self._new_unit() as uow:
            await uow.cards.add(
                incident_id=card["id"],
                platform=PLATFORM,
                channel=channel,
                message_id=ts,
                kind=kind,
                person_id=person_id,
                rendered_event=rendered,
                now=self._now(),
            )
            await uow.commit()

    async def _update(self, copy: CardCopy, card: dict[str, Any], *, force: bool = False) -> bool:
        """Update one copy to ``card``; False when it shows this version already."""
        version = int(card.get("version", 0))
        if copy.rendered_event >= version and not force:
            return False
        if copy.kind == "digest":
            await self._digests.refresh(copy, version)
            return True
        try:
            await self._client.chat_update(
                channel=copy.channel,
                ts=copy.message_id,
                text=incident_text(card),
                blocks=incident_blocks(card),
            )
        except SlackApiError as exc:
            if (exc.response.data or {}).get("error") in (
                "message_not_found",
                "cant_update_message",
            ):
                async with self._new_unit() as uow:  # deleted by someone: stop updating it
                    await uow.cards.drop(copy.id)
                    await uow.commit()
                return False
            raise
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
        if word and channel_copy is not None:
            actor = message.payload.get("actor")
            by = f" by {card.get('people', {}).get(actor, actor)}" if actor else ""
            async with self._pacer.post(channel_copy.channel):
                await self._client.chat_postMessage(
                    channel=channel_copy.channel,
                    thread_ts=channel_copy.message_id,
                    text=escape(f"{word}{by}."),
                )
        return Delivered()


def _recipient(payload: dict[str, Any]) -> str | None:
    """The id of a rest message's recipient (None when the payload has none)."""
    recipient = payload.get("recipient")
    found = recipient.get("id") if isinstance(recipient, dict) else None
    return str(found) if found else None
