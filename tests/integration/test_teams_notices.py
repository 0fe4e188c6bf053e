"""Hand-overs, coverage-gap warnings and swaps through the Teams outbox destination, over real
HTTP to the fake connector with real tokens, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.commands.actions import Action
from core.incidents.ports import ClaimedMessage
from core.oncall.notices import announce_handovers
from core.oncall.swap_actions import decide_swap, request_swap
from scheduling.outbox import Delivered, Failed
from tests.fake_identity import FakeIdentity
from tests.integration.teams_outbox import (
    ANN_CHAT,
    BOB_AAD,
    DAN_CHAT,
    OPS_CHANNEL,
    TeamsOutbox,
    card_of,
    teams_outbox,
    verbs,
)


async def message(bot: TeamsOutbox, kind: str, audience: str | None = None) -> ClaimedMessage:
    rows = [m for m in await bot.outbox() if m.kind == kind]
    row = next(m for m in rows if audience in (None, m.payload.get("audience")))
    return ClaimedMessage(
        row.id, row.key, row.destination, row.kind, row.payload, row.attempts, row.incident_id
    )


def posts(bot: TeamsOutbox, conversation_id: str) -> list:  # type: ignore[type-arg]
    return bot.connector.sent(conversation_id)


async def test_a_hand_over_reaches_the_team_channel_and_the_incoming_personal_chat(
    engine: AsyncEngine, fake_identity: FakeIdentity
) -> None:
    async with teams_outbox(engine, fake_identity) as bot:
        # 09:00 today: ann's first turn in primary begins (after nobody), told at 10:00; and
        # cat's in office (team web: no channel, and cat has no Teams id: nothing to post)
        assert await announce_handovers(bot.unit(), bot.clock.now()) == 2
        await bot.deliver()
        [channel] = posts(bot, OPS_CHANNEL)
        assert "hand-over at" in str(card_of(channel))
        assert "Sent late" in str(card_of(channel))
        [dm] = posts(bot, ANN_CHAT)
        assert "You are on call for **primary**" in str(card_of(dm))
        assert not posts(bot, DAN_CHAT)
        assert all(m.status == "sent" for m in await bot.outbox())
        assert len(bot.connector.sent()) == 2
        before = len(bot.connector.records)  # delivered again (a crash before it was marked)
        again = await message(bot, "handover")
        assert again.payload["schedule"] == "primary"
        assert await bot.destination.deliver(again) == Delivered()
        assert len(bot.connector.records) == before


async def test_a_hand_over_retried_after_a_failure_posts_each_part_once(
    engine: AsyncEngine, fake_identity: FakeIdentity
) -> None:
    async with teams_outbox(engine, fake_identity) as bot:
        bot.connector.fail_next(503, path_contains=ANN_CHAT)  # the channel part goes, ann's not
        await announce_handovers(bot.unit(), bot.clock.now())
        await bot.deliver()
        assert len(posts(bot, OPS_CHANNEL)) == 1
        assert len(posts(bot, ANN_CHAT)) == 1
        assert [r.status for r in bot.connector.records if r.conversation_id == ANN_CHAT] == [
            503,
            201,
        ]


async def test_a_swap_request_goes_to_the_counterparts_personal_chat_and_is_answered(
    engine: AsyncEngine, fake_identity: FakeIdentity
) -> None:
    async with teams_outbox(engine, fake_identity) as bot:
        now = bot.clock.now()
        swap_id = await request_swap(
            bot.unit(),
            schedule_id="primary",
            requester="bob",
            counterpart="ann",
            give=None,  # bob's next shift: tomorrow from 09:00
            now=now,
            reason="dentist",
        )
        await bot.deliver()
        [request] = posts(bot, ANN_CHAT)
        assert {Action.SWAP_ACCEPT.value, Action.SWAP_DECLINE.value} <= verbs(card_of(request))
        assert "dentist" in str(card_of(request))
        before = len(posts(bot, ANN_CHAT))
        redelivered = await bot.destination.deliver(await message(bot, "swap.requested"))
        assert redelivered == Delivered() and len(posts(bot, ANN_CHAT)) == before

        await decide_swap(bot.unit(), swap_id=swap_id, actor="ann", accept=True, now=now)
        await bot.deliver()
        [update] = bot.connector.updates(ANN_CHAT)  # the request card, in place
        assert update.activity_id == request.activity_id
        assert not verbs(card_of(update)) & {Action.SWAP_ACCEPT.value, Action.SWAP_DECLINE.value}
        # bob (no personal chat) is mentioned in the team channel; the channel hears of it too
        in_channel = posts(bot, OPS_CHANNEL)
        assert len(in_channel) == 2
        mentioned = [
            e["mentioned"]["id"] for r in in_channel for e in (r.body or {}).get("entities") or []
        ]
        assert mentioned == [BOB_AAD]
        assert all(m.status == "sent" for m in await bot.outbox())


async def test_a_gap_warning_goes_to_the_managers_personal_chat(
    engine: AsyncEngine, fake_identity: FakeIdentity
) -> None:
    async with teams_outbox(engine, fake_identity) as bot:
        payload = {
            "team": "ops",
            "team_name": "Ops",
            "manager": {"id": "dan", "name": "Dan", "timezone": "UTC"},
            "horizon_end": "2026-03-16T10:00:00+00:00",
            "gaps": [
                {
                    "change": "new",
                    "service": "api",
                    "service_name": "API",
                    "schedule": "primary",
                    "schedule_name": "Primary",
                    "from": "2026-03-05T09:00:00+00:00",
                    "to": "2026-03-05T17:00:00+00:00",
                }
            ],
        }
        warning = ClaimedMessage(1, "gaps/ops/dan/x", "chat", "coverage_gap", payload, 1, None)
        assert await bot.destination.deliver(warning) == Delivered()
        [dm] = posts(bot, DAN_CHAT)
        assert "Coverage of Ops" in str(card_of(dm))
        assert Action.OPEN_OVERRIDE.value in verbs(card_of(dm))
        nobody = ClaimedMessage(2, "gaps/ops/cat/x", "chat", "coverage_gap", {
            **payload, "team": "web", "manager": {"id": "cat"}
        }, 1, None)  # fmt: skip
        outcome = await bot.destination.deliver(nobody)
        assert isinstance(outcome, Failed) and "cat cannot be reached" in outcome.error
