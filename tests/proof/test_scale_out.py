"""Scale out (issue 13): three ``oncall serve`` instances, each with its own worker, on one
PostgreSQL database and sharing nothing else, take 1,000 Alertmanager deliveries in turn (one
incident per delivery, posted in parallel) with Slack on (the fake Slack). Every incident is
paged at tier 1, gets its card in its team's channel, escalates after 3 s to tier 2 and is
exhausted 3 s later; a schedule hands over during the run. Nothing may be lost or doubled:
each escalation step fired once, each page and card posted once, the hand-over announced once.

The counts come from the database (steps fired, outbox rows, card copies) and from what the
fake Slack received: the top-level posts in each channel must be exactly the card copies the
database knows (a second post of one card would be one more), plus the hand-over's two.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest

from tests.fake_slack import FakeSlack
from tests.integration.test_escalation_durability import (
    TOKEN,
    Server,
    Tables,
    assert_no_traceback,
    page_tier,
    start_server,
    stop_server,
    until,
)
from tests.proof.fleet import (
    TEAMS,
    card_copies,
    delivery,
    log_lines,
    log_tally,
    progress,
    slack_tally,
    write_config,
)
from tests.proof.report import record

INCIDENTS = 1_000
SERVERS = ("one", "two", "three")
IN_FLIGHT = 32  # deliveries posted at once
SLACK_TOKEN, SECRET = "xoxb-scale-token", "scale-signing-secret"
# Slack on doubles the run on 2 cores (every post rendered, sent and answered on the same
# machine): make proof counts the log outbox's lines; ONCALL_PROOF_SCALE_SLACK=1 runs it
# against the fake Slack, counting its posts.
SLACK = os.environ.get("ONCALL_PROOF_SCALE_SLACK") == "1"

pytestmark = pytest.mark.proof


def next_minute(after: datetime) -> datetime:
    return after.replace(second=0, microsecond=0) + timedelta(minutes=1)


async def post_all(servers: list[Server]) -> None:
    """Delivery ``i`` to server ``i % 3``, :data:`IN_FLIGHT` at a time; each must be 202."""
    gate = asyncio.Semaphore(IN_FLIGHT)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(headers=headers, timeout=timeout) as http:

        async def one(i: int) -> None:
            base = servers[i % len(servers)].base
            async with gate, http.post(f"{base}/alerts/alertmanager", json=delivery(i)) as resp:
                assert resp.status == 202, (i, resp.status, await resp.text())

        await asyncio.gather(*(one(i) for i in range(INCIDENTS)))


async def test_three_servers_on_one_postgresql(postgres_url: str, tmp_path: Path) -> None:
    began = time.monotonic()
    handover_at = next_minute(datetime.now(UTC) + timedelta(seconds=30))
    config = write_config(tmp_path, handover_at)
    db = Tables(postgres_url)
    servers: list[Server] = []
    async with contextlib.AsyncExitStack() as stack:
        fake, env = None, {}
        if SLACK:
            fake = await stack.enter_async_context(FakeSlack(token=SLACK_TOKEN))
            env = {
                "SLACK_BOT_TOKEN": SLACK_TOKEN,
                "SLACK_SIGNING_SECRET": SECRET,
                "SLACK_API_URL": fake.api_url,
            }
        try:
            for name in SERVERS:
                servers.append(start_server(postgres_url, config, tmp_path, name, extra_env=env))
            if datetime.now(UTC) >= handover_at:
                pytest.fail(f"the servers took until after the hand-over at {handover_at}")
            posting = time.monotonic()
            await post_all(servers)
            intake_s = time.monotonic() - posting
            shown = [0.0]

            async def reached(key: str, count: int) -> bool:
                now = await progress(db)
                if time.monotonic() - shown[0] > 5:  # progress, for -s and a failure's output
                    print(f"{time.monotonic() - posting:6.1f} s {now}", flush=True)
                    shown[0] = time.monotonic()
                return now[key] >= count if key != "pending" else now[key] == 0

            async def drained() -> bool:
                return await reached("done", INCIDENTS)

            await until(drained, f"the {INCIDENTS} deliveries to be processed", within=240)

            async def exhausted() -> bool:
                return await reached("exhausted", INCIDENTS)

            await until(exhausted, "every incident to escalate through both tiers", within=180)
            escalated_s = time.monotonic() - posting

            async def handed_over() -> bool:
                return await reached("handovers", 1)

            wait = (handover_at - datetime.now(UTC)).total_seconds() + 90
            await until(handed_over, f"the hand-over at {handover_at} to be sent", within=wait)

            async def settled() -> bool:
                return await reached("pending", 0)

            await until(settled, "every outbox message to be delivered", within=180)
            wall_s = time.monotonic() - began
            await asyncio.sleep(2.5)  # two more ticks: room for a late duplicate

            incidents, steps, outbox = await db.incidents(), await db.steps(), await db.outbox()
            fired = Counter(
                (s["incident_id"], s["tier"], s["cycle"]) for s in steps if s["outcome"] == "fired"
            )
            fired_twice = sum(n - 1 for n in fired.values() if n > 1)
            if fake is not None:
                copies = await card_copies(db)
                slack = slack_tally(fake, incidents, copies)
                tally, duplicated, handovers = slack.tally, slack.duplicated, slack.handovers
                digest_lines = sum(c["kind"] == "digest" for c in copies)
            else:
                tally, duplicated, handovers = log_tally(log_lines(servers), incidents, outbox)
                digest_lines = 0
            duplicated += fired_twice
            escalations = sum(fired.values())
            tier2_pages = [p for p in outbox if p["kind"] == "page" and page_tier(p) == 2]
            how = "Slack on (the fake Slack's posts counted)" if fake else "the log outbox"
            record(
                "scale out: three servers, one PostgreSQL",
                f"{INCIDENTS:,} incidents, one Alertmanager delivery each, posted in turn to 3 "
                f"oncall serve instances (each its worker) sharing one PostgreSQL, {TEAMS} "
                f"teams, {how}: tier-1 page, channel card, tier-2 page after 3 s; one "
                "hand-over during the run",
                expected=3 * INCIDENTS + (2 if fake else 1),  # the hand-over: 1 post, or 2 in Slack
                delivered=tally.delivered,
                duplicated=duplicated,
                escalations=escalations,
                tier2_pages=len(tier2_pages),
                handovers=handovers,
                digest_lines=digest_lines,
                intake_s=intake_s,
                escalated_s=escalated_s,
                wall_s=wall_s,
            )

            assert len({r["dedup_key"] for r in incidents}) == len(incidents) == INCIDENTS
            assert not [s for s in steps if s["done_at"] is None], "steps left pending"
            assert fired_twice == 0 and escalations == 2 * INCIDENTS, fired.most_common(3)
            assert len(tier2_pages) == INCIDENTS
            assert tally.missing is None, tally.missing[:10]
            assert handovers == 1
            assert duplicated == 0
            assert [m["key"] for m in outbox if m["kind"] == "handover"] != []
            unsent = [m for m in outbox if m["status"] != "sent" and m["kind"] != "coverage_gap"]
            assert unsent == [], unsent[:3]
            assert_no_traceback(*servers)
        finally:
            for server in servers:
                stop_server(server)
            await db.close()
