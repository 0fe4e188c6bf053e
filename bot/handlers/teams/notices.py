"""Hand-overs, coverage-gap warnings and swap messages delivered to Teams: the handlers of
:class:`bot.handlers.teams.destination.TeamsDestination` for the outbox kinds ``handover``,
``coverage_gap``, ``swap.requested`` and ``swap.decided``. The same recipients as Slack's
(:mod:`bot.handlers.slack.shifts`, :mod:`bot.handlers.slack.swap_messages`), with the cards
of :mod:`bot.handlers.teams.messages`:

- ``handover``: the team's ``teams_channel`` gets the channel card; the incoming person gets
  theirs in their personal chat (unless that shift has ended by delivery). Who is on call
  and which incidents are open is read at delivery (a late hand-over shows now). A hand-over more
  than a day old at delivery is not sent; one later than five minutes says so (``late``).
  Each part sent is remembered (``posted_messages``, subject ``handover/<key>/<part>``), so
  a retry after a failure never posts a part twice.
- ``coverage_gap``: one manager's personal chat.
- ``rest.granted``, ``rest.cover``, ``rest.refused`` (:mod:`core.rest.messages`): the
  recipient's personal chat, plain text.
- ``swap.requested``: the counterpart's personal chat gets the request card with Accept and
  Decline, remembered as ``swap/<id>/counterpart`` (a redelivery posts nothing; a decision
  that raced the post is shown by updating it at once).
- ``swap.decided``: by ``audience``: ``counterpart``: that card updated in place (how it
  ended); ``requester``: a message with the answer; ``channel``: the team channel hears of
  an accepted swap.

A person without a personal chat with the bot is @mentioned in the team channel instead; a
person Teams cannot reach at all fails the message (a part for the channel still goes out).
Connector errors propagate to the destination, which turns them into outcomes.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from bot.handlers.snapshot import brief_fields
from bot.handlers.teams.adaptive import attachment, escape
from bot.handlers.teams.messages import (
    gap_card,
    handover_card,
    swap_decided_text,
    swap_request_card,
)
from bot.handlers.teams.reach import PLATFORM, Place, Reach, after_post
from bot.handlers.teams.sender import ConnectorError, TeamsSender
from core.chat.posted import PostedMessage
from core.incidents.ports import ClaimedMessage
from core.oncall.notices import brief_to_announce
from core.ports import Clock, UnitOfWork
from core.rest.messages import KINDS as REST_KINDS
from core.rest.messages import rest_text
from scheduling.outbox import Delivered, Failed, Outcome

log = logging.getLogger("oncall.teams")
LATE = timedelta(minutes=5)  # a hand-over delivered later than this says it is late
Handler = Callable[[ClaimedMessage], Awaitable[Outcome]]


def _id(value: object) -> str | None:
    found = value.get("id") if isinstance(value, dict) else value
    return str(found) if found else None


def message_of(content: dict[str, Any] | str, place: Place | None = None) -> dict[str, Any]:
    """An activity of a card (JSON) or a text; with the place's @mention in front."""
    activity: dict[str, Any] = {"type": "message"}
    if isinstance(content, str):
        activity["text"] = escape(content)  # Teams reads message text as Markdown
    else:
        activity["attachments"] = [attachment(content)]
    if place is not None and place.mention is not None:
        label, entity = place.mention
        activity["text"] = f"{label} {activity.get('text', '')}".rstrip()
        activity["entities"] = [entity]
    return activity


