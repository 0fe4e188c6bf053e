"""The post-incident review in Slack, over real HTTP against the fake Slack, on both databases.

Ann (U0ANN) is paged for an api incident at T0 and resolves it from the card; the worker
then DMs her the review offer with its "Write a review" button, which opens the modal;
bad fields are answered under them with nothing stored; a good submission is stored, sent to
the ticket as a "review" message and confirmed in the modal; bob's second one replaces it.
"""

from __future__ import annotations

import json
import time
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.commands.actions import Action
from storage.incident_tables import OutboxRow
from storage.uow import SqlUnitOfWork, session_factory
from tests.integration.slack_harness import Bot, alert, blocks_json, slack_bot
from tests.integration.test_slack_modals import _opened, errors, submit
from tests.slack_requests import block_actions_body


async def resolved_and_offered(bot: Bot) -> int:
    incident = await bot.ingest(alert())
    await bot.deliver()
    told = await bot.click(Action.RESOLVE.value, str(incident), "U0ANN")
    assert "resolved" in told["text"].lower()
    await bot.deliver()
    return incident


def offers(bot: Bot) -> list[Any]:
    return [c for c in bot.slack.calls("chat.postMessage") if "open.review" in blocks_json(c)]


async def open_review(bot: Bot, value: str, user: str) -> dict[str, Any]:
    before = len(bot.slack.calls("views.open"))
    body = block_actions_body(
        Action.OPEN_REVIEW.value,
        value,
        user,
        channel_id=bot.slack.dm_channel(user),
        message_ts="1.0",
        response_url=bot.slack.response_url(f"review-{time.monotonic_ns()}"),
    )
    assert (await bot.post(body)).status == 200
    return await _opened(bot, before)


async def review_rows(engine: AsyncEngine, incident: int) -> tuple[Any, list[Any]]:
    async with SqlUnitOfWork(session_factory(engine), write=False) as uow:
        review = await uow.reviews.get(incident)
    async with engine.connect() as conn:
        tickets = (await conn.execute(select(OutboxRow).where(OutboxRow.kind == "review"))).all()
    return review, list(tickets)


async def test_the_responder_is_offered_the_review_and_it_is_stored(engine: AsyncEngine) -> None:
    async with slack_bot(engine) as bot:
        incident = await resolved_and_offered(bot)
        (offer,) = offers(bot)
        assert offer.params["channel"] == bot.slack.dm_channel("U0ANN")
        assert f"Incident #{incident} is resolved" in offer.params["text"]
        button = next(
            e
            for b in json.loads(blocks_json(offer))
            if b["type"] == "actions"
            for e in b["elements"]
        )
        assert (button["action_id"], button["value"]) == ("open.review", str(incident))
        await bot.deliver()  # nothing new: the offer is never posted twice
        assert len(offers(bot)) == 1

        view = await open_review(bot, str(incident), "U0ANN")
        assert view["callback_id"] == "view.review"
        assert json.loads(view["private_metadata"]) == {"incident": incident}
        ids = [b.get("block_id") for b in view["blocks"] if b["type"] == "input"]
        assert ids == ["summary", "cause", "follow_ups"]

        bad = await submit(bot, view, "U0ANN", summary="   ", cause="x")
        assert set(errors(bad)) == {"summary"}
        assert await review_rows(engine, incident) == (None, [])

        answer = await submit(
            bot, view, "U0ANN", summary="Errors after deploy", follow_ups="- roll back faster"
        )
        assert answer["response_action"] == "update"
        assert "Review saved" in json.dumps(answer["view"])
        review, tickets = await review_rows(engine, incident)
        assert (review.summary, review.follow_ups, review.author) == (
            "Errors after deploy",
            ("roll back faster",),
            "ann",
        )
        (ticket,) = tickets
        assert ticket.destination == "ticket" and ticket.incident_id == incident
        assert ticket.payload["review"]["summary"] == "Errors after deploy"

        again = await open_review(bot, str(incident), "U0BOB")  # prefilled with ann's
        fields = {b["block_id"]: b for b in again["blocks"] if b["type"] == "input"}
        assert fields["summary"]["element"]["initial_value"] == "Errors after deploy"
        replaced = await submit(bot, again, "U0BOB", summary="Bad deploy of api")
        assert "in place of the earlier one" in json.dumps(replaced["view"])
        review, tickets = await review_rows(engine, incident)
        assert (review.summary, review.author, review.revision) == ("Bad deploy of api", "bob", 2)
        assert len(tickets) == 2


async def test_refusals_are_shown_in_the_modal_and_store_nothing(engine: AsyncEngine) -> None:
    async with slack_bot(engine) as bot:
        incident = await bot.ingest(alert())  # still open
        view = await open_review(bot, str(incident), "U0ANN")
        not_yet = await submit(bot, view, "U0ANN", summary="too early")
        assert "not resolved yet" in errors(not_yet)["summary"]
        stranger = await submit(bot, view, "U0NOBODY", summary="who am I")
        assert "don't know who you are" in errors(stranger)["summary"]
        forged = dict(view, private_metadata='{"incident": "1; drop"}')
        assert (
            "not one of mine" in errors(await submit(bot, forged, "U0ANN", summary="x"))["summary"]
        )
        too_long = await submit(bot, view, "U0ANN", summary="s" * 501)
        assert "At most 500" in errors(too_long)["summary"]
        assert await review_rows(engine, incident) == (None, [])
        nothing = await open_review(bot, "999", "U0ANN")  # no such incident: says so
        assert "not one of mine" in json.dumps(nothing)
