"""Swaps in Slack over real HTTP (signed requests) against the fake Slack, on both databases:
``/oncall swap`` → the counterpart's DM with Accept / Decline → the answer, the requester's DM,
the team channel, the DM updated in place, and ``who``, ``schedule`` and paging showing the
swap; each refusal changing nothing. The modal: :mod:`tests.integration.test_slack_swap_modal`.

The harness's world (tests.integration.slack_harness): primary has daily turns from Mon 2 March
09:00 UTC, ann then bob (ann: the 2nd, 4th, 6th); it is Mon 2 March 10:00 (ann on call). Ann
has a Slack id, bob (U0BOB) and cat (U0CAT) are found by email, dan (U0DAN) manages ops, whose
channel is C0OPS. Here cat reads times in Europe/Berlin (UTC+1 in March).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.commands.actions import Action
from core.config.apply import apply_configuration
from core.incidents.ports import ClaimedMessage
from core.oncall.actions import add_time_off
from scheduling.outbox import Delivered
from storage.posted import PostedMessageRow
from storage.tables import OverrideRow, SwapRow
from tests.integration.slack_harness import (
    PEOPLE,
    POLICIES,
    SERVICES,
    TEAMS,
    Bot,
    alert,
    blocks_json,
    slack_bot,
    unit,
)
from tests.unit.oncall.common import at, config

ANN_4TH = "2026-03-04 09:00 2026-03-05 09:00"  # ann's turn, Wed 09:00 to Thu 09:00 UTC


@asynccontextmanager
async def swap_bot(engine: AsyncEngine) -> AsyncIterator[Bot]:
    """The harness's bot, cat reading times in Berlin."""
    async with slack_bot(engine) as bot:
        people = [{**p, "timezone": "Europe/Berlin"} if p["id"] == "cat" else p for p in PEOPLE]
        cfg = config(people=people, teams=TEAMS, escalation_policies=POLICIES, services=SERVICES)
        await apply_configuration(unit(engine), cfg, actor="t", source="t", now=at("2026-03-02"))
        yield bot


async def counts(bot: Bot) -> tuple[int, int, int, int]:
    """Swaps, of them decided, overrides and outbox rows: what a refusal must leave alone."""
    async with bot.engine.connect() as conn:
        swaps = (await conn.execute(select(func.count()).select_from(SwapRow))).scalar_one()
        decided = (
            await conn.execute(
                select(func.count()).select_from(SwapRow).where(SwapRow.status != "pending")
            )
        ).scalar_one()
        overrides = (await conn.execute(select(func.count()).select_from(OverrideRow))).scalar_one()
    return swaps, decided, overrides, len(await bot.outbox())


def posts(bot: Bot, channel: str) -> list[Any]:
    return [
        c for c in bot.slack.calls("chat.postMessage") if c.ok and c.params["channel"] == channel
    ]


def texts(calls: list[Any]) -> list[str]:
    return [str(c.params.get("text")) for c in calls]


async def ask(bot: Bot, words: str, user: str = "U0ANN") -> dict[str, Any]:
    return await bot.command(f"swap {words}", user)