class TeamsNotices:
    def __init__(
        self,
        sender: TeamsSender,
        reach: Reach,
        new_unit: Callable[[], UnitOfWork],
        read_unit: Callable[[], UnitOfWork],
        clock: Clock,
        base_url: str,
    ) -> None:
        self._sender = sender
        self._reach = reach
        self._new_unit = new_unit
        self._read_unit = read_unit
        self._clock = clock
        self._base_url = base_url.rstrip("/")

    def handlers(self) -> dict[str, Handler]:
        return {
            "handover": self.handover,
            "coverage_gap": self.coverage_gap,
            "swap.requested": self.swap_requested,
            "swap.decided": self.swap_decided,
            **dict.fromkeys(REST_KINDS, self.rest),
        }

    async def _posted(self, subject: str) -> PostedMessage | None:
        async with self._read_unit() as uow:
            return await uow.posted.get(PLATFORM, subject)

    async def _send(
        self, place: Place, activity: dict[str, Any], subject: str | None = None
    ) -> PostedMessage:
        activity_id = await self._sender.send(
            place.ref, activity, conversation_id=place.conversation_id
        )
        posted = PostedMessage(
            PLATFORM, subject or "", place.conversation_id, activity_id, self._clock.now()
        )
        if subject is not None:
            async with after_post(self._new_unit, subject) as uow:
                await uow.posted.add(posted)
        return posted

    async def _channel_of(self, payload: dict[str, Any]) -> str | None:
        channel = payload.get("teams_channel")
        if channel:
            return str(channel)
        return await self._reach.team_channel(payload.get("team")) if payload.get("team") else None

    async def handover(self, message: ClaimedMessage) -> Outcome:
        """Deliver one hand-over (see the module's docstring)."""
        payload, now = message.payload, self._clock.now()
        found = await brief_to_announce(self._read_unit(), payload, now)
        if found == "invalid":
            return Failed("a hand-over without its schedule or time")
        if found == "stale":
            log.info("hand-over %s not sent: more than a day old", message.key)
            return Delivered()
        at, brief = found
        shown = {**payload, **brief_fields(brief, self._base_url), "late": now - at > LATE}
        channel = await self._channel_of(payload)
        if channel:
            subject = f"handover/{message.key}/channel"
            if await self._posted(subject) is None:
                place = await self._reach.channel(channel)
                if place is None:
                    log.warning("hand-over %s: the bot is not in channel %s", message.key, channel)
                else:
                    await self._send(place, message_of(handover_card(shown, "channel")), subject)
        incoming = brief.incoming.id if brief.incoming is not None else None
        until = brief.incoming_until
        if incoming and not (until is not None and until <= now):
            subject = f"handover/{message.key}/incoming"
            if await self._posted(subject) is None:
                place = await self._reach.person(incoming, channel)
                if place is None:
                    log.info("hand-over %s: %s cannot be reached in Teams", message.key, incoming)
                else:
                    card = handover_card(shown, "incoming")
                    await self._send(place, message_of(card, place), subject)
        return Delivered()

    async def coverage_gap(self, message: ClaimedMessage) -> Outcome:
        """One manager hears of their team's coverage-gap changes."""
        manager = _id(message.payload.get("manager"))
        if not manager:
            return Delivered()
        place = await self._reach.person(manager, await self._channel_of(message.payload))
        if place is None:
            return Failed(f"manager {manager} cannot be reached in Teams")
        await self._send(place, message_of(gap_card(message.payload, self._clock.now()), place))
        return Delivered()

    async def rest(self, message: ClaimedMessage) -> Outcome:
        """Rest after night pages (``rest.*``, :mod:`core.rest.messages`): the recipient's
        personal chat (else the team channel with an @mention), plain text."""
        recipient = _id(message.payload.get("recipient"))
        if not recipient:
            return Delivered()
        place = await self._reach.person(recipient, await self._channel_of(message.payload))
        if place is None:
            return Failed(f"{recipient} cannot be reached in Teams")
        text = rest_text(message.kind, message.payload)
        await self._send(place, message_of(text, place))
        return Delivered()

    async def _swap_status(self, swap_id: object) -> str | None:
        async with self._read_unit() as uow:
            swap = await uow.schedules.swap(int(str(swap_id))) if str(swap_id).isdigit() else None
        return swap.status if swap is not None else None

    async def _update_request(self, posted: PostedMessage, payload: dict[str, Any]) -> None:
        """Show the request card as ``payload`` has it; a card gone meanwhile is left alone."""
        place = await self._reach.conversation(posted.channel)
        if place is None:
            return
        try:
            await self._sender.update(
                place.ref,
                posted.message_id,
                message_of(swap_request_card(payload)),
                conversation_id=posted.channel,
            )
        except ConnectorError as exc:
            if not exc.gone:
                raise

    async def swap_requested(self, message: ClaimedMessage) -> Outcome:
        payload = message.payload
        swap_id = payload.get("swap")
        subject = f"swap/{swap_id}/counterpart"
        counterpart = _id(payload.get("counterpart")) or "?"
        status = await self._swap_status(swap_id) or str(payload.get("status") or "pending")
        shown = {**payload, "status": status}
        posted = await self._posted(subject)
        if posted is not None:  # delivered before: show it as it stands, never post again
            if status != "pending":
                await self._update_request(posted, shown)
            return Delivered()
        place = await self._reach.person(counterpart, await self._channel_of(payload))
        if place is None:
            return Failed(f"person {counterpart} cannot be reached in Teams")
        posted = await self._send(place, message_of(swap_request_card(shown), place), subject)
        now_status = await self._swap_status(swap_id)
        if now_status is not None and now_status != status:  # decided while we posted
            await self._update_request(posted, {**payload, "status": now_status})
        return Delivered()

    async def swap_decided(self, message: ClaimedMessage) -> Outcome:
        payload = message.payload
        audience = payload.get("audience")
        if audience == "counterpart":
            posted = await self._posted(f"swap/{payload.get('swap')}/counterpart")
            if posted is not None:  # else the request, still to go out, shows the outcome
                await self._update_request(posted, payload)
            return Delivered()
        if audience == "requester":
            requester = _id(payload.get("requester")) or "?"
            place = await self._reach.person(requester, await self._channel_of(payload))
            if place is None:
                return Failed(f"person {requester} cannot be reached in Teams")
            await self._send(place, message_of(swap_decided_text(payload), place))
            return Delivered()
        if audience == "channel":
            channel = payload.get("teams_channel")
            place = await self._reach.channel(str(channel)) if channel else None
            if place is not None:
                await self._send(place, message_of(swap_decided_text(payload)))
            return Delivered()
        return Delivered()  # an audience Teams does not show
