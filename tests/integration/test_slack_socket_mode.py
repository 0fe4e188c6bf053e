"""Socket Mode: with SLACK_APP_TOKEN the same listeners answer over a WebSocket, no public URL.

The fake Slack hands out a ``ws://`` URL for the app-level token; the bot connects, and
envelopes pushed there (a slash command, a button click) are acknowledged over the socket and
answered through the response URL, as over HTTP."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.commands.actions import Action
from core.config.apply import apply_configuration
from tests.fake_slack import FakeSlack
from tests.fakes import FrozenClock
from tests.integration.slack_harness import (
    PEOPLE,
    POLICIES,
    SERVICES,
    T0,
    TEAMS,
    TOKEN,
    alert,
    unit,
)
from tests.slack_requests import block_actions_body, slash_command_body
from tests.support import running_app
from tests.unit.oncall.common import at, config

APP_TOKEN = "xapp-1-socket-test"


async def test_commands_and_buttons_over_socket_mode(engine: AsyncEngine) -> None:
    from core.incidents.service import ingest

    cfg = config(people=PEOPLE, teams=TEAMS, escalation_policies=POLICIES, services=SERVICES)
    await apply_configuration(unit(engine), cfg, actor="t", source="t", now=at("2026-03-01 00:00"))
    result = await ingest(unit(engine), alert(), T0)
    async with FakeSlack(token=TOKEN) as fake:
        fake.app_token = APP_TOKEN
        settings = {
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_APP_TOKEN": APP_TOKEN,
            "SLACK_API_URL": fake.api_url,
        }
        async with running_app(engine, FrozenClock(T0), **settings):
            await fake.socket_connected()
            (opened,) = fake.calls("apps.connections.open")
            assert opened.token == APP_TOKEN

            body = slash_command_body("who", "U0ANN", response_url=fake.response_url("who"))
            command = dict(parse_qsl(body.decode()))
            envelope = await fake.socket_send("slash_commands", command)
            assert (await fake.socket_ack(envelope))["envelope_id"] == envelope
            (answer,) = await fake.wait_for_response("who")
            assert "On call now: Ann" in answer["text"]

            click = block_actions_body(
                Action.ACKNOWLEDGE.value,
                str(result.incident_id),
                "U0ANN",
                channel_id="C0OPS",
                message_ts="1.0",
                response_url=fake.response_url("ack"),
            )
            payload = json.loads(dict(parse_qsl(click.decode()))["payload"])
            envelope = await fake.socket_send("interactive", payload)
            await fake.socket_ack(envelope)
            (acked,) = await fake.wait_for_response("ack")
            assert "You acknowledged #1" in acked["text"]


async def test_without_a_signing_secret_the_http_endpoint_refuses_everything(
    engine: AsyncEngine,
) -> None:
    import aiohttp

    from tests.slack_requests import signed_headers

    async with FakeSlack(token=TOKEN) as fake:
        fake.app_token = APP_TOKEN
        settings = {
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_APP_TOKEN": APP_TOKEN,
            "SLACK_API_URL": fake.api_url,
        }
        async with running_app(engine, FrozenClock(T0), **settings) as url:
            await fake.socket_connected()
            body = slash_command_body("who", "U0ANN", response_url=fake.response_url("x"))
            async with (
                aiohttp.ClientSession() as http,
                http.post(
                    f"{url}/slack/events", data=body, headers=signed_headers("any-secret", body)
                ) as resp,
            ):
                assert resp.status == 401
