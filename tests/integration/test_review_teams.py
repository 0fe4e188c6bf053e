"""The post-incident review in Teams, through /api/messages with real tokens and the fake
connector, on both databases.

Ann has a personal chat with the bot; she is paged for an api incident at T0 and resolves it
from the card. The worker then posts the review form (an Adaptive Card with Input.Text fields
and an Action.Execute carrying the incident id) to her chat, once. A bad submission is
answered with the form again, what was typed kept and the error shown, nothing stored; a
good one is stored, sent to the ticket, and the form is replaced by "Review saved".
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from bot.commands.actions import Action
from storage.incident_tables import OutboxRow
from storage.uow import SqlUnitOfWork, session_factory
from tests.integration.teams_harness import TeamsBot, teams_bot
from tests.integration.test_teams_bot import card_of

CHAT = "a:chat-ann"


def inputs(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["id"]: b for b in card["body"] if b.get("type") == "Input.Text"}


def submit_action(card: dict[str, Any]) -> dict[str, Any]:
    (action,) = [a for a in card.get("actions", []) if a.get("type") == "Action.Execute"]
    return action


async def review_of(bot: TeamsBot, incident: int) -> Any:
    async with SqlUnitOfWork(session_factory(bot.engine), write=False) as uow:
        return await uow.reviews.get(incident)


async def review_messages(bot: TeamsBot) -> list[Any]:
    async with bot.engine.connect() as conn:
        return list((await conn.execute(select(OutboxRow).where(OutboxRow.kind == "review"))).all())


def offers(bot: TeamsBot) -> list[dict[str, Any]]:
    out = []
    for record in bot.connector.sent(CHAT):
        if Action.SUBMIT_REVIEW.value in json.dumps(record.body):
            out.append(card_of(record.body))
    return out


async def resolved_and_offered(bot: TeamsBot) -> int:
    await bot.install_personal("ann")
    incident = await bot.ingest()
    await bot.deliver()
    status, _ = await bot.post(bot.click("ann", Action.RESOLVE.value, {"incident": incident}, CHAT))
    assert status == 200
    await bot.deliver()
    return incident


async def test_the_form_reaches_the_responder_and_a_review_is_saved(engine: object) -> None:
    async with teams_bot(engine) as bot:  # type: ignore[arg-type]
        incident = await resolved_and_offered(bot)
        (card,) = offers(bot)
        assert set(inputs(card)) == {"summary", "cause", "follow_ups"}
        assert inputs(card)["follow_ups"]["isMultiline"] is True
        action = submit_action(card)
        assert (action["verb"], action["data"]) == ("review.submit", {"incident": incident})
        await bot.deliver()
        assert len(offers(bot)) == 1  # never posted twice

        typed = {"incident": incident, "summary": " ", "cause": "the deploy"}
        status, answer = await bot.post(bot.click("ann", "review.submit", typed, CHAT))
        assert status == 200 and answer["type"] == "application/vnd.microsoft.card.adaptive"
        again = answer["value"]
        assert "Write a short summary" in json.dumps(again)
        assert inputs(again)["cause"]["value"] == "the deploy"  # what was typed is kept
        assert await review_of(bot, incident) is None and await review_messages(bot) == []

        typed = {"incident": incident, "summary": "Errors after deploy", "follow_ups": "a\nb"}
        status, answer = await bot.post(bot.click("ann", "review.submit", typed, CHAT))
        assert status == 200
        assert "Review saved" in json.dumps(answer["value"])
        assert "Input.Text" not in json.dumps(answer["value"])
        review = await review_of(bot, incident)
        assert (review.summary, review.follow_ups, review.author) == (
            "Errors after deploy",
            ("a", "b"),
            "ann",
        )
        (ticket,) = await review_messages(bot)
        assert ticket.destination == "ticket"
        assert ticket.payload["review"]["follow_ups"] == ["a", "b"]

        typed = {"incident": incident, "summary": "Bad deploy"}
        status, answer = await bot.post(bot.click("dan", "review.submit", typed, CHAT))
        assert "replaces the earlier review" in json.dumps(answer["value"])
        assert (await review_of(bot, incident)).revision == 2


async def test_refusals_show_on_the_card_and_store_nothing(engine: object) -> None:
    async with teams_bot(engine) as bot:  # type: ignore[arg-type]
        await bot.install_personal("ann")
        incident = await bot.ingest()  # still open
        typed = {"incident": incident, "summary": "too early"}
        status, answer = await bot.post(bot.click("ann", "review.submit", typed, CHAT))
        assert status == 200 and "not resolved yet" in json.dumps(answer["value"])
        for forged in ({"incident": "1"}, {"incident": True}, {"incident": 999}, {}):
            status, answer = await bot.post(bot.click("ann", "review.submit", forged, CHAT))
            assert status == 200 and answer["value"] == "That card is not one of mine."
        assert await review_of(bot, incident) is None and await review_messages(bot) == []


async def test_no_personal_chat_no_form_and_the_outbox_says_why(engine: object) -> None:
    from core.incidents.lifecycle import Resolve
    from core.incidents.service import act

    async with teams_bot(engine) as bot:  # type: ignore[arg-type]
        await bot.install_team()  # ann is reachable only by a mention in the team channel
        incident = await bot.ingest()
        await bot.deliver()
        session = session_factory(bot.engine)
        await act(SqlUnitOfWork(session), incident, Resolve("ann"), "ann", bot.clock.now())
        await bot.deliver()
        (offer,) = [m for m in await bot.outbox() if m.kind == "review.offer"]
        assert offer.status == "failed"
        assert "no personal chat with the bot" in offer.last_error
        assert not [r for r in bot.connector.sent() if "review.submit" in json.dumps(r.body)]