async def test_accepted_swap_is_stored_shown_and_told_to_everyone(engine: AsyncEngine) -> None:
    async with swap_bot(engine) as bot:
        answer = await ask(bot, f"@cat {ANN_4TH} family dinner")
        assert answer["response_type"] == "ephemeral"
        assert answer["text"].startswith("Swap 1: I asked Cat to take your shift in primary")
        assert Action.SWAP_CANCEL.value in json.dumps(answer["blocks"])
        await bot.deliver()
        dm = bot.slack.dm_channel("U0CAT")
        [request] = posts(bot, dm)
        card = blocks_json(request)
        assert Action.SWAP_ACCEPT.value in card and Action.SWAP_DECLINE.value in card
        assert '"value": "1"' in card or '"value":"1"' in card
        assert "Wed 04 Mar 10:00 CET to Thu 05 Mar 10:00 CET" in card  # cat's zone
        assert "family dinner" in card and "Ann asks you" in card

        answer = await bot.click(Action.SWAP_ACCEPT.value, "1", "U0CAT")
        assert answer["text"].startswith("You accepted swap 1: you are on call in primary")
        async with bot.engine.connect() as conn:
            rows = (await conn.execute(select(OverrideRow))).all()
        assert [(r.person_id, r.source, r.swap_id, r.reason) for r in rows] == [
            ("cat", "swap", 1, "family dinner")
        ]
        schedule = await bot.command("schedule primary")
        assert "Cat (swap)" in json.dumps(schedule["blocks"])  # shown at once

        await bot.deliver()
        [update] = bot.slack.calls("chat.update")
        assert (update.params["channel"], update.params["ts"]) == (dm, request.answer["ts"])
        updated = blocks_json(update)
        assert "Accepted by Cat" in updated and Action.SWAP_ACCEPT.value not in updated
        [told] = posts(bot, bot.slack.dm_channel("U0ANN"))
        assert "Cat accepted swap 1" in str(told.params["text"])
        assert "Wed 04 Mar 09:00 UTC" in str(told.params["text"])  # ann's zone
        [channel] = posts(bot, "C0OPS")
        assert "Cat takes Ann's shift" in str(channel.params["text"])

        bot.clock.advance(days=2)  # Wed 4 March 10:00: inside the swapped window
        who = await bot.command("who primary")
        assert "Now: Cat until Thu 05 Mar 09:00 UTC" in json.dumps(who["blocks"])
        await bot.ingest(alert())  # and paging pages cat
        await bot.deliver()
        assert len(posts(bot, dm)) == 2 and "High error rate" in blocks_json(posts(bot, dm)[1])


async def test_declined_swap_changes_nothing_and_the_requester_hears_it(
    engine: AsyncEngine,
) -> None:
    async with swap_bot(engine) as bot:
        answer = await ask(bot, "@bob my next shift")  # ann's turn under way is not "next"
        assert "from Wed 04 Mar 09:00 UTC to Thu 05 Mar 09:00 UTC" in answer["text"]
        await bot.deliver()
        answer = await bot.click(Action.SWAP_DECLINE.value, "1", "U0BOB")
        assert answer["text"] == "You declined swap 1; Ann will be told. Nothing changed."
        await bot.deliver()
        assert "Declined by Bob" in blocks_json(bot.slack.calls("chat.update")[0])
        assert "Bob declined swap 1" in texts(posts(bot, bot.slack.dm_channel("U0ANN")))[0]
        assert posts(bot, "C0OPS") == []
        assert await counts(bot) == (1, 1, 0, 3)


async def test_refusals_say_why_and_change_nothing(engine: AsyncEngine) -> None:
    async with swap_bot(engine) as bot:
        await ask(bot, f"@bob {ANN_4TH}")
        await bot.deliver()
        before = await counts(bot)
        refused = {
            "someone else clicks": await bot.click(Action.SWAP_ACCEPT.value, "1", "U0DAN"),
            "a stranger clicks": await bot.click(Action.SWAP_ACCEPT.value, "1", "U0STRANGER"),
            "a forged value": await bot.click(Action.SWAP_ACCEPT.value, "1 OR 1=1", "U0BOB"),
            "an unknown swap": await bot.click(Action.SWAP_ACCEPT.value, "99", "U0BOB"),
            "the requester accepts": await bot.click(Action.SWAP_ACCEPT.value, "1", "U0ANN"),
            "unknown person": await ask(bot, f"@zed {ANN_4TH}"),
            "not on call": await ask(bot, f"@cat {ANN_4TH}", user="U0BOB"),
            "begun": await ask(bot, "@bob now 2026-03-02 12:00"),
            "not a person": await ask(bot, f"@bob {ANN_4TH}", user="U0STRANGER"),
            "no person": await ask(bot, ANN_4TH),
        }
        expected = {
            "someone else clicks": "Only Bob can accept or decline swap 1.",
            "a stranger clicks": "I don't know who you are",
            "a forged value": "Which swap?",
            "an unknown swap": "Unknown swap 99.",
            "the requester accepts": "Only Bob can accept or decline swap 1.",
            "unknown person": "Unknown person 'zed'.",
            "not on call": "You are not on call in that window in any schedule.",
            "begun": "That window has begun",
            "not a person": "You are not in the on-call configuration",
            "no person": "Name the person to ask first.",
        }
        for case, answer in refused.items():
            assert expected[case] in answer["text"], (case, answer["text"])
            assert answer["response_type"] == "ephemeral", case
        assert await counts(bot) == before

        await add_time_off(
            unit(engine),
            person_id="cat",
            start=at("2026-03-04 20:00"),
            end=at("2026-03-04 21:00"),
            actor="cat",
            now=bot.clock.now(),
        )
        before = await counts(bot)
        answer = await ask(bot, f"@cat {ANN_4TH}")
        assert "Cat is on time off during that window" in answer["text"]
        assert await counts(bot) == before


