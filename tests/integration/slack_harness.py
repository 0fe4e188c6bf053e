"""A running bot with Slack on, against the fake Slack: what the Slack tests share."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import aiohttp
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.handlers.slack.client import web_client
from bot.handlers.slack.destination import SlackDestination
from bot.settings import Settings
from bot.worker import destinations
from core.config.apply import apply_configuration
from core.incidents.ports import AlertBatch, NewAlert
from core.incidents.service import ingest
from scheduling.outbox import OutboxSender
from storage.incident_tables import IncidentRow, OutboxRow
from storage.uow import SqlUnitOfWork, session_factory
from tests.fake_slack import FakeSlack
from tests.fakes import FrozenClock
from tests.slack_requests import block_actions_body, signed_headers, slash_command_body
from tests.support import running_app
from tests.unit.oncall.common import at, config

SECRET = "test-signing-secret"
TOKEN = "xoxb-test-token"
T0 = at("2026-03-02 10:00")  # ann is on call in primary (daily from 09:00: ann, bob)
PEOPLE = [
    {"id": "ann", "name": "Ann", "slack": "U0ANN", "email": "ann@example.com"},
    {"id": "bob", "name": "Bob", "email": "bob@example.com"},
    {"id": "cat", "name": "Cat", "email": "cat@example.com"},
    {"id": "dan", "name": "Dan", "slack": "U0DAN"},
]
TEAMS = [
    {"id": "ops", "name": "Ops", "managers": ["dan"], "slack_channel": "C0OPS"},
    {"id": "web", "slack_channel": "C0WEB"},
]
POLICIES = [
    {
        "id": "ops",
        "tiers": [
            {"targets": ["schedule:primary"], "escalate_after": "5m"},
            {"targets": ["person:dan"], "escalate_after": "10m"},
        ],
    },
    {"id": "web", "tiers": [{"targets": ["schedule:office"], "escalate_after": "5m"}]},
    {"id": "direct", "tiers": [{"targets": ["person:dan"], "escalate_after": "5m"}]},
]
SERVICES = [
    {
        "id": "api",
        "name": "API",
        "team": "ops",
        "escalation_policy": "ops",
        "match": {"service": "api"},
    },
    {"id": "site", "team": "web", "escalation_policy": "web", "match": {"service": "site"}},
    {"id": "batch", "team": "ops", "escalation_policy": "direct"},
    {"id": "orphan", "team": "ops"},
]


def unit(engine: AsyncEngine) -> SqlUnitOfWork:
    return SqlUnitOfWork(session_factory(engine))


def alert(
    key: str = "g1", labels: dict[str, str] | None = None, title: str | None = None
) -> AlertBatch:
    labels = labels or {"service": "api", "severity": "critical", "alertname": "HighErrors"}
    return AlertBatch(
        source="alertmanager",
        key=key,
        status="firing",
        title=title or f"High error rate {key}",
        labels=labels,
        alerts=(NewAlert(f"fp-{key}", "firing", at("2026-03-02 09:59"), None, labels),),
    )


@dataclass
class Bot:
    url: str
    engine: AsyncEngine
    slack: FakeSlack
    clock: FrozenClock
    sender: OutboxSender
    http: aiohttp.ClientSession

    async def post(
        self,
        body: bytes,
        *,
        timestamp: int | None = None,
        secret: str = SECRET,
        headers: dict[str, str] | None = None,
    ) -> aiohttp.ClientResponse:
        sent = {**signed_headers(secret, body, timestamp), **(headers or {})}
        async with self.http.post(f"{self.url}/slack/events", data=body, headers=sent) as resp:
            await resp.read()
            return resp

    async def command(
        self, text: str, user: str = "U0ANN", name: str | None = None
    ) -> dict[str, Any]:
        """Run ``/oncall text`` as ``user``; returns what the bot sent to the response_url."""
        name = name or f"cmd-{time.monotonic_ns()}"
        body = slash_command_body(text, user, response_url=self.slack.response_url(name))
        resp = await self.post(body)
        assert resp.status == 200
        return (await self.slack.wait_for_response(name))[0]

    async def click(
        self,
        action_id: str,
        value: str,
        user: str = "U0ANN",
        *,
        kind: str = "button",
        name: str | None = None,
    ) -> dict[str, Any]:
        name = name or f"click-{time.monotonic_ns()}"
        body = block_actions_body(
            action_id,
            value,
            user,
            channel_id="C0OPS",
            message_ts="1.0",
            response_url=self.slack.response_url(name),
            kind=kind,
        )
        resp = await self.post(body)
        assert resp.status == 200
        return (await self.slack.wait_for_response(name))[0]

    async def ingest(self, batch: AlertBatch) -> int:
        result = await ingest(unit(self.engine), batch, self.clock.now())
        assert result.incident_id is not None
        return result.incident_id

    async def deliver(self) -> int:
        """Deliver every ready outbox message (spacing slots in the future are waited out)."""
        total = 0
        for _ in range(50):
            total += await self.sender.run_once(self.clock.now())
            if not await self.pending():
                return total
            self.clock.advance(seconds=1)
        return total

    async def pending(self) -> list[Any]:
        async with self.engine.connect() as conn:
            return list(
                (await conn.execute(select(OutboxRow).where(OutboxRow.status == "pending"))).all()
            )

    async def outbox(self) -> list[Any]:
        async with self.engine.connect() as conn:
            return list((await conn.execute(select(OutboxRow).order_by(OutboxRow.id))).all())

    async def incident(self, incident_id: int) -> Any:
        async with self.engine.connect() as conn:
            return (
                await conn.execute(select(IncidentRow).where(IncidentRow.id == incident_id))
            ).one()


def blocks_json(call: Any) -> str:
    blocks = call.params.get("blocks")
    return blocks if isinstance(blocks, str) else json.dumps(blocks)


@asynccontextmanager
async def slack_bot(
    engine: AsyncEngine,
    *,
    clock: Any = None,
    post_spacing: timedelta | None = None,
    digest_window: timedelta | None = None,
    post_spacing_fake: float = 0.0,
    **fake_options: Any,
) -> AsyncIterator[Bot]:
    """The bot with Slack on. ``clock`` (default frozen at T0); ``post_spacing`` and
    ``digest_window`` shrink Slack's one-a-second and the sender's 10 s for storm tests
    (the fake then enforces the same spacing)."""
    cfg = config(people=PEOPLE, teams=TEAMS, escalation_policies=POLICIES, services=SERVICES)
    await apply_configuration(unit(engine), cfg, actor="t", source="t", now=at("2026-03-01 00:00"))
    options = {"users_by_email": {"bob@example.com": "U0BOB", "cat@example.com": "U0CAT"}}
    options["post_spacing"] = post_spacing_fake
    async with FakeSlack(token=TOKEN, **{**options, **fake_options}) as fake:
        clock = clock or FrozenClock(T0)
        settings = {
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": fake.api_url,
        }
        sessions = session_factory(engine)

        def new_unit() -> SqlUnitOfWork:
            return SqlUnitOfWork(sessions)

        def read_unit() -> SqlUnitOfWork:
            return SqlUnitOfWork(sessions, write=False)

        chosen = destinations(Settings(**settings), new_unit, read_unit, clock)  # type: ignore[arg-type]
        if True:  # the worker's destination, with Slack's spacing shrunk for quick tests
            chosen["chat"] = SlackDestination(
                web_client(Settings(**settings)),  # type: ignore[arg-type]
                new_unit,
                read_unit,
                clock,
                "http://127.0.0.1",
                post_spacing=post_spacing or timedelta(seconds=0.05),
            )
        sender = OutboxSender(new_unit, chosen, jitter=lambda: 0.0)
        if digest_window is not None:
            sender.digest_window = digest_window
        async with running_app(engine, clock, **settings) as url, aiohttp.ClientSession() as http:
            try:
                yield Bot(url, engine, fake, clock, sender, http)
            finally:
                await sender.close()
