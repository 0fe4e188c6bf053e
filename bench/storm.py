"""Issue 13's load storm: 5,000 alerts in 500 groups into ``oncall serve`` with Slack on.

Run: ``.venv/bin/python -m bench.storm --database-url postgresql+asyncpg://...`` (an empty
database; SQLite when left out), or from ``tests/proof/test_load.py``. Prints figures,
asserts nothing.

The set-up (:func:`storm_config`): ``TEAMS`` teams, each with its own Slack channel; each team
owns ``SERVICES // TEAMS`` services, each service paging its own person (one one-tier policy
each). ``GROUPS`` Alertmanager deliveries of ``ALERTS`` alerts each (a new group, so a new
incident) are spread round robin over the services and sent as fast as the server takes them
(32 at a time). So each person is paged ``GROUPS // SERVICES`` times within about a second,
and each team channel receives ``GROUPS // TEAMS`` new incidents.

The fake Slack (:class:`tests.fake_slack.FakeSlack`) runs in this process with Slack's
per-channel limit on: a second successful ``chat.postMessage`` to one channel (a DM is a
channel) within a second is answered HTTP 429. It enforces no per-method tier (Slack's Tier 3
is 50+ calls a minute for ``chat.update`` and ``conversations.open``, Tier 4 100+ for
``auth.test``); :func:`busiest_minute` reports each method's most calls in any 60 s so a run
can be held to them.

What is measured, per page: a page is the paged person's DM showing the incident (its own
card, or a line of a DM digest the bot posts when more pages wait for one person than one a
second clears in 10 s). Its latency runs from the instant this client started the POST of
the delivery to the fake's receipt of the first successful ``chat.postMessage`` or
``chat.update`` into that person's DM that names the group. Team channel cards are paced at
one post a second per channel by design (``GROUPS // TEAMS`` incidents cannot be separate
posts within 10 s), so they are measured the same way but not held to 10 s: the figure is
when each channel showed all its incidents (a card or a digest line each).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from bench.alerts import HEADERS, ONCALL, REQUEST_TIMEOUT, oncall_env, payload, process
from bench.slack_setup import BOT_TOKEN, GROUP, SECRET, TimedFake
from tests.fake_slack import Call, FakeSlack

GROUPS, ALERTS, TEAMS, SERVICES = 500, 10, 10, 50
CONCURRENCY = 32
PAGE_WITHIN = 10.0  # seconds: issue 13's bound from an alert's arrival to its page
WAIT = 90.0  # seconds: how long the storm waits for every page and card
TIERS = {"chat.update": 50, "conversations.open": 50, "auth.test": 100}  # calls a minute


def person(i: int) -> str:
    return f"U0ST{i:04d}"


def team_channel(t: int) -> str:
    return f"C0TEAM{t:03d}"


def group_name(i: int, services: int) -> str:
    return f"g-s{i % services}-{i}"


def storm_config(folder: Path, teams: int = TEAMS, services: int = SERVICES) -> Path:
    per_team = services // teams
    lines = ["version: 1", "people:"]
    lines += [f"  - {{id: p{i}, name: Person {i}, slack: {person(i)}}}" for i in range(services)]
    lines += ["teams:"]
    lines += [
        f"  - {{id: t{t}, managers: [p{t * per_team}], slack_channel: {team_channel(t)}}}"
        for t in range(teams)
    ]
    lines += ["escalation_policies:"]
    lines += [
        f"  - {{id: pol{i}, tiers: [{{targets: [person:p{i}], escalate_after: 1h}}]}}"
        for i in range(services)
    ]
    lines += ["services:"]
    lines += [
        f"  - {{id: s{i}, team: t{i // per_team}, escalation_policy: pol{i}, "
        f"match: {{service: s{i}}}}}"
        for i in range(services)
    ]
    path = folder / "storm.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


@dataclass
class Storm:
    """What one storm gave: per-group page latencies (s), duplicates, channel figures, 429s."""

    groups: int
    accepted: int = 0
    statuses: Counter[int | str] = field(default_factory=Counter)
    page_latency: dict[str, float] = field(default_factory=dict)
    page_ts: defaultdict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    channel_latency: dict[str, float] = field(default_factory=dict)
    channel_ts: defaultdict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    channel_done: dict[str, float] = field(default_factory=dict)
    rate_limited: int = 0
    calls: Counter[str] = field(default_factory=Counter)
    busiest: dict[str, int] = field(default_factory=dict)
    send_seconds: float = 0.0
    dm_posts: int = 0
    channel_posts: int = 0
    read: int = 0  # calls of the fake read so far

    @property
    def delivered(self) -> int:
        return len(self.page_latency)

    @property
    def duplicated(self) -> int:
        return sum(1 for ts in self.page_ts.values() if len(ts) > 1)

    @property
    def channel_duplicated(self) -> int:
        return sum(1 for ts in self.channel_ts.values() if len(ts) > 1)

    @property
    def late(self) -> list[str]:
        return sorted(g for g, s in self.page_latency.items() if s > PAGE_WITHIN)

    @property
    def over_tier(self) -> dict[str, int]:
        return {m: n for m, n in self.busiest.items() if n > TIERS.get(m, math.inf)}


def quantile(values: list[float], q: float) -> float:
    """Nearest rank; nan when empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


