"""An alert storm in Slack: every incident shown once per channel, within the rate, no stale
card left. Slack's one post a second per channel is shrunk to one per 0.2 s (and the 10 s
digest window to 2 s) on both sides, the fake enforcing it, so the test stays short."""

from __future__ import annotations

import asyncio
import re
import time
from collections import Counter
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import SystemClock
from bot.commands.actions import Action
from core.incidents.ports import AlertBatch, ClaimedMessage, NewAlert
from scheduling.outbox import Delivered, Retry
from storage.chat_tables import CardCopyRow
from tests.integration.slack_harness import Bot, slack_bot
from tests.unit.oncall.common import at

SPACING = timedelta(seconds=0.2)
WINDOW = timedelta(seconds=2)


def group(n: int) -> AlertBatch:
    labels = {"service": "api", "severity": "critical", "alertname": f"Storm{n}"}
    alerts = tuple(
        NewAlert(f"fp-{n}-{i}", "firing", at("2026-03-02 09:59"), None, {**labels, "pod": f"p{i}"})
        for i in range(10)
    )
    return AlertBatch("alertmanager", f"storm-{n}", "firing", f"Storm {n}", labels, alerts=alerts)


async def drain(bot: Bot, within: float = 30.0) -> None:
    """Run the sender as the worker does until nothing is pending."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        await bot.sender.run_once(bot.clock.now())
        if not await bot.pending():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"still pending after {within}s: {len(await bot.pending())}")


async def copies(bot: Bot) -> list[Any]:
    async with bot.engine.connect() as conn:
        return list((await conn.execute(select(CardCopyRow))).all())


def shown_ids(message: dict[str, Any]) -> set[int]:
    return {int(x) for x in re.findall(r"#(\d+)", str(message.get("blocks")))}


def storm_bot(engine: AsyncEngine) -> Any:
    """The harness with Slack's spacing and the digest window shrunk on both sides."""
    return slack_bot(
        engine,
        clock=SystemClock(),
        post_spacing=SPACING,
        digest_window=WINDOW,
        post_spacing_fake=SPACING.total_seconds(),
    )


def posted_messages(bot: Bot) -> dict[tuple[str, str], dict[str, Any]]:
    """Each message a successful chat.postMessage made: (channel, ts) -> what was posted."""
    return {
        (str(c.answer["channel"]), str(c.answer["ts"])): c.params
        for c in bot.slack.calls("chat.postMessage")
        if c.ok and c.answer is not None
    }


def claim_of(page: Any, attempts: int, key: str | None = None) -> ClaimedMessage:
    """Outbox row ``page`` as a claim counting ``attempts`` (under ``key`` when given)."""
    return ClaimedMessage(
        page.id,
        key or page.key,
        page.destination,
        page.kind,
        page.payload,
        attempts,
        page.incident_id,
    )


async def test_a_storm_of_200_alerts_in_20_groups(engine: AsyncEngine) -> None:
    async with storm_bot(engine) as bot:
        ids = [await bot.ingest(group(n)) for n in range(20)]
        await drain(bot)
        assert bot.slack.rate_limited == 0
        rows = await copies(bot)
        channel_rows = [r for r in rows if r.channel == "C0OPS"]
        assert sorted(r.incident_id for r in channel_rows) == sorted(ids)  # once each
        dm_rows = [r for r in rows if r.channel != "C0OPS"]
        assert sorted(r.incident_id for r in dm_rows) == sorted(ids)  # every page, once
        assert {r.kind for r in channel_rows} == {"channel", "digest"}  # the storm digested
        for row in rows:  # each incident is in the message that its copy names
            assert row.incident_id in shown_ids(bot.slack.messages[(row.channel, row.message_id)])
        posts = [
            c
            for c in bot.slack.calls("chat.postMessage")
            if c.ok and c.params.get("channel") == "C0OPS"
        ]
        assert len(posts) < len(ids)  # a digest, not a card each
        # A person's pages are digested too, each in a new message (Slack notifies of a new
        # message, never of an edit): every page is in the post that made its message.
        assert "digest" in {r.kind for r in dm_rows}
        posted = posted_messages(bot)
        for row in dm_rows:
            assert row.incident_id in shown_ids(posted[(row.channel, row.message_id)])

        for incident_id in ids[::3]:
            await bot.click(Action.ACKNOWLEDGE.value, str(incident_id), "U0DAN")
        await drain(bot)
        assert bot.slack.rate_limited == 0
        for row in await copies(bot):  # no stale card: every copy shows the incident's state
            message = bot.slack.messages[(row.channel, row.message_id)]
            status = (await bot.incident(row.incident_id)).status
            text = str(message.get("blocks")).lower()
            assert status in text, (row.incident_id, status)
        per_message = Counter((r.channel, r.message_id) for r in await copies(bot))
        assert max(per_message.values()) > 1


