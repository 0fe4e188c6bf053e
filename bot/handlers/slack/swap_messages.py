"""Swap messages in Slack, delivered by the outbox (kinds of :mod:`core.oncall.swap_messages`).

- ``swap.requested``: the counterpart gets a DM with the request and Accept / Decline; its
  channel and ts are remembered (``posted_messages``, subject ``swap/<id>/counterpart``), so a
  redelivery never posts it twice.
- ``swap.decided``, by its ``audience``: ``counterpart``: that DM is updated in place
  (``chat.update``: no buttons, how it ended and by whom); ``requester``: a DM with the
  answer; ``channel``: the team's ``slack_channel`` hears of an accepted swap.

The request DM shows the swap as the database has it when it goes out, and after its ts is
stored the status is read again: a decision that raced the post (its update found no DM yet)
is then shown by updating the DM here, so the DM never keeps live buttons for a decided swap.
A DM deleted meanwhile is forgotten, not retried. Slack errors become outcomes in the
destination (:func:`bot.handlers.slack.errors.outcome_of`). No transaction is open while Slack
is called.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.commands.replies import Reply
from bot.commands.swap_cards import channel_note, outcome_note, request_card
from bot.handlers.slack.errors import error_code
from bot.handlers.slack.pacing import Pacer
from bot.handlers.slack.render import reply_blocks, reply_text
from core.chat.posted import PostedMessage
from core.incidents.ports import ClaimedMessage
from core.ports import Clock, UnitOfWork
from scheduling.outbox import Delivered, Failed, Outcome

PLATFORM = "slack"
GONE = ("message_not_found", "cant_update_message", "channel_not_found")
Handler = Callable[[ClaimedMessage], Awaitable[Outcome]]


def subject_of(swap_id: object) -> str:
    """The ``posted_messages`` subject of a swap's request DM."""
    return f"swap/{swap_id}/counterpart"


class SwapMessages:
    """The destination's handlers for swap messages (:meth:`handlers`, by kind)."""

    def __init__(
        self,
        client: AsyncWebClient,
        new_unit: Callable[[], UnitOfWork],
        read_unit: Callable[[], UnitOfWork],
        clock: Clock,
        dm_of: Callable[[str], Awaitable[str | None]],
        pacer: Pacer,
    ) -> None:
        self._client = client
        self._new_unit = new_unit
        self._read_unit = read_unit
        self._clock = clock
        self._dm_of = dm_of
        self._pacer = pacer

    def handlers(self) -> dict[str, Handler]:
        return {"swap.requested": self.requested, "swap.decided": self.decided}

    async def _state(self, swap_id: object) -> tuple[str | None, PostedMessage | None]:
        """The swap's status now (None: no such swap) and its remembered request DM."""
        async with self._read_unit() as uow:
            swap = await uow.schedules.swap(int(str(swap_id))) if str(swap_id).isdigit() else None
            posted = await uow.posted.get(PLATFORM, subject_of(swap_id))
        return (swap.status if swap else None), posted

    async def _post(self, channel: str, reply: Reply) -> Any:
        async with self._pacer.post(channel):
            return await self._client.chat_postMessage(
                channel=channel,
                text=reply_text(reply),
                blocks=reply_blocks(reply),
                unfurl_links=False,
                unfurl_media=False,
            )

    async def _update(self, posted: PostedMessage, reply: Reply) -> None:
        """Update the request DM in place; a DM deleted meanwhile is left alone."""
        try:
            await self._client.chat_update(
                channel=posted.channel,
                ts=posted.message_id,
                text=reply_text(reply),
                blocks=reply_blocks(reply),
            )
        except SlackApiError as exc:
            if error_code(exc) not in GONE:
                raise

    async def requested(self, message: ClaimedMessage) -> Outcome:
        payload = message.payload
        counterpart = str((payload.get("counterpart") or {}).get("id"))
        status, posted = await self._state(payload.get("swap"))
        status = status or str(payload.get("status") or "pending")
        if posted is not None:  # delivered before: show it as it stands, never post again
            if status != "pending":
                await self._update(posted, request_card(payload, status))
            return Delivered()
        channel = await self._dm_of(counterpart)
        if channel is None:
            return Failed(f"person {counterpart} has no Slack id and no Slack user has their email")
        answer = await self._post(channel, request_card(payload, status))
        stored = PostedMessage(
            PLATFORM,
            subject_of(payload.get("swap")),
            str(answer["channel"]),
            str(answer["ts"]),
            self._clock.now(),
        )
        async with self._new_unit() as uow:
            await uow.posted.add(stored)
            await uow.commit()
        now_status, _ = await self._state(payload.get("swap"))
        if now_status is not None and now_status != status:  # decided while we posted
            await self._update(stored, request_card(payload, now_status))
        return Delivered()

    async def decided(self, message: ClaimedMessage) -> Outcome:
        payload = message.payload
        audience = payload.get("audience")
        status = str(payload.get("status") or "")
        if audience == "counterpart":
            _, posted = await self._state(payload.get("swap"))
            if posted is not None:  # else the request DM, still to go out, shows the outcome
                await self._update(posted, request_card(payload, status))
            return Delivered()
        if audience == "requester":
            requester = str((payload.get("requester") or {}).get("id"))
            channel = await self._dm_of(requester)
            if channel is None:
                return Failed(
                    f"person {requester} has no Slack id and no Slack user has their email"
                )
            await self._post(channel, outcome_note(payload))
            return Delivered()
        if audience == "channel":
            team_channel = payload.get("slack_channel")
            if team_channel:
                await self._post(str(team_channel), channel_note(payload))
            return Delivered()
        return Delivered()  # an audience Slack does not show
