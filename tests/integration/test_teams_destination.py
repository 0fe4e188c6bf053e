"""Pages and incident cards through the Teams outbox destination, over real HTTP to the fake
connector with real tokens, on SQLite and PostgreSQL."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.commands.actions import Action
from core.incidents.lifecycle import Acknowledge, Reassign
from core.incidents.ports import ClaimedMessage
from core.incidents.service import act
from scheduling.outbox import Delivered, Failed, Retry
from tests.fake_identity import FakeIdentity
from tests.integration.teams_outbox import (
    ANN_CHAT,
    BOB_AAD,
    DAN_CHAT,
    DAN_USER,
    OPS_CHANNEL,
    TeamsOutbox,
    card_of,
    personal_ref,
    teams_outbox,
    verbs,
)

INCIDENT_VERBS = {
    Action.ACKNOWLEDGE.value,
    Action.ESCALATE.value,
    Action.RESOLVE.value,
    Action.SNOOZE.value,
}


def cards(bot: TeamsOutbox, conversation_id: str) -> list:  # type: ignore[type-arg]
    """Card posts (not thread replies) accepted in the conversation."""
    return [r for r in bot.connector.sent(conversation_id) if (r.body or {}).get("attachments")]


def puts_to(bot: TeamsOutbox, conversation_id: str) -> list[int]:
    """The statuses of the updates tried in the conversation."""
    records = bot.connector.records
    return [r.status for r in records if r.method == "PUT" and r.conversation_id == conversation_id]


async def claimed(bot: TeamsOutbox, kind: str) -> ClaimedMessage:
    row = next(m for m in await bot.outbox() if m.kind == kind)
    return ClaimedMessage(
        row.id, row.key, row.destination, row.kind, row.payload, row.attempts, row.incident_id
    )


async def test_a_page_brings_the_card_to_the_personal_chat_and_the_team_channel(
    engine: AsyncEngine, fake_identity: FakeIdentity
) -> None:
    async with teams_outbox(engine, fake_identity) as bot:
        incident_id = await bot.ingest()
        await bot.deliver()
        [dm] = cards(bot, ANN_CHAT)
        assert verbs(card_of(dm)) >= INCIDENT_VERBS
        assert "High error rate g1" in str(card_of(dm))
        actions = [a for a in card_of(dm)["actions"] if a.get("data")]
        assert all(a["data"].get("incident") == incident_id for a in actions)
        [channel] = cards(bot, OPS_CHANNEL)
        assert verbs(card_of(channel)) >= INCIDENT_VERBS
        # plain sends, never replies to the continuation's made-up activity id
        assert all(r.path.endswith("/activities") for r in bot.connector.sent())
        assert all(r.authorized for r in bot.connector.records)
        assert fake_identity.issued, "the bearer tokens came from the identity provider"
        assert all(m.status == "sent" for m in await bot.outbox())
        async with bot.unit() as uow:
            copies = await uow.cards.copies(incident_id, "teams")
        assert {(c.channel, c.kind) for c in copies} == {(ANN_CHAT, "dm"), (OPS_CHANNEL, "channel")}
        assert {c.message_id for c in copies} == {dm.activity_id, channel.activity_id}


async def test_a_redelivered_page_posts_nothing_again(
    engine: AsyncEngine, fake_identity: FakeIdentity
) -> None:
    async with teams_outbox(engine, fake_identity) as bot:
        await bot.ingest()
        await bot.deliver()
        posts = len(bot.connector.sent())
        page = await claimed(bot, "page")  # as after a crash between posting and recording
        assert await bot.destination.deliver(page) == Delivered()
        assert len(bot.connector.sent()) == posts


async def test_paged_again_the_card_is_updated_and_a_reply_says_so(
    engine: AsyncEngine, fake_identity: FakeIdentity
) -> None:
    async with teams_outbox(engine, fake_identity) as bot:
        incident_id = await bot.ingest()
        await bot.deliver()
        bot.clock.advance(minutes=1)
        await act(bot.unit(), incident_id, Reassign("dan", "ann"), "dan", bot.clock.now())
        await bot.deliver()
        assert len(cards(bot, ANN_CHAT)) == 1  # the card once
        texts = [r.body.get("text") for r in bot.connector.sent(ANN_CHAT) if r.body]
        assert "You are paged for this incident (tier 1)." in texts
        assert bot.connector.updates(ANN_CHAT)


async def test_a_person_without_a_personal_chat_is_mentioned_in_the_team_channel(
    engine: AsyncEngine, fake_identity: FakeIdentity, caplog: pytest.LogCaptureFixture
) -> None:
    async with teams_outbox(engine, fake_identity) as bot:
        bot.clock.advance(days=1)  # bob's turn in primary; bob has no chat with the bot
        with caplog.at_level(logging.INFO, logger="oncall.teams"):
            await bot.ingest()
            await bot.deliver()
        assert len(cards(bot, OPS_CHANNEL)) == 1  # the page and the channel's card: one card
        mentions = [
            e
            for r in bot.connector.records
            if r.conversation_id and r.conversation_id.startswith(OPS_CHANNEL) and r.body
            for e in r.body.get("entities") or []
            if e.get("type") == "mention"
        ]
        assert {"type": "mention", "text": "<at>Bob</at>"} | {
            "mentioned": {"id": BOB_AAD, "name": "Bob"}
        } in mentions
        assert any(
            "<at>Bob</at>" in str(r.body.get("text"))
            for r in bot.connector.records
            if r.conversation_id and r.conversation_id.startswith(OPS_CHANNEL) and r.body
        )
        assert "person bob has no personal chat with the bot: mentioned in channel" in caplog.text
        assert all(m.status == "sent" for m in await bot.outbox())


async def test_a_person_teams_cannot_reach_fails_the_page(
    engine: AsyncEngine, fake_identity: FakeIdentity
) -> None:
    async with teams_outbox(engine, fake_identity) as bot:
        async with bot.unit() as uow:
            await uow.conversations.deactivate(OPS_CHANNEL, bot.clock.now())
            await uow.commit()
        bot.clock.advance(days=1)  # bob: no personal chat, and now no channel either
        await bot.ingest()
        await bot.deliver()
        [page] = [m for m in await bot.outbox() if m.kind == "page"]
        assert page.status == "failed"
        assert "bob cannot be reached in Teams" in page.last_error
        assert not bot.connector.sent()


async def test_acknowledged_every_copy_is_updated_in_place(
    engine: AsyncEngine, fake_identity: FakeIdentity
) -> None:
    async with teams_outbox(engine, fake_identity) as bot:
        incident_id = await bot.ingest()
        await bot.deliver()
        posted = {(r.conversation_id, r.activity_id) for r in cards(bot, None)}  # type: ignore[arg-type]
        await act(bot.unit(), incident_id, Acknowledge("ann"), "ann", bot.clock.now())
        await bot.deliver()
        updates = bot.connector.updates()
        assert {(r.conversation_id, r.activity_id) for r in updates} == posted
        assert all(Action.ACKNOWLEDGE.value not in verbs(card_of(r)) for r in updates)
        assert all("Acknowledged" in str(card_of(r)) for r in updates)
        assert len(cards(bot, None)) == 2  # type: ignore[arg-type]  # updated, never posted again
        [reply] = [r for r in bot.connector.sent(None) if ";messageid=" in str(r.conversation_id)]
        assert reply.body is not None and reply.body["text"] == "Acknowledged by Ann."
        before = len(bot.connector.records)
        ack = await claimed(bot, "incident.acknowledged")  # a redelivery: nothing newer to show
        assert await bot.destination.deliver(ack) == Delivered()
        assert len(bot.connector.records) == before


async def test_429_then_200_delivers_the_page_exactly_once(
    engine: AsyncEngine, fake_identity: FakeIdentity
) -> None:
    async with teams_outbox(engine, fake_identity) as bot:
        bot.connector.fail_next(429, headers={"Retry-After": "1"}, path_contains=DAN_CHAT)
        await bot.ingest({"service": "batch", "severity": "critical"})  # pages dan alone
        await bot.sender.run_once(bot.clock.now())
        [page] = [m for m in await bot.outbox() if m.kind == "page"]
        assert page.status == "pending" and "429" in page.last_error
        assert (page.next_attempt_at - bot.clock.now()).total_seconds() >= 1
        await bot.deliver()
        attempts = [r for r in bot.connector.records if r.conversation_id == DAN_CHAT]
        assert [r.status for r in attempts] == [429, 201]
        assert len(cards(bot, DAN_CHAT)) == 1
        assert all(m.status == "sent" for m in await bot.outbox())


async def test_403_fails_the_message_and_the_reference_is_no_longer_used(
    engine: AsyncEngine, fake_identity: FakeIdentity
) -> None:
    async with teams_outbox(engine, fake_identity) as bot:
        bot.connector.fail_next(403, path_contains=DAN_CHAT)
        await bot.ingest({"service": "batch", "severity": "critical"})
        await bot.deliver()
        [page] = [m for m in await bot.outbox() if m.kind == "page"]
        assert page.status == "failed" and "403" in page.last_error
        ref = await bot.ref(DAN_CHAT)
        assert ref is not None and not ref.active
        assert len([r for r in bot.connector.records if r.conversation_id == DAN_CHAT]) == 1


async def test_502_is_retried_and_the_connector_client_does_not_retry_by_itself(
    engine: AsyncEngine, fake_identity: FakeIdentity
) -> None:
    async with teams_outbox(engine, fake_identity) as bot:
        incident_id = await bot.ingest({"service": "batch", "severity": "critical"})
        await bot.deliver()
        await act(bot.unit(), incident_id, Acknowledge("dan"), "dan", bot.clock.now())
        [ack] = [m for m in await bot.outbox() if m.kind == "incident.acknowledged"]
        bot.connector.fail_next(502, path_contains=DAN_CHAT)  # the update (a PUT)
        outcome = await bot.destination.deliver(await claimed(bot, "incident.acknowledged"))
        assert isinstance(outcome, Retry) and "502" in outcome.error
        assert puts_to(bot, DAN_CHAT) == [502]  # msrest would have tried again by itself
        assert ack.status == "pending"
        await bot.deliver()
        assert puts_to(bot, DAN_CHAT) == [502, 200]
        ref = await bot.ref(DAN_CHAT)
        assert ref is not None and ref.active  # a 502 says nothing about the conversation


async def test_a_card_deleted_in_teams_is_forgotten_on_update(
    engine: AsyncEngine, fake_identity: FakeIdentity
) -> None:
    async with teams_outbox(engine, fake_identity) as bot:
        incident_id = await bot.ingest({"service": "batch", "severity": "critical"})
        await bot.deliver()
        bot.connector.fail_next(404, path_contains=DAN_CHAT)
        await act(bot.unit(), incident_id, Acknowledge("dan"), "dan", bot.clock.now())
        await bot.deliver()
        async with bot.unit() as uow:
            copies = await uow.cards.copies(incident_id, "teams")
        assert DAN_CHAT not in {c.channel for c in copies}
        assert all(m.status == "sent" for m in await bot.outbox())
        ref = await bot.ref(DAN_CHAT)
        assert ref is not None and ref.active  # the message was gone, not the chat


async def test_unknown_kinds_are_delivered_and_not_shown(
    engine: AsyncEngine, fake_identity: FakeIdentity
) -> None:
    async with teams_outbox(engine, fake_identity) as bot:
        message = ClaimedMessage(1, "x/1", "chat", "something.new", {}, 1, None)
        assert await bot.destination.deliver(message) == Delivered()
        assert not bot.connector.records
        unknown = ClaimedMessage(2, "x/2", "chat", "page", {"person": "ann"}, 1, 999)
        assert isinstance(await bot.destination.deliver(unknown), Failed)


async def test_a_personal_chat_with_a_long_id_is_posted_once_and_updated(
    engine: AsyncEngine, fake_identity: FakeIdentity, caplog: pytest.LogCaptureFixture
) -> None:
    """A personal chat id of 300 characters (past the 200 the card copies' column held before
    migration 0010): the page is posted once, recorded, and updated in place later."""
    async with teams_outbox(engine, fake_identity) as bot:
        long_chat = "a:1dan-" + "z" * 300
        async with bot.unit() as uow:  # dan's chat is now one with a very long id
            await uow.conversations.deactivate(DAN_CHAT, bot.clock.now())
            await uow.commit()
        await bot.save(personal_ref(bot.connector.url, long_chat, user_id=DAN_USER, aad=None))
        incident_id = await bot.ingest({"service": "batch", "severity": "critical"})
        with caplog.at_level(logging.ERROR, logger="oncall.teams"):
            await bot.deliver()
            await act(bot.unit(), incident_id, Acknowledge("dan"), "dan", bot.clock.now())
            await bot.deliver()
        assert len(cards(bot, long_chat)) == 1
        assert len(bot.connector.updates(long_chat)) == 1
        assert all(m.status == "sent" for m in await bot.outbox())
        assert "could not be recorded" not in caplog.text
