"""The post-incident review in Teams: the offer card (an outbox destination handler) and its
submission (an ``Action.Execute`` the activity handler passes here).

- ``review.offer`` (written on resolve by :func:`core.reviews.service.offer_review`): the
  responder's personal chat with the bot gets the form card. Only there: a form in a team
  channel would be open to everyone in it. No personal chat (or no Teams id): Failed, saying
  so. The card posted is remembered (``posted_messages`` subject ``review/<incident>/offer``),
  so a redelivery posts nothing.
- The submission (verb :attr:`~bot.commands.actions.Action.SUBMIT_REVIEW`, ``data``: the
  incident id and the inputs) goes to :func:`core.reviews.service.submit_review`. The invoke
  is answered with the card that replaces the form: "Review saved", or the form again with
  what was typed and the errors (nothing stored). A forged incident id gets a short message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from bot.handlers.teams.adaptive import attachment
from bot.handlers.teams.reach import PLATFORM, Reach, after_post
from bot.handlers.teams.review_card import offer_summary, review_card, saved_card
from bot.handlers.teams.sender import TeamsSender
from core.chat.posted import PostedMessage
from core.incidents.ports import ClaimedMessage
from core.ports import Clock, UnitOfWork
from core.reviews import form
from core.reviews.form import ReviewInvalid
from core.reviews.service import ReviewRefused, offer_subject, submit_review
from scheduling.outbox import Delivered, Failed, Outcome

log = logging.getLogger("oncall.teams")
UNKNOWN = (
    "I don't know who you are in the on-call configuration: ask a manager to add your Teams "
    "id or your email to your person entry. Nothing was stored."
)
NOT_MINE = "That card is not one of mine."


class ReviewOffers:
    """The Teams destination's handler of ``review.offer`` messages."""

    def __init__(
        self,
        sender: TeamsSender,
        reach: Reach,
        new_unit: Callable[[], UnitOfWork],
        read_unit: Callable[[], UnitOfWork],
        clock: Clock,
    ) -> None:
        self._sender = sender
        self._reach = reach
        self._new_unit = new_unit
        self._read_unit = read_unit
        self._clock = clock

    async def offer(self, message: ClaimedMessage) -> Outcome:
        """Post the form to the responder's personal chat (ConnectorError propagates)."""
        incident = message.payload.get("incident") or {}
        person = str(message.payload.get("person"))
        subject = offer_subject(message.incident_id)
        async with self._read_unit() as uow:
            if await uow.posted.get(PLATFORM, subject) is not None:
                return Delivered()
        place = await self._reach.person(person, None)
        if place is None or place.kind != "dm":
            return Failed(
                f"person {person} has no personal chat with the bot in Teams: the review form "
                "is offered only there"
            )
        activity = {
            "type": "message",
            "summary": offer_summary(incident),
            "attachments": [attachment(review_card(incident))],
        }
        activity_id = await self._sender.send(
            place.ref, activity, conversation_id=place.conversation_id
        )
        async with after_post(self._new_unit, subject) as uow:
            posted = PostedMessage(
                PLATFORM, subject, place.conversation_id, activity_id, self._clock.now()
            )
            await uow.posted.add(posted)
        return Delivered()


async def submit_from_card(
    new_unit: Callable[[], UnitOfWork],
    read_unit: Callable[[], UnitOfWork],
    clock: Clock,
    person: str | None,
    data: Mapping[str, Any],
) -> dict[str, Any] | str:
    """The card that answers a review submission, or a message for a forged one."""
    incident_id = data.get("incident")
    if isinstance(incident_id, bool) or not isinstance(incident_id, int) or incident_id <= 0:
        return NOT_MINE
    async with read_unit() as uow:
        record = await uow.incidents.get(incident_id)
    if record is None:
        return NOT_MINE
    incident = {"id": record.id, "title": record.title, "service": record.service_id}
    values = {key: data.get(key) for key in form.FIELDS}
    if person is None:
        return review_card(incident, values=values, problem=UNKNOWN)
    try:
        outcome = await submit_review(new_unit(), incident_id, person, values, clock.now())
    except ReviewInvalid as exc:
        return review_card(incident, values=values, errors=exc.errors, problem="Not saved yet.")
    except ReviewRefused as exc:
        return review_card(incident, values=values, problem=str(exc))
    return saved_card(incident, person, outcome.replaced)
