"""``oncall serve`` with Slack on, against the fake Slack: an Alertmanager delivery DMs the
on-call person and posts the card to the team channel; Acknowledge on the card acknowledges
and every copy changes in place; a server killed with SIGKILL before an escalation falls
due is followed by one that pages tier 2 in Slack exactly once."""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path

import pytest

from bot.commands.actions import Action
from tests.fake_slack import FakeSlack
from tests.integration.test_escalation_durability import (
    Tables,
    am_payload,
    assert_no_traceback,
    post,
    start_server,
    stop_server,
    until,
)
from tests.slack_requests import block_actions_body, signed_headers
from tests.support import postgres_only_in_proof

SECRET = "serve-signing-secret"
BOT_TOKEN = "xoxb-serve-token"


def write_config(folder: Path, first_tier_after: str = "1h") -> Path:
    path = folder / "oncall.yaml"
    path.write_text(
        f"""version: 1
people:
  - {{id: alice, name: Alice, slack: U0ALICE}}
  - {{id: bob, name: Bob, email: bob@example.com}}
teams:
  - {{id: ops, managers: [alice], slack_channel: C0OPS}}
escalation_policies:
  - id: fast
    tiers:
      - {{targets: [person:alice], escalate_after: {first_tier_after}}}
      - {{targets: [person:bob], escalate_after: 1h}}
services:
  - {{id: shop, name: Shop, team: ops, escalation_policy: fast, match: {{service: shop}}}}
"""
    )
    return path


def slack_env(fake: FakeSlack) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake.api_url,
    }


def cards(fake: FakeSlack, channel: str) -> list:  # type: ignore[type-arg]
    return [
        c
        for c in fake.calls("chat.postMessage")
        if c.ok and c.params.get("channel") == channel and "thread_ts" not in c.params
    ]


# PostgreSQL in make proof only (~9 s): the page, the card and its acknowledgement in place
# are covered on PostgreSQL by test_slack_cards.py (engine fixture), and `oncall serve` on
# PostgreSQL by test_serve.py and test_escalation_durability.py.
@postgres_only_in_proof()
async def test_serve_pages_in_slack_and_the_card_acknowledges_in_place(
    database_url: str, tmp_path: Path
) -> None:
    config = write_config(tmp_path)
    async with FakeSlack(token=BOT_TOKEN, users_by_email={"bob@example.com": "U0BOB"}) as fake:
        server = start_server(database_url, config, tmp_path, "one", extra_env=slack_env(fake))
        try:
            assert post(server.base, am_payload("DiskFull"))[0] == 202
            dm = fake.dm_channel("U0ALICE")
            await fake.wait_for(
                lambda c: (
                    c.method == "chat.postMessage"
                    and c.ok
                    and c.params.get("channel") in (dm, "C0OPS")
                ),
                count=2,
                timeout=30,
            )
            assert len(cards(fake, dm)) == 1 and len(cards(fake, "C0OPS")) == 1
            posted = {
                (c.answer["channel"], c.answer["ts"])
                for c in cards(fake, dm) + cards(fake, "C0OPS")
            }

            body = block_actions_body(
                Action.ACKNOWLEDGE.value,
                "1",
                "U0ALICE",
                channel_id="C0OPS",
                message_ts=cards(fake, "C0OPS")[0].answer["ts"],
                response_url=fake.response_url("ack"),
            )
            import aiohttp

            async with (
                aiohttp.ClientSession() as http,
                http.post(
                    f"{server.base}/slack/events", data=body, headers=signed_headers(SECRET, body)
                ) as resp,
            ):
                assert resp.status == 200
            (answer,) = await fake.wait_for_response("ack", timeout=15)
            assert "You acknowledged #1" in answer["text"]
            updates = await fake.wait_for("chat.update", count=2, timeout=30)
            assert {(c.params["channel"], c.params["ts"]) for c in updates} == posted
            await asyncio.sleep(1.5)
            assert len(cards(fake, dm)) == 1 and len(cards(fake, "C0OPS")) == 1  # in place
            assert SECRET not in server.stderr() and BOT_TOKEN not in server.stderr()
            assert_no_traceback(server)
        finally:
            stop_server(server)


@pytest.mark.proof  # slow (15 s): make proof runs it, make test does not
async def test_after_a_sigkill_tier_2_is_paged_in_slack_exactly_once(
    database_url: str, tmp_path: Path
) -> None:
    config = write_config(tmp_path, first_tier_after="4s")
    db = Tables(database_url)
    async with FakeSlack(token=BOT_TOKEN, users_by_email={"bob@example.com": "U0BOB"}) as fake:
        first = start_server(database_url, config, tmp_path, "first", extra_env=slack_env(fake))
        second = None
        try:
            assert post(first.base, am_payload("DiskFull"))[0] == 202
            await fake.wait_for(
                lambda c: (
                    c.method == "chat.postMessage"
                    and c.ok
                    and c.params.get("channel") == fake.dm_channel("U0ALICE")
                ),
                timeout=30,
            )
            first.proc.send_signal(signal.SIGKILL)
            first.proc.wait(timeout=15)
            (step,) = [s for s in await db.steps() if s["done_at"] is None]
            due = step["due_at"].timestamp()
            await asyncio.sleep(max(due - time.time() + 0.5, 0))
            second = start_server(
                database_url, config, tmp_path, "second", extra_env=slack_env(fake)
            )
            bob = fake.dm_channel("U0BOB")
            await fake.wait_for(
                lambda c: (
                    c.method == "chat.postMessage" and c.ok and c.params.get("channel") == bob
                ),
                timeout=30,
            )
            await asyncio.sleep(2.5)  # room for a second page, which must not come

            async def settled() -> bool:
                return all(
                    m["status"] != "pending" for m in await db.outbox() if m["kind"] == "page"
                )

            await until(settled, "the pages to be delivered")
            assert len(cards(fake, bob)) == 1
            assert [c.params["email"] for c in fake.calls("users.lookupByEmail")] == [
                "bob@example.com"
            ]
            assert len(cards(fake, fake.dm_channel("U0ALICE"))) == 1
            assert_no_traceback(second)
        finally:
            if second is not None:
                stop_server(second)
            stop_server(first)
            await db.close()