async def send_all(base: str, bodies: list[tuple[str, bytes]], result: Storm) -> dict[str, float]:
    """Closed loop, ``CONCURRENCY`` at a time; each group's POST start (monotonic)."""
    url = f"{base}/alerts/alertmanager"
    sent_at: dict[str, float] = {}
    queue = list(reversed(bodies))
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
    async with aiohttp.ClientSession(timeout=timeout) as session:

        async def worker() -> None:
            while queue:
                group, body = queue.pop()
                for _attempt in range(5):  # as Alertmanager retries a failed delivery
                    sent_at[group] = time.monotonic()
                    try:
                        async with session.post(url, data=body, headers=HEADERS) as answer:
                            await answer.read()
                            result.statuses[answer.status] += 1
                            if answer.status in (200, 202):
                                result.accepted += 1
                                break
                    except (TimeoutError, aiohttp.ClientError) as exc:
                        result.statuses[type(exc).__name__] += 1
                    await asyncio.sleep(0.5)

        begin = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        result.send_seconds = time.monotonic() - begin
    return sent_at


def _names(call: Call) -> list[str]:
    blocks = call.params.get("blocks")
    text = str(call.params.get("text", "")) + (
        blocks if isinstance(blocks, str) else json.dumps(blocks, default=str)
    )
    return list(dict.fromkeys(GROUP.findall(text)))


def _where(fake: FakeSlack, call: Call) -> tuple[str, str] | None:
    """(channel, message ts) of a successful top-level post or update, else None."""
    if not call.ok or call.answer is None:
        return None
    if call.method == "chat.postMessage" and "thread_ts" not in call.params:
        return str(call.answer.get("channel")), str(call.answer.get("ts"))
    if call.method == "chat.update":
        channel = str(call.params.get("channel") or call.answer.get("channel"))
        if channel[:1] in ("U", "W"):
            channel = fake.dm_channel(channel)
        return channel, str(call.params.get("ts"))
    return None


def read_fake(
    fake: FakeSlack, sent_at: dict[str, float], owner: dict[str, tuple[str, str]], result: Storm
) -> None:
    """Fill the page and channel figures from the calls the fake received since the last read
    (incremental: the fake shares this process's event loop, so reading must stay cheap)."""
    calls = fake.received[result.read : len(fake.received)]
    result.read += len(calls)
    for call in calls:
        where = _where(fake, call)
        if where is None:
            continue
        channel, ts = where
        if call.method == "chat.postMessage":
            if channel.startswith("D"):
                result.dm_posts += 1
            else:
                result.channel_posts += 1
        for group in _names(call):
            dm, team = owner.get(group, ("", ""))
            if channel not in (dm, team):
                continue
            late = call.at - sent_at.get(group, call.at)
            if channel == dm:
                result.page_latency.setdefault(group, late)
                result.page_ts[group].add(ts)
            else:
                result.channel_latency.setdefault(group, late)
                result.channel_ts[group].add(ts)


