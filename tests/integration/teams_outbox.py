"""The Teams outbox destination against the fake connector and the fake identity provider:
what the Teams destination tests share.

The destination, its sender and botbuilder's ``CloudAdapter`` are the worker's; tokens are real
(msal fetches them from :class:`tests.fake_identity.FakeIdentity`, the connector checks each
one). Conversation references are stored as the Teams handler stores them: ann has a personal
chat with the bot (matched by her AAD object id), dan too (by his ``29:`` user id), bob has a
Teams id but no personal chat, cat has no Teams id at all; the bot is in the ops channel.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.handlers.teams.adaptive import all_actions
from bot.handlers.teams.auth import teams_adapter
from bot.handlers.teams.destination import TeamsDestination
from bot.handlers.teams.sender import TeamsSender
from bot.settings import Settings
from core.chat.ports import ConversationRef
from core.config.apply import apply_configuration
from core.incidents.service import ingest
from scheduling.outbox import Destination, LogDestination, OutboxSender
from storage.incident_tables import OutboxRow
from storage.uow import SqlUnitOfWork, session_factory
from tests.fake_identity import FakeIdentity
from tests.fake_teams import FakeConnector, Recorded
from tests.fakes import FrozenClock
from tests.integration.slack_harness import alert
from tests.unit.oncall.common import at, config

T0 = at("2026-03-02 10:00")  # ann is on call in primary (daily from 09:00: ann, bob)
TENANT = "tenant-1"
BOT = {"id": "28:test-app-id", "name": "On-call"}
ANN_AAD = "0d1e2f3a-4b5c-4d6e-8f70-81a2b3c4d5e6"
BOB_AAD = "1b0b0b0b-4b5c-4d6e-8f70-81a2b3c4d5e6"
DAN_USER = "29:1dan-" + "x" * 60
ANN_CHAT = "a:1ann-" + "p" * 120  # personal chat ids are long
DAN_CHAT = "a:1dan-" + "q" * 120
OPS_TEAM = "19:ops-general@thread.tacv2"  # a team's id is its General channel's
OPS_CHANNEL = "19:ops-oncall@thread.tacv2"
PEOPLE = [
    {"id": "ann", "name": "Ann", "teams": ANN_AAD, "email": "ann@example.com"},
    {"id": "bob", "name": "Bob", "teams": BOB_AAD},
    {"id": "cat", "name": "Cat", "email": "cat@example.com"},
    {"id": "dan", "name": "Dan", "teams": DAN_USER},
]
TEAMS = [
    {"id": "ops", "name": "Ops", "managers": ["dan"], "teams_channel": OPS_CHANNEL},
    {"id": "web"},
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
    {"id": "batch", "team": "ops", "escalation_policy": "direct", "match": {"service": "batch"}},
    {"id": "orphan", "team": "ops"},
]


def personal_ref(service_url: str, chat: str, *, user_id: str, aad: str | None) -> ConversationRef:
    reference = {
        "user": {"id": user_id, "name": "someone", "aadObjectId": aad},
        "bot": BOT,
        "conversation": {"id": chat, "conversationType": "personal", "tenantId": TENANT},
        "channelId": "msteams",
        "serviceUrl": service_url,
    }
    return ConversationRef(
        chat, "personal", service_url, TENANT, None, user_id, aad, reference, True, T0
    )


def channel_ref(service_url: str, channel: str, team: str = OPS_TEAM) -> ConversationRef:
    reference = {
        "user": {"id": "29:someone-in-the-team", "name": "someone"},
        "bot": BOT,
        "conversation": {
            "id": channel,
            "conversationType": "channel",
            "isGroup": True,
            "tenantId": TENANT,
        },
        "channelId": "msteams",
        "serviceUrl": service_url,
    }
    return ConversationRef(
        channel, "channel", service_url, TENANT, team, None, None, reference, True, T0
    )


def card_of(record: Recorded) -> dict[str, Any]:
    """The Adaptive Card a recorded post or update carries."""
    attachments = (record.body or {}).get("attachments") or []
    assert attachments, f"no card in {record.body}"
    content: dict[str, Any] = attachments[0]["content"]
    return content


def verbs(card: dict[str, Any]) -> set[str]:
    return {str(a.get("verb")) for a in all_actions(card) if a.get("type") == "Action.Execute"}


@dataclass
class TeamsOutbox:
    engine: AsyncEngine
    connector: FakeConnector
    identity: FakeIdentity
    clock: FrozenClock
    destination: TeamsDestination
    sender: OutboxSender

    def unit(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(session_factory(self.engine))

    async def save(self, *refs: ConversationRef) -> None:
        async with self.unit() as uow:
            for ref in refs:
                await uow.conversations.save(ref)
            await uow.commit()

    async def ref(self, conversation_id: str) -> ConversationRef | None:
        async with self.unit() as uow:
            return await uow.conversations.get(conversation_id)

    async def ingest(self, labels: dict[str, str] | None = None, key: str = "g1") -> int:
        result = await ingest(self.unit(), alert(key, labels), self.clock.now())
        assert result.incident_id is not None
        return result.incident_id

    async def deliver(self, rounds: int = 30) -> int:
        """Deliver every ready message; the clock moves a second a round (spacing slots and
        backoffs in the future are waited out)."""
        total = 0
        for _ in range(rounds):
            total += await self.sender.run_once(self.clock.now())
            if not await self.outbox("pending"):
                return total
            self.clock.advance(seconds=1)
        return total

    async def outbox(self, status: str | None = None) -> list[Any]:
        query = select(OutboxRow).order_by(OutboxRow.id)
        if status is not None:
            query = query.where(OutboxRow.status == status)
        async with self.engine.connect() as conn:
            return list((await conn.execute(query)).all())


@asynccontextmanager
async def teams_outbox(
    engine: AsyncEngine, identity: FakeIdentity, *, refs: bool = True
) -> AsyncIterator[TeamsOutbox]:
    """The destination over ``engine`` with the configuration above applied a day before T0,
    and (``refs``) ann's and dan's personal chats and the ops channel stored."""
    cfg = config(people=PEOPLE, teams=TEAMS, escalation_policies=POLICIES, services=SERVICES)
    sessions = session_factory(engine)

    def new_unit() -> SqlUnitOfWork:
        return SqlUnitOfWork(sessions)

    def read_unit() -> SqlUnitOfWork:
        return SqlUnitOfWork(sessions, write=False)

    await apply_configuration(new_unit(), cfg, actor="t", source="t", now=at("2026-03-01 00:00"))
    with FakeConnector(identity) as connector:
        settings = Settings(**identity.settings_kwargs())
        spacing = timedelta(seconds=0.01)
        sender = TeamsSender(teams_adapter(settings), identity.app_id, spacing=spacing)
        clock = FrozenClock(T0)
        destination = TeamsDestination(
            sender, new_unit, read_unit, clock, "http://127.0.0.1", spacing=spacing
        )
        chosen: dict[str, Destination] = {"chat": destination, "ticket": LogDestination("ticket")}
        outbox = OutboxSender(new_unit, chosen, jitter=lambda: 0.0)
        harness = TeamsOutbox(engine, connector, identity, clock, destination, outbox)
        if refs:
            url = connector.url
            await harness.save(
                personal_ref(url, ANN_CHAT, user_id="29:1ann-user", aad=ANN_AAD),
                personal_ref(url, DAN_CHAT, user_id=DAN_USER, aad=None),
                channel_ref(url, OPS_CHANNEL),
            )
        try:
            yield harness
        finally:
            await outbox.close()
