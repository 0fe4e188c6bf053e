"""What :mod:`bench.slack` runs against: configurations, the fake Slack, ``oncall serve`` with
Slack on, an open-loop sender that remembers when each group was sent, and readers of what
the fake received."""

from __future__ import annotations

import asyncio
import json
import math
import re
import statistics
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from bench.alerts import ONCALL, REQUEST_TIMEOUT, Run, oncall_env, process, send
from tests.fake_slack import Call, FakeSlack

SECRET = "bench-signing-secret"
BOT_TOKEN = "xoxb-bench-token"
PEOPLE = 200  # one service and one one-tier policy each; ten teams of twenty services
TEAMS = 10
STORM_CHANNEL = "C0STORM"
BYSTANDERS = 10
GROUP = re.compile(r"\((g-[a-z0-9]+-\d+)\)")  # the group in the summary "... (g-r10x-12)"


def slack_id(i: int) -> str:
    return f"U0P{i:04d}"


def many_people_config(folder: Path) -> Path:
    """``PEOPLE`` people with a ``slack:`` id, each the one tier of their own service's
    policy; teams without a Slack channel, so the only posts are the DMs."""
    people = [
        f"  - {{id: p{i:03d}, name: Person {i}, slack: {slack_id(i)}}}" for i in range(PEOPLE)
    ]
    per_team = PEOPLE // TEAMS
    teams = [f"  - {{id: t{t}, managers: [p{t * per_team:03d}]}}" for t in range(TEAMS)]
    policies = [
        f"  - {{id: pol{i:03d}, tiers: [{{targets: [person:p{i:03d}], escalate_after: 1h}}]}}"
        for i in range(PEOPLE)
    ]
    services = [
        f"  - {{id: svc{i:03d}, team: t{i // per_team}, escalation_policy: pol{i:03d}, "
        f"match: {{service: svc{i:03d}}}}}"
        for i in range(PEOPLE)
    ]
    path = folder / "many-people.yaml"
    path.write_text(
        "\n".join(
            [
                *("version: 1", "people:", *people, "teams:", *teams),
                *("escalation_policies:", *policies, "services:", *services),
            ]
        )
        + "\n"
    )
    return path


def storm_config(folder: Path) -> Path:
    """The storm's team (channel ``C0STORM``, one service, Sam paged) and, to see whether the
    storm holds up other pages, a calm team of ``BYSTANDERS`` people, each paged by their own
    service, with no channel."""
    calm = range(BYSTANDERS)
    path = folder / "storm.yaml"
    path.write_text(
        "\n".join(
            [
                "version: 1",
                "people:",
                "  - {id: sam, name: Sam Storm, slack: U0SAM0001}",
                *(f"  - {{id: b{i}, name: Bystander {i}, slack: {bystander(i)}}}" for i in calm),
                "teams:",
                f"  - {{id: storm, managers: [sam], slack_channel: {STORM_CHANNEL}}}",
                "  - {id: calm, managers: [b0]}",
                "escalation_policies:",
                "  - {id: storm, tiers: [{targets: [person:sam], escalate_after: 1h}]}",
                *(
                    f"  - {{id: calm{i}, tiers: [{{targets: [person:b{i}], escalate_after: 1h}}]}}"
                    for i in calm
                ),
                "services:",
                "  - {id: api, name: Storm API, team: storm, escalation_policy: storm,"
                " match: {service: api}}",
                *(
                    f"  - {{id: calm{i}, team: calm, escalation_policy: calm{i},"
                    f" match: {{service: calm{i}}}}}"
                    for i in calm
                ),
            ]
        )
        + "\n"
    )
    return path


def bystander(i: int) -> str:
    return f"U0CALM{i:03d}"