def busiest_minute(calls: list[Call]) -> dict[str, int]:
    """Each method's most calls within any 60 s."""
    by_method: defaultdict[str, list[float]] = defaultdict(list)
    for call in calls:
        by_method[call.method].append(call.at)
    most: dict[str, int] = {}
    for method, times in by_method.items():
        times.sort()
        start, best = 0, 0
        for end, at in enumerate(times):
            while at - times[start] >= 60.0:
                start += 1
            best = max(best, end - start + 1)
        most[method] = best
    return most


@contextmanager
def serve(folder: Path, config: Path, fake: FakeSlack, url: str) -> Iterator[str]:
    env = oncall_env(url, config) | {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake.api_url,
    }
    with process([ONCALL, "serve"], env, folder, "storm-serve") as base:
        yield base


async def storm(
    folder: Path,
    database_url: str,
    *,
    groups: int = GROUPS,
    teams: int = TEAMS,
    services: int = SERVICES,
    wait: float = WAIT,
) -> Storm:
    """Run one storm against a fresh ``oncall serve`` on ``database_url``."""
    config = storm_config(folder, teams, services)
    per_team = services // teams
    owner: dict[str, tuple[str, str]] = {}
    bodies: list[tuple[str, bytes]] = []
    result = Storm(groups)
    async with TimedFake() as fake:
        for i in range(groups):
            svc = i % services
            name = group_name(i, services)
            owner[name] = (fake.dm_channel(person(svc)), team_channel(svc // per_team))
            bodies.append((name, payload(name, alerts=ALERTS, service=f"s{svc}")))
        with serve(folder, config, fake, database_url) as base:
            sent_at = await send_all(base, bodies, result)
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline:
                read_fake(fake, sent_at, owner, result)
                if len(result.page_latency) >= groups and len(result.channel_latency) >= groups:
                    break
                await asyncio.sleep(0.25)
            await asyncio.sleep(2.0)  # room for a late duplicate or 429
            read_fake(fake, sent_at, owner, result)
        result.rate_limited = sum(1 for c in fake.received if c.status == 429)
        result.calls = Counter(c.method for c in fake.received)
        result.busiest = busiest_minute(fake.received)
        for group, late in result.channel_latency.items():
            team = owner[group][1]
            result.channel_done[team] = max(result.channel_done.get(team, 0.0), late)
    return result


def report(result: Storm) -> list[str]:
    pages = list(result.page_latency.values())
    cards = list(result.channel_latency.values())
    done = sorted(result.channel_done.values())

    def spread(values: list[float]) -> str:
        if not values:
            return "none"
        return (
            f"p50 {statistics.median(values):5.2f} s   p95 {quantile(values, 0.95):5.2f} s   "
            f"max {max(values):5.2f} s"
        )

    return [
        f"Storm: {result.groups * ALERTS} alerts in {result.groups} groups, sent in "
        f"{result.send_seconds:.2f} s ({result.accepted} accepted; statuses "
        f"{dict(result.statuses)})",
        f"  alert to page (DM)       {spread(pages)}   ({result.delivered} of {result.groups} "
        f"pages, {result.duplicated} in more than one message, {len(result.late)} later than "
        f"{PAGE_WITHIN:.0f} s; {result.dm_posts} DM posts)",
        f"  alert to channel         {spread(cards)}   ({len(cards)} of {result.groups} shown, "
        f"{result.channel_duplicated} in more than one message; "
        f"{result.channel_posts} channel posts)",
        f"  channel complete         {spread(done)}   ({len(done)} channels)",
        f"  fake Slack: 429 {result.rate_limited}; calls "
        + ", ".join(f"{m} {n}" for m, n in sorted(result.calls.items()))
        + "; busiest minute "
        + ", ".join(f"{m} {n}" for m, n in sorted(result.busiest.items()))
        + (f"; OVER TIER {result.over_tier}" if result.over_tier else ""),
    ]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--groups", type=int, default=GROUPS)
    parser.add_argument("--teams", type=int, default=TEAMS)
    parser.add_argument("--services", type=int, default=SERVICES)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="oncall-bench-storm-") as tmp:
        folder = Path(tmp)
        url = args.database_url or f"sqlite+aiosqlite:///{folder / 'storm.db'}"
        result = await storm(
            folder, url, groups=args.groups, teams=args.teams, services=args.services
        )
    print("\n".join(report(result)))


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
