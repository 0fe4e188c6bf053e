"""A running bot with Teams on, against the fake identity provider and the fake connector:
what the Teams tests share. Tokens are real (signed with the fake provider's key) both ways."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.handlers.teams.auth import teams_adapter
from bot.handlers.teams.destination import TeamsDestination
from bot.handlers.teams.sender import TeamsSender
from bot.settings import Settings
from core.config.apply import apply_configuration
from core.incidents.ports import AlertBatch
from core.incidents.service import ingest
from scheduling.outbox import LogDestination, OutboxSender
from storage.incident_tables import OutboxRow
from storage.uow import SqlUnitOfWork, session_factory
from tests.fake_identity import FakeIdentity
from tests.fake_teams import FakeConnector
from tests.fakes import FrozenClock
from tests.integration.slack_harness import POLICIES, SERVICES, T0, alert
from tests.support import running_app
from tests.teams_activities import (
    card_action,
    channel_message,
    installation_update,
    personal_message,
    post_activity,
)
from tests.unit.oncall.common import at, config

__all__ = ["T0", "TeamsBot", "alert", "teams_bot"]

TEAM = "19:ops-team@thread.tacv2"  # the team's id (its General channel)
ALERTS = "19:ops-alerts@thread.tacv2"  # the team's teams_channel
AAD = {
    n: f"00000000-0000-4000-8000-0000000000{i:02d}"
    for i, n in enumerate(("ann", "bob", "cat", "dan"))
}
USERS = {  # person -> (Teams user id, AAD object id, name)
    "ann": ("29:ann", AAD["ann"], "Ann"),
    "bob": ("29:bob", AAD["bob"], "Bob"),
    "cat": ("29:cat", AAD["cat"], "Cat"),
    "dan": ("29:dan", AAD["dan"], "Dan"),
}
PEOPLE = [
    {"id": "ann", "name": "Ann", "teams": AAD["ann"], "email": "ann@example.com"},
    {"id": "bob", "name": "Bob", "email": "bob@example.com"},  # found by email
    {"id": "cat", "name": "Cat", "email": "cat@example.com"},
    {"id": "dan", "name": "Dan", "teams": "29:dan"},
]
TEAMS = [
    {"id": "ops", "name": "Ops", "managers": ["dan"], "teams_channel": ALERTS},
    {"id": "web"},
]


def unit(engine: AsyncEngine) -> SqlUnitOfWork:
    return SqlUnitOfWork(session_factory(engine))


@dataclass
class TeamsBot:
    url: str
    engine: AsyncEngine
    identity: FakeIdentity
    connector: FakeConnector
    clock: FrozenClock
    sender: OutboxSender

    async def post(self, activity: dict[str, Any], token: str | None = "") -> tuple[int, Any]:
        """Post an activity to /api/messages with a valid token (``token=None``: none at all;
        a string: that token)."""
        if token == "":
            token = self.identity.token(service_url=self.connector.url)
        return await post_activity(f"{self.url}/api/messages", activity, token)

    def personal(self, person: str, text: str) -> dict[str, Any]:
        user, aad, name = USERS[person]
        return personal_message(
            text,
            user_id=user,
            aad_object_id=aad,
            service_url=self.connector.url,
            conversation_id=f"a:chat-{person}",
            user_name=name,
        )

    def in_channel(self, person: str, text: str) -> dict[str, Any]:
        user, aad, name = USERS[person]
        return channel_message(
            text,
            team_id=TEAM,
            channel_id=ALERTS,
            service_url=self.connector.url,
            user_id=user,
            aad_object_id=aad,
            user_name=name,
        )

    def click(
        self, person: str, verb: str, data: dict[str, Any], conversation: str
    ) -> dict[str, Any]:
        user, aad, name = USERS[person]
        return card_action(
            verb,
            data,
            service_url=self.connector.url,
            user_id=user,
            aad_object_id=aad,
            conversation_id=conversation,
            user_name=name,
        )

    async def install_personal(self, person: str) -> None:
        user, aad, _ = USERS[person]
        status, _ = await self.post(
            installation_update(
                "add",
                "personal",
                service_url=self.connector.url,
                user_id=user,
                aad_object_id=aad,
                conversation_id=f"a:chat-{person}",
            )
        )
        assert status == 200

    async def install_team(self) -> None:
        status, _ = await self.post(
            installation_update("add", "team", service_url=self.connector.url, team_id=TEAM)
        )
        assert status == 200

    async def ingest(self, batch: AlertBatch | None = None) -> int:
        result = await ingest(unit(self.engine), batch or alert(), self.clock.now())
        assert result.incident_id is not None
        return result.incident_id

    async def deliver(self) -> int:
        """Deliver every ready outbox message (spacing and retry slots are waited out)."""
        total = 0
        for _ in range(60):
            total += await self.sender.run_once(self.clock.now())
            if not await self.pending():
                return total
            self.clock.advance(seconds=1)
        return total

    async def pending(self) -> list[Any]:
        async with self.engine.connect() as conn:
            query = select(OutboxRow).where(OutboxRow.status == "pending")
            return list((await conn.execute(query)).all())

    async def outbox(self) -> list[Any]:
        async with self.engine.connect() as conn:
            return list((await conn.execute(select(OutboxRow).order_by(OutboxRow.id))).all())


@asynccontextmanager
async def teams_bot(engine: AsyncEngine, *, clock: Any = None) -> AsyncIterator[TeamsBot]:
    """The bot with Teams on (HTTP in this process, the outbox sender driven by the test)."""
    cfg = config(people=PEOPLE, teams=TEAMS, escalation_policies=POLICIES, services=SERVICES)
    await apply_configuration(unit(engine), cfg, actor="t", source="t", now=at("2026-03-01 00:00"))
    with FakeIdentity() as identity, FakeConnector(identity) as connector:
        for user, aad, name in USERS.values():
            connector.members[user] = {
                "id": user,
                "name": name,
                "aadObjectId": aad,
                "email": f"{name.lower()}@example.com",
                "userPrincipalName": f"{name.lower()}@example.com",
            }
        connector.channels[TEAM] = [
            {"id": TEAM, "name": "General"},
            {"id": ALERTS, "name": "Alerts"},
        ]
        clock = clock or FrozenClock(T0)
        settings = {k: str(v) for k, v in identity.settings_kwargs().items()}
        sessions = session_factory(engine)

        def new_unit() -> SqlUnitOfWork:
            return SqlUnitOfWork(sessions)

        def read_unit() -> SqlUnitOfWork:
            return SqlUnitOfWork(sessions, write=False)

        app_settings = Settings(**settings)  # type: ignore[arg-type]
        teams = TeamsSender(teams_adapter(app_settings), identity.app_id)
        destination = TeamsDestination(teams, new_unit, read_unit, clock, "http://127.0.0.1")
        chosen = {"chat": destination, "ticket": LogDestination("ticket")}
        sender = OutboxSender(new_unit, chosen, jitter=lambda: 0.0)
        async with running_app(engine, clock, **settings) as url:
            try:
                yield TeamsBot(url, engine, identity, connector, clock, sender)
            finally:
                await sender.close()
