"""The post-incident review in Slack: the offer DM (an outbox destination handler), the
"Write a review" button that opens the modal, and the modal's submission.

- ``review.offer`` (written on resolve by :func:`core.reviews.service.offer_review`): the
  responder gets a DM with the button. It is remembered (``posted_messages`` subject
  ``review/<incident>/offer``), so a redelivery posts nothing; no Slack user for them: Failed.
- The button (:attr:`~bot.commands.actions.Action.OPEN_REVIEW`, value: the incident id) opens
  the modal (prefilled with the earlier review, if any); an unknown user or a forged value
  gets a modal that says so.
- The submission goes to :func:`core.reviews.service.submit_review`: bad fields are shown under
  each field, a refusal (not resolved, not allowed) under the summary, nothing stored; on
  success the modal turns into a confirmation.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.commands.actions import Action, View, parse_value
from bot.handlers.slack.deps import SlackDeps
from bot.handlers.slack.modal_views import errors_for, notice_view, submitted
from bot.handlers.slack.pacing import Pacer
from bot.handlers.slack.review_views import (
    incident_of,
    offer_blocks,
    offer_text,
    review_view,
    saved_text,
)
from core.chat.posted import PostedMessage
from core.incidents.ports import ClaimedMessage
from core.ports import Clock, UnitOfWork
from core.reviews import form
from core.reviews.form import ReviewInvalid
from core.reviews.service import ReviewRefused, offer_subject, submit_review
from scheduling.outbox import Delivered, Failed, Outcome

log = logging.getLogger("oncall.slack")
PLATFORM = "slack"
UNKNOWN = (
    "I don't know who you are in the on-call configuration: ask a manager to add your Slack "
    "id (`slack:`) or your Slack email to your person entry. Nothing was stored."
)
NOT_MINE = "That button is not one of mine."


class ReviewOffers:
    """The Slack destination's handler of ``review.offer`` messages."""

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

    async def offer(self, message: ClaimedMessage) -> Outcome:
        incident = message.payload.get("incident") or {}
        person = str(message.payload.get("person"))
        subject = offer_subject(message.incident_id)
        async with self._read_unit() as uow:
            if await uow.posted.get(PLATFORM, subject) is not None:
                return Delivered()  # delivered before: never twice
        channel = await self._dm_of(person)
        if channel is None:
            return Failed(f"person {person} has no Slack id and no Slack user has their email")
        async with self._pacer.post(channel):
            answer = await self._client.chat_postMessage(
                channel=channel,
                text=offer_text(incident),
                blocks=offer_blocks(incident),
                unfurl_links=False,
                unfurl_media=False,
            )
        posted = PostedMessage(
            PLATFORM, subject, str(answer["channel"]), str(answer["ts"]), self._clock.now()
        )
        async with self._new_unit() as uow:
            await uow.posted.add(posted)
            await uow.commit()
        return Delivered()


def register_reviews(bolt: AsyncApp, deps: SlackDeps) -> None:
    """The "Write a review" button and the review modal's submission."""

    async def show(trigger_id: str, view: dict[str, Any]) -> None:
        try:
            await deps.client.views_open(trigger_id=trigger_id, view=view)
        except SlackApiError as exc:
            log.warning("views.open (review) failed: %s", exc.response.get("error"))

    @bolt.action(Action.OPEN_REVIEW.value)
    async def on_open(ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        trigger = str(body.get("trigger_id") or "")
        try:
            incident_id, extra = parse_value(str(action.get("value") or ""))
        except ValueError:
            incident_id, extra = 0, 1
        user = str((body.get("user") or {}).get("id", ""))
        person = await deps.people.person_of(user)
        if person is None:
            await show(trigger, notice_view("Incident review", UNKNOWN))
            return
        async with deps.read_unit() as uow:
            record = await uow.incidents.get(incident_id) if not extra else None
            earlier = await uow.reviews.get(incident_id) if record is not None else None
        if record is None:
            await show(trigger, notice_view("Incident review", NOT_MINE))
            return
        await show(trigger, review_view(incident_id, record.title, earlier))

    @bolt.view(View.REVIEW.value)
    async def on_submit(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        user = str((body.get("user") or {}).get("id", ""))
        person = await deps.people.person_of(user)
        incident_id = incident_of(view.get("private_metadata"))
        refusal = UNKNOWN if person is None else (NOT_MINE if incident_id is None else None)
        if refusal is not None or person is None or incident_id is None:
            await ack(response_action="errors", errors=errors_for(view, {form.SUMMARY: refusal}))
            return
        try:
            outcome = await submit_review(
                deps.new_unit(), incident_id, person, submitted(view), deps.clock.now()
            )
        except ReviewInvalid as exc:
            await ack(response_action="errors", errors=errors_for(view, exc.errors))
            return
        except ReviewRefused as exc:
            await ack(response_action="errors", errors=errors_for(view, {form.SUMMARY: str(exc)}))
            return
        text = saved_text(incident_id, outcome.replaced)
        await ack(response_action="update", view=notice_view("Review saved", text))
