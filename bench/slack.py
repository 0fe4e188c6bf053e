"""Slack: alert to DM, button click to answer, and a storm into one channel. Prints figures,
asserts nothing (house rule 9).

Run: ``.venv/bin/python -m bench.slack``. Loopback only, SQLite in a temporary folder, about
three minutes on two cores (the storm is waited for up to two minutes). ``oncall serve``
(HTTP process and worker process) talks to the fake Slack Web API of ``tests/fake_slack.py``,
which runs in this process next to the load generator and, like Slack, refuses a second
``chat.postMessage`` to one channel within a second (HTTP 429, counted as ``rate_limited``).
Three measurements:

1. alert to DM: Alertmanager deliveries, each a new group (a new incident), at 10 and then 100
   a second for 10 s, round robin over 200 services whose one-tier policies page 200
   different people (so no DM gets more than one post a second: the path is measured, not the
   rate limit); from the instant each delivery was due to the fake's receipt of the
   ``chat.postMessage`` to the paged person's DM that names its group;
2. button to answer: during the 100-a-second run, 200 signed ``block_actions`` posts (20 a
   second) of Acknowledge on the DM cards already posted, by the person paged; from the
   instant each was due to the HTTP 200 (Bolt acknowledges before the use case runs), and to
   the ephemeral reply posted to its ``response_url``;
3. a storm: 500 new incidents of one service (one team, channel ``C0STORM``, one person paged)
   sent as fast as the server takes them; the time until every incident is in the channel
   (its own card or a line in a digest, as recorded in ``card_copies``), the channel posts
   and the 429s; and, meanwhile, ten pages of other services to other people, one a second.

On two cores the fake and the load generator share the CPU with the two server processes, so
the fake's receive times include some waiting for this process's event loop.
"""

from __future__ import annotations

import asyncio
import math
import os
import tempfile
import time
from collections import Counter
from pathlib import Path

import aiohttp

from bench.alerts import REQUEST_TIMEOUT, line, ms, payload
from bench.slack_setup import (
    PEOPLE,
    SECRET,
    TimedFake,
    ack_buttons,
    groups_in,
    many_people_config,
    paced,
    pct,
    seconds,
    slack_id,
    slack_serve,
    top_posts,
    wait_dms,
)
from bench.slack_storm import STORM, delayed, storm
from tests.slack_requests import block_actions_body, signed_headers

RATES, SECONDS = (10, 100), 10
CLICKS, CLICK_RATE, CLICKS_FROM = 200, 20, 1.0  # clicks start 1 s into the 100/s run
TARGET_CLICK_P99_MS = 300


class Groups:
    """Group names and bodies, round robin over the services (one person each)."""

    def __init__(self) -> None:
        self.next = 0

    def make(self, name: str, count: int) -> list[tuple[str, bytes]]:
        bodies = []
        for i in range(count):
            group, service = f"g-{name}-{i}", f"svc{self.next % PEOPLE:03d}"
            bodies.append((group, payload(group, service=service)))
            self.next += 1
        return bodies


async def clicks(base: str, fake: TimedFake) -> tuple[list[float], list[float], Counter]:
    """``CLICKS`` Acknowledge clicks, ``CLICK_RATE`` a second, each on the oldest DM card not
    clicked yet (the newest again when none is left), by the person it was posted to.
    Returns the latencies to the HTTP answer and to the ``response_url`` reply, the statuses."""
    user_of = {fake.dm_channel(slack_id(i)): slack_id(i) for i in range(PEOPLE)}
    answered: list[float] = []
    replied: list[float] = []
    statuses: Counter[int | str] = Counter()
    due_of: dict[str, float] = {}
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
    async with aiohttp.ClientSession(timeout=timeout) as http:
        start = time.monotonic()

        async def one(k: int) -> None:
            due = due_of[f"click-{k}"] = start + k / CLICK_RATE
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            cards = [c for c in top_posts(fake) if ack_buttons(c)]
            card = cards[min(k, len(cards) - 1)]
            channel = str(card.answer["channel"])
            body = block_actions_body(
                "incident.acknowledge",
                ack_buttons(card)[0],
                user_of[channel],
                channel_id=channel,
                message_ts=str(card.answer["ts"]),
                response_url=fake.response_url(f"click-{k}"),
            )
            try:
                async with http.post(
                    f"{base}/slack/events", data=body, headers=signed_headers(SECRET, body)
                ) as response:
                    await response.read()
                    statuses[response.status] += 1
                answered.append(time.monotonic() - due)
            except (TimeoutError, aiohttp.ClientError) as exc:
                statuses[type(exc).__name__] += 1
                answered.append(math.inf)

        await asyncio.gather(*(one(k) for k in range(CLICKS)))
        deadline = time.monotonic() + 30
        while len(fake.response_at) < CLICKS and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.1)
    replied = [at - due_of[name] for name, at in fake.response_at.items() if name in due_of]
    return answered, replied, statuses