async def test_pages_of_a_storm_that_goes_on_come_in_new_messages_never_in_an_edit(
    engine: AsyncEngine,
) -> None:
    """A second wave of pages while the person's digest has room: Slack would not notify of an
    edit, so the new pages come in a new message and the digest posted before is left as is."""
    async with storm_bot(engine) as bot:
        first = [await bot.ingest(group(n)) for n in range(8)]
        await drain(bot)
        second = [await bot.ingest(group(n)) for n in range(8, 16)]
        await drain(bot)
        assert bot.slack.rate_limited == 0
        dm_rows = [r for r in await copies(bot) if r.channel != "C0OPS"]
        assert sorted(r.incident_id for r in dm_rows) == sorted(first + second)
        posted = posted_messages(bot)
        for row in dm_rows:  # every page in the post that made its message
            assert row.incident_id in shown_ids(posted[(row.channel, row.message_id)])
        dm = {r.channel for r in dm_rows}
        assert not [c for c in bot.slack.calls("chat.update") if c.params.get("channel") in dm]


async def test_a_digest_slack_posted_whose_answer_was_lost_is_not_posted_again(
    engine: AsyncEngine,
) -> None:
    """A DM digest carried out by Slack whose answer never came (a process killed after the
    post looks the same): its metadata names the pages it shows, so their retry finds it in
    the DM's history and records it; no second digest."""
    async with slack_bot(engine, hang_seconds=0.2) as bot:
        for n in range(3):
            await bot.ingest(group(n))
        pages = [m for m in await bot.outbox() if m.kind == "page"]
        chat = bot.sender.destinations["chat"]

        def claimed(attempts: int) -> list[ClaimedMessage]:
            return [claim_of(m, attempts) for m in pages]

        bot.slack.fail_next("chat.postMessage", "lost")
        first = await chat.deliver_digest(claimed(1))
        assert all(isinstance(o, Retry) for o in first.values())  # no answer: try again
        (lost,) = bot.slack.calls("chat.postMessage")
        keys = lost.params["metadata"]["event_payload"]["outbox_keys"].split()
        assert sorted(keys) == sorted(m.key for m in pages)
        outcomes = await chat.deliver_digest(claimed(2))
        assert all(isinstance(o, Delivered) for o in outcomes.values()) and len(outcomes) == 3
        assert len(bot.slack.calls("chat.postMessage")) == 1  # looked up, not posted again
        dm = lost.params["channel"]
        ts = next(t for (c, t) in bot.slack.messages if c == dm)
        rows = [r for r in await copies(bot) if r.channel == dm]
        assert sorted(r.incident_id for r in rows) == sorted(m.incident_id for m in pages)
        assert {(r.kind, r.message_id) for r in rows} == {("digest", ts)}


async def test_a_page_again_for_an_incident_shown_in_a_digest_comes_as_its_own_card(
    engine: AsyncEngine,
) -> None:
    """A second page (the policy came round again, say) of an incident the person saw as a
    line of a digest: a card of its own, not a reply under a digest of many incidents; the card
    is what later changes of the incident update."""
    async with slack_bot(engine) as bot:
        for n in range(3):
            await bot.ingest(group(n))
        pages = [m for m in await bot.outbox() if m.kind == "page"]
        chat = bot.sender.destinations["chat"]
        claimed = [claim_of(m, 1) for m in pages]
        await chat.deliver_digest(claimed)
        page = claimed[1]
        again = claim_of(page, 1, key=f"{page.key}/again")
        before = len(bot.slack.calls("chat.postMessage"))
        assert isinstance(await chat.deliver(again), Delivered)
        (card,) = bot.slack.calls("chat.postMessage")[before:]
        assert "thread_ts" not in card.params and "storm digest" not in str(card.params["text"])
        assert f"#{page.incident_id}" in str(card.params["text"]) + str(card.params["blocks"])
        (copy,) = [r for r in await copies(bot) if r.incident_id == page.incident_id]
        assert (copy.kind, copy.message_id) == ("dm", card.answer["ts"])  # it tracks the card
