"""Issue 13, crashes: ``oncall serve`` SIGKILLed while escalations are due, and its worker
SIGKILLed while the outbox is delivering 30 pages, each followed by a restart; the fake Slack's
messages are counted per person (one page each): every page delivered, none twice as the
person sees it.

The worker variant kills the worker from inside the fake Slack, right after it carried out a
page and before answering it: that page is in Slack and not recorded anywhere, the one repeat
Slack could show; the Slack destination finds it again by the outbox key in its message
metadata (bot/handlers/slack/redelivery.py). Pages in flight wait for their lease (60 s) to
run out before the restarted worker takes them: that wait is most of this scenario's time.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest

from tests.integration.test_escalation_durability import (
    Server,
    Tables,
    assert_no_traceback,
    post_together,
    start_server,
    stop_server,
    until,
)
from tests.proof.crash_harness import (
    KillingSlack,
    alert,
    count_pages,
    kill_all,
    slack_env,
    slack_id,
    write_config,
)
from tests.proof.report import record

pytestmark = pytest.mark.proof
INCIDENTS = 30
FOUND_AGAIN = "posted before (ts"  # bot.handlers.slack.redelivery's log line


async def open_incidents(server: Server) -> None:
    """Post the 30 deliveries at one instant (threads), off the event loop the fake runs on."""
    calls = [(server.base, alert(n)) for n in range(1, INCIDENTS + 1)]
    answers = await asyncio.to_thread(post_together, calls)
    assert [status for status, _ in answers] == [202] * INCIDENTS, answers


def people(tier: str) -> list[str]:
    return [f"{tier}{n:02d}" for n in range(1, INCIDENTS + 1)]


async def pages_settled(db: Tables) -> bool:
    """Every page row written is sent (none pending, none failed)."""
    rows = await db.pages()
    return bool(rows) and all(r["status"] == "sent" for r in rows)


def found_again(*servers: Server) -> int:
    return sum(s.stderr().count(FOUND_AGAIN) for s in servers)


def stop_everything(servers: list[Server]) -> None:
    """Stop the servers, then SIGKILL any worker of theirs still running (no orphans)."""
    for server in servers:
        stop_server(server)
    kill_all([pid for s in servers for pid in s.workers()])


async def test_serve_sigkill_while_escalations_are_due(postgres_url: str, tmp_path: Path) -> None:
    config = write_config(tmp_path, INCIDENTS, "20s")
    db = Tables(postgres_url)
    servers: list[Server] = []
    everyone = people("a") + people("b")
    async with KillingSlack() as fake:
        try:
            env = slack_env(fake)
            first = await asyncio.to_thread(
                start_server, postgres_url, config, tmp_path, "first", extra_env=env
            )
            servers.append(first)
            await open_incidents(first)

            async def tier_one() -> bool:
                return count_pages(fake, people("a")).delivered == INCIDENTS

            await until(tier_one, f"{INCIDENTS} tier-1 pages in Slack", within=120)
            # The escalations fall due 20 s after each opening: serve dies at the third
            # tier-2 page, with the rest of the steps due or firing.
            tier_two = {fake.dm_channel(slack_id(p)) for p in people("b")}
            posted: list[str] = []

            def third_tier_two(answer: dict[str, Any]) -> int | None:
                if answer["channel"] in tier_two:
                    posted.append(answer["channel"])
                return first.pid if len(posted) == 3 else None

            fake.kill = third_tier_two

            async def killed() -> bool:
                return fake.killed_at is not None

            await until(killed, "the third tier-2 page (escalations due)", within=120)
            await asyncio.to_thread(first.proc.wait, 15)
            killed_at = fake.killed_at
            assert killed_at is not None
            before_restart = count_pages(fake, people("b")).delivered
            second = await asyncio.to_thread(
                start_server, postgres_url, config, tmp_path, "second", extra_env=env
            )
            servers.append(second)

            async def all_paged() -> bool:
                return (
                    count_pages(fake, everyone).delivered == len(everyone)
                    and await pages_settled(db)
                    and len(await db.pages()) == len(everyone)
                )

            await until(all_paged, f"all {len(everyone)} pages delivered and sent", within=150)
            restart_s = time.monotonic() - killed_at

            async def orphan_gone() -> bool:
                return first.workers("stopped") == first.workers("started") != []

            await until(orphan_gone, "the killed server's worker to stop by itself", within=60)
            count = count_pages(fake, everyone)
            rows = await db.pages()
            record(
                "crash: serve SIGKILL while escalations are due",
                f"{INCIDENTS} incidents paged tier 1; oncall serve SIGKILLed at the 3rd of "
                f"{INCIDENTS} due tier-2 pages; restarted; pages counted in the fake Slack "
                "(per incident, person, tier)",
                expected=count.expected,
                delivered=count.delivered,
                duplicated=count.duplicated,
                restart_s=restart_s,
                tier2_before_restart=before_restart,
                redelivered_rows=sum(1 for r in rows if r["attempts"] > 1),
                found_by_metadata=found_again(*servers),
                unexpected=count.unexpected,
            )
            assert count.unexpected == 0, fake.describe()
            assert (count.delivered, count.duplicated) == (count.expected, 0), count.detail
            assert_no_traceback(second)
        finally:
            await asyncio.to_thread(stop_everything, servers)
            await db.close()


async def test_worker_sigkill_while_the_outbox_delivers(postgres_url: str, tmp_path: Path) -> None:
    config = write_config(tmp_path, INCIDENTS, "1h")
    db = Tables(postgres_url)
    servers: list[Server] = []
    async with KillingSlack() as fake:
        try:
            server = await asyncio.to_thread(
                start_server, postgres_url, config, tmp_path, "one", extra_env=slack_env(fake)
            )
            servers.append(server)

            async def one_worker() -> bool:
                return len(server.workers()) == 1

            await until(one_worker, "the worker process to start", within=60)
            (worker,) = server.workers()
            pages: list[str] = []

            def tenth_page(answer: dict[str, Any]) -> int | None:
                pages.append(answer["channel"])
                return worker if len(pages) == 10 else None

            fake.kill = tenth_page  # killed after Slack took the 10th page, before it answers
            await open_incidents(server)

            async def killed() -> bool:
                return fake.killed_at is not None

            await until(killed, "the 10th page (the worker is killed then)", within=120)
            killed_at = fake.killed_at
            assert killed_at is not None
            leased = [r for r in await db.pages() if r["status"] == "pending" and r["lease_until"]]

            async def restarted() -> bool:
                return len(server.workers()) == 2

            await until(restarted, "serve to start the worker again", within=60)
            worker_back_s = time.monotonic() - killed_at

            async def all_paged() -> bool:
                return (
                    count_pages(fake, people("a")).delivered == INCIDENTS
                    and len(await db.pages()) == INCIDENTS
                    and await pages_settled(db)
                )

            # Pages the killed worker held come back when their lease (60 s) runs out.
            await until(all_paged, f"all {INCIDENTS} pages delivered and sent", within=180)
            restart_s = time.monotonic() - killed_at
            count = count_pages(fake, people("a"))
            rows = await db.pages()
            record(
                "crash: worker SIGKILL while the outbox delivers",
                f"{INCIDENTS} incidents opened at once; the worker SIGKILLed right after Slack "
                "took the 10th page (its answer never read); serve restarts it; pages counted "
                "in the fake Slack",
                expected=count.expected,
                delivered=count.delivered,
                duplicated=count.duplicated,
                restart_s=restart_s,
                worker_back_s=worker_back_s,
                in_flight_at_kill=len(leased),
                redelivered_rows=sum(1 for r in rows if r["attempts"] > 1),
                found_by_metadata=found_again(server),
                unexpected=count.unexpected,
            )
            assert count.unexpected == 0, fake.describe()
            assert (count.delivered, count.duplicated) == (count.expected, 0), count.detail
            assert found_again(server) >= 1  # the 10th page, posted but never recorded
            assert "the worker process exited with status -9" in server.stderr()
        finally:
            await asyncio.to_thread(stop_everything, servers)
            await db.close()