async def test_withdrawn_decided_and_expired_requests_are_refused(engine: AsyncEngine) -> None:
    async with swap_bot(engine) as bot:
        await ask(bot, f"@bob {ANN_4TH}")  # 1: withdrawn by its button
        await ask(bot, f"@bob {ANN_4TH}")  # 2: withdrawn by the command
        await ask(bot, "@bob 2026-03-06 09:00 2026-03-07 09:00")  # 3: accepted, then again
        await ask(bot, "@cat 2026-03-02 12:00 2026-03-02 13:00")  # 4: expires
        await bot.deliver()
        withdrawn = await bot.click(Action.SWAP_CANCEL.value, "1", "U0ANN", name="w")
        assert withdrawn["text"] == "You withdrew swap 1; Bob will see it withdrawn."
        assert withdrawn.get("replace_original") is True  # the confirmation's button goes
        answer = await ask(bot, "cancel 2")
        assert answer["text"].startswith("You withdrew swap 2")
        assert (await bot.click(Action.SWAP_ACCEPT.value, "3", "U0BOB"))["text"].startswith(
            "You accepted swap 3"
        )
        bot.clock.advance(hours=2)  # 12:00: swap 4's window begins
        before = await counts(bot)
        answers = [
            await bot.click(Action.SWAP_ACCEPT.value, "1", "U0BOB"),
            await bot.click(Action.SWAP_CANCEL.value, "1", "U0ANN"),
            await bot.click(Action.SWAP_DECLINE.value, "3", "U0BOB"),
            await bot.click(Action.SWAP_ACCEPT.value, "4", "U0CAT"),
            await ask(bot, "cancel 4"),
        ]
        assert [a["text"] for a in answers] == [
            "Swap 1 was withdrawn by Ann. Nothing changed.",
            "Swap 1 was withdrawn by Ann. Nothing changed.",
            "Swap 3 was accepted already. Nothing changed.",
            "Swap 4 has expired: its window has begun. Nothing changed.",
            "Swap 4 has expired: its window has begun. Nothing changed.",
        ]
        assert await counts(bot) == before
        await bot.deliver()
        updates = {c.params["ts"]: blocks_json(c) for c in bot.slack.calls("chat.update")}
        assert sum("Withdrawn by Ann" in b for b in updates.values()) == 2
        assert sum("Accepted by Bob" in b for b in updates.values()) == 1


async def test_two_answers_at_once_give_one_decision(engine: AsyncEngine) -> None:
    async with swap_bot(engine) as bot:
        await ask(bot, f"@bob {ANN_4TH}")
        first, second = await asyncio.gather(
            bot.click(Action.SWAP_ACCEPT.value, "1", "U0BOB", name="a"),
            bot.click(Action.SWAP_DECLINE.value, "1", "U0BOB", name="b"),
        )
        said = sorted([first["text"], second["text"]])
        assert sum(t.startswith("You ") for t in said) == 1, said
        assert sum("already" in t or "a moment ago" in t for t in said) == 1, said
        decided = [m for m in await bot.outbox() if m.key == "swap/1/decided/counterpart"]
        assert len(decided) == 1
        swaps, done, overrides, _ = await counts(bot)
        assert (swaps, done) == (1, 1)
        assert overrides == (1 if decided[0].payload["status"] == "accepted" else 0)


async def test_a_redelivered_request_is_not_posted_twice(engine: AsyncEngine) -> None:
    async with swap_bot(engine) as bot:
        await ask(bot, f"@bob {ANN_4TH}")
        [row] = [m for m in await bot.outbox() if m.kind == "swap.requested"]
        message = ClaimedMessage(row.id, row.key, "chat", row.kind, row.payload, 1, None)
        chat = bot.sender.destinations["chat"]
        assert await chat.deliver(message) == Delivered()
        assert await chat.deliver(message) == Delivered()  # a lease ran out: delivered again
        assert len(posts(bot, bot.slack.dm_channel("U0BOB"))) == 1
        async with bot.engine.connect() as conn:
            stored = (await conn.execute(select(PostedMessageRow))).all()
        assert [r.subject for r in stored] == ["swap/1/counterpart"]