async def alert_to_dm(folder: Path) -> None:
    config = many_people_config(folder)
    groups = Groups()
    async with TimedFake() as fake:
        with slack_serve(folder, config, fake, "slack-dm") as (base, _url):
            warm = groups.make("warm", 20)
            await paced(base, warm, 20)
            await wait_dms(fake, [g for g, _ in warm], 30)
            for rate in RATES:
                bodies = groups.make(f"r{rate}x", rate * SECONDS)
                limited = fake.rate_limited
                clicking = None
                if rate == max(RATES):
                    clicking = asyncio.create_task(delayed(CLICKS_FROM, clicks(base, fake)))
                run, due_at = await paced(base, bodies, rate)
                print(line(f"alerts at {rate}/s", run))
                seen = await wait_dms(fake, list(due_at), 60)
                delays = [seen[g] - due for g, due in due_at.items() if g in seen]
                missing = len(due_at) - len(delays)
                last = max((seen[g] for g in due_at if g in seen), default=math.nan)
                span = last - min(due_at.values())
                print(
                    f"  {'alert to DM':<24} {seconds(delays)}   ({len(delays)} DMs"
                    + (f", {missing} not seen within 60 s" if missing else "")
                    + f", the last {span:.1f} s after the first delivery: "
                    f"{len(delays) / span:.0f} DMs/s; {fake.rate_limited - limited} rate limited)"
                )
                if clicking is not None:
                    answered, replied, statuses = await clicking
                    report_clicks(answered, replied, statuses)
            posts = top_posts(fake)
            digests = sum(1 for c in posts if len(groups_in(c)) > 1)
            methods = Counter(c.method for c in fake.received)
            print(
                f"  fake Slack: {len(posts)} DM posts ({digests} of them digests), calls "
                + ", ".join(f"{m} {n}" for m, n in sorted(methods.items()))
                + f"; rate_limited {fake.rate_limited}"
            )


def report_clicks(answered: list[float], replied: list[float], statuses: Counter) -> None:
    bad = {k: v for k, v in statuses.items() if k != 200}
    answered_ms = sorted(x * 1000 for x in answered)
    print(
        f"  {'click to HTTP 200':<24} p50 {ms(pct(answered_ms, 0.5))}   "
        f"p99 {ms(pct(answered_ms, 0.99))}   max {ms(answered_ms[-1])}   ({len(answered)} clicks"
        f" at {CLICK_RATE}/s; target p99 < {TARGET_CLICK_P99_MS} ms)"
        + (f"  not 200: {bad}" if bad else "")
    )
    print(
        f"  {'click to ephemeral reply':<24} {seconds(replied)}   "
        f"({len(replied)} replies to response_url)"
    )


async def main() -> None:
    began = time.perf_counter()
    print(f"Slack ({os.cpu_count()} CPUs, SQLite, loopback, fake Slack at one post/s/channel)")
    with tempfile.TemporaryDirectory(prefix="oncall-bench-slack-") as tmp:
        folder = Path(tmp)
        print(
            f"Alert to DM: new incidents at {' and '.join(map(str, RATES))}/s for {SECONDS} s, "
            f"round robin over {PEOPLE} services and people; {CLICKS} Acknowledge clicks at "
            f"{CLICK_RATE}/s during the {max(RATES)}/s run"
        )
        await alert_to_dm(folder)
        print(f"Storm: {STORM} new incidents of one service, one team channel, one person")
        await storm(folder)
    print(f"(bench took {time.perf_counter() - began:.0f} s)")


if __name__ == "__main__":
    asyncio.run(main())