class TimedFake(FakeSlack):
    """The fake Slack that also notes when each ``response_url`` post arrived."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(token=BOT_TOKEN, post_spacing=1.0, **kwargs)
        self.response_at: dict[str, float] = {}

    async def _response(self, request: web.Request) -> web.Response:
        answer = await super()._response(request)
        self.response_at.setdefault(request.match_info["name"], time.monotonic())
        return answer


@contextmanager
def slack_serve(
    folder: Path, config: Path, fake: FakeSlack, name: str
) -> Iterator[tuple[str, str]]:
    """``oncall serve`` with Slack on (the fake's URL), fresh SQLite; (base URL, database URL)."""
    url = f"sqlite+aiosqlite:///{folder / (name + '.db')}"
    env = oncall_env(url, config) | {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake.api_url,
    }
    with process([ONCALL, "serve"], env, folder, name) as base:
        yield base, url


async def paced(base: str, bodies: list[tuple[str, bytes]], rate: float) -> tuple[Run, dict]:
    """Open loop like :func:`bench.alerts.fixed_rate`; also gives each group's due instant
    (``time.monotonic()``, the clock of the fake's ``Call.at``)."""
    url = f"{base}/alerts/alertmanager"
    latencies: list[float] = []
    statuses: Counter[int | str] = Counter()
    due_at: dict[str, float] = {}
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        start = time.monotonic() + 0.2

        async def one(i: int, group: str, body: bytes) -> None:
            due = due_at[group] = start + i / rate
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            begin = time.perf_counter()  # send() answers in perf_counter time
            late = time.monotonic() - due
            latencies.append(await send(session, url, body, statuses) - begin + late)

        await asyncio.gather(*(one(i, g, b) for i, (g, b) in enumerate(bodies)))
        elapsed = time.monotonic() - start
    return Run(elapsed, latencies, statuses), due_at


async def flood(base: str, bodies: list[bytes], concurrency: int = 32) -> Run:
    """Closed loop, as fast as the server answers (``bench.alerts.closed_loop`` without its
    time cap)."""
    from bench.alerts import closed_loop

    return await closed_loop(base, bodies, concurrency=concurrency, cap=math.inf)


# Reading what the fake received ------------------------------------------------------------


def top_posts(fake: FakeSlack, channel: str | None = None) -> list[Call]:
    """Successful ``chat.postMessage`` calls that are not thread replies (cards, digests),
    to ``channel`` or to any DM."""
    return [
        c
        for c in fake.received
        if c.method == "chat.postMessage"
        and c.ok
        and "thread_ts" not in c.params
        and (c.params.get("channel") == channel if channel else str(c.answer["channel"])[0] == "D")
    ]


def groups_in(call: Call) -> list[str]:
    """The group names an incident card or digest names (its title ends "(group)")."""
    text = str(call.params.get("text", "")) + json.dumps(call.params.get("blocks"), default=str)
    return list(dict.fromkeys(GROUP.findall(text)))


def ack_buttons(call: Call) -> list[str]:
    """Values of the Acknowledge buttons in a posted message's blocks (incident ids)."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("action_id") == "incident.acknowledge" and "value" in node:
                found.append(str(node["value"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    blocks = call.params.get("blocks")
    walk(json.loads(blocks) if isinstance(blocks, str) else blocks)
    return found


def seconds(values: list[float]) -> str:
    if not values:
        return "none"
    return (
        f"p50 {statistics.median(values):5.2f} s   p99 {pct(values, 0.99):5.2f} s   "
        f"max {max(values):5.2f} s"
    )


def dm_seen(fake: FakeSlack) -> dict[str, float]:
    """Group name -> when the fake received the first DM post naming it."""
    seen: dict[str, float] = {}
    for call in top_posts(fake):
        for group in groups_in(call):
            seen.setdefault(group, call.at)
    return seen


async def wait_dms(fake: FakeSlack, groups: list[str], within: float) -> dict[str, float]:
    deadline = time.monotonic() + within
    while True:
        seen = dm_seen(fake)
        if all(g in seen for g in groups) or time.monotonic() > deadline:
            return seen
        await asyncio.sleep(0.2)


def pct(values: list[float], q: float) -> float:
    """Nearest-rank quantile, as :meth:`bench.alerts.Run.pct` (same units as ``values``)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]
