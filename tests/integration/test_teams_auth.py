"""Teams authentication for real: tokens signed with the fake identity's test key, checked by
botbuilder against its OpenID metadata and JWKS; replies sent to the fake connector with an
outgoing token msal got from the fake login endpoint. Nothing in botbuilder is patched.

The bot here is a tiny aiohttp app on the test's loop (``POST /api/messages`` →
``authenticate`` → ``adapter.process_activity``, answering "pong"); the fakes run in threads.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import requests
from aiohttp import web
from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity

from bot.handlers.teams.auth import authenticate, bot_configuration, teams_adapter
from bot.settings import Settings
from tests.fake_identity import EXPIRED, FakeIdentity
from tests.fake_teams import FakeConnector
from tests.teams_activities import personal_message, post_activity


async def _start_bot(settings: Settings) -> tuple[web.AppRunner, str]:
    adapter = teams_adapter(settings)

    async def messages(request: web.Request) -> web.Response:
        activity = Activity().deserialize(await request.json())
        result = await authenticate(adapter, activity, request.headers.get("Authorization"))
        if result is None:
            return web.Response(status=401)

        async def logic(turn: TurnContext) -> None:
            await turn.send_activity("pong")

        invoke = await adapter.process_activity(result, activity, logic)
        if invoke is not None:
            return web.json_response(invoke.body, status=invoke.status)
        return web.Response(status=201)

    app = web.Application()
    app.router.add_post("/api/messages", messages)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    return runner, f"http://127.0.0.1:{port}/api/messages"


@pytest.fixture
async def bot_url(fake_identity: FakeIdentity) -> AsyncIterator[str]:
    runner, url = await _start_bot(Settings(**fake_identity.settings_kwargs()))
    try:
        yield url
    finally:
        await runner.cleanup()


def _hello(connector: FakeConnector) -> dict[str, Any]:
    return personal_message(
        "who payments", user_id="29:ann", aad_object_id="aad-ann", service_url=connector.url
    )


async def test_a_valid_token_is_accepted_and_the_reply_carries_an_issued_token(
    fake_identity: FakeIdentity, fake_connector: FakeConnector, bot_url: str
) -> None:
    activity = _hello(fake_connector)
    token = fake_identity.token(service_url=fake_connector.url)

    status, _ = await post_activity(bot_url, activity, token)

    assert status == 201
    [reply] = fake_connector.sent(activity["conversation"]["id"])
    assert reply.body is not None and reply.body["text"] == "pong"
    assert reply.body["replyToId"] == activity["id"]
    assert reply.authorized  # its bearer token passed FakeIdentity.verify
    assert [t["client_id"] for t in fake_identity.issued] == [fake_identity.app_id]
    assert fake_identity.issued[0]["scope"] == "https://api.botframework.com/.default"


async def test_the_outgoing_token_is_reused_across_turns(
    fake_identity: FakeIdentity, fake_connector: FakeConnector, bot_url: str
) -> None:
    for _ in range(3):
        token = fake_identity.token(service_url=fake_connector.url)
        status, _ = await post_activity(bot_url, _hello(fake_connector), token)
        assert status == 201

    assert len(fake_connector.sent()) == 3
    assert len(fake_identity.issued) == 1


BadToken = Callable[[FakeIdentity, str], str | None]
BAD_TOKENS: dict[str, BadToken] = {
    "no Authorization header": lambda identity, url: None,
    "signed by another key": lambda identity, url: identity.token(service_url=url, other_key=True),
    "expired": lambda identity, url: identity.token(service_url=url, expires_in=EXPIRED),
    "for another audience": lambda identity, url: identity.token(
        service_url=url, audience="someone-else"
    ),
    "from another issuer": lambda identity, url: identity.token(
        service_url=url, issuer="https://evil.example/"
    ),
    "for another serviceUrl": lambda identity, url: identity.token(
        service_url="https://smba.trafficmanager.net/emea/"
    ),
    "with an unknown key id": lambda identity, url: identity.token(service_url=url, kid="nope"),
    "not a JWT": lambda identity, url: "not-a-jwt",
}


@pytest.mark.parametrize("case", list(BAD_TOKENS))
async def test_a_bad_token_is_401_and_nothing_is_sent(
    case: str, fake_identity: FakeIdentity, fake_connector: FakeConnector, bot_url: str
) -> None:
    token = BAD_TOKENS[case](fake_identity, fake_connector.url)

    status, _ = await post_activity(bot_url, _hello(fake_connector), token)

    assert status == 401
    assert fake_connector.records == []
    assert fake_identity.issued == []


async def test_a_header_that_is_not_bearer_is_401(
    fake_identity: FakeIdentity, fake_connector: FakeConnector
) -> None:
    adapter = teams_adapter(Settings(**fake_identity.settings_kwargs()))
    activity = Activity().deserialize(_hello(fake_connector))
    token = fake_identity.token(service_url=fake_connector.url)

    assert await authenticate(adapter, activity, f"Basic {token}") is None
    assert await authenticate(adapter, activity, "") is None
    assert await authenticate(adapter, activity, f"Bearer {token}") is not None


async def test_unreachable_metadata_is_an_error_not_a_401(
    fake_identity: FakeIdentity, fake_connector: FakeConnector
) -> None:
    kwargs = fake_identity.settings_kwargs()
    kwargs["TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL"] = "http://127.0.0.1:9/nothing-here"
    adapter = teams_adapter(Settings(**kwargs))
    activity = Activity().deserialize(_hello(fake_connector))

    with pytest.raises(requests.RequestException):
        await authenticate(
            adapter, activity, f"Bearer {fake_identity.token(service_url=fake_connector.url)}"
        )


async def test_the_fake_connector_refuses_a_token_the_identity_did_not_issue(
    fake_identity: FakeIdentity, fake_connector: FakeConnector
) -> None:
    channel_token = fake_identity.token(service_url=fake_connector.url)  # not an outgoing one
    url = f"{fake_connector.url}v3/conversations/a:1/activities"

    status, _ = await post_activity(url, {"type": "message", "text": "x"}, channel_token)

    assert status == 401
    assert [(r.status, r.authorized) for r in fake_connector.records] == [(401, False)]
    assert fake_connector.sent() == []


def test_bot_configuration_gives_botbuilder_the_configured_urls() -> None:
    settings = Settings(
        MICROSOFT_APP_ID="app",
        MICROSOFT_APP_PASSWORD="secret",
        TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL="https://idp.example/v1/.well-known/openid",
        TO_BOT_FROM_CHANNEL_TOKEN_ISSUER="https://idp.example/channel",
        TO_CHANNEL_FROM_BOT_LOGIN_URL="https://idp.example/tenant",
        TO_CHANNEL_FROM_BOT_OAUTH_SCOPE="https://connector.example",
    )

    config = bot_configuration(settings)
    inner = ConfigurationBotFrameworkAuthentication(config)._inner

    assert (config.APP_ID, config.APP_PASSWORD, config.APP_TYPE) == ("app", "secret", "MultiTenant")
    assert "secret" not in repr(config)
    assert type(inner).__name__ == "_ParameterizedBotFrameworkAuthentication"
    assert vars(inner)["_to_bot_from_channel_open_id_metadata_url"] == (
        "https://idp.example/v1/.well-known/openid"
    )
    assert vars(inner)["_to_bot_from_channel_token_issuer"] == "https://idp.example/channel"
    assert vars(inner)["_to_channel_from_bot_login_url"] == "https://idp.example/tenant"
    assert vars(inner)["_to_channel_from_bot_oauth_scope"] == "https://connector.example"
    assert vars(inner)["_validate_authority"] is False  # Microsoft would not know idp.example


def test_one_endpoint_setting_fills_the_others_with_the_public_cloud() -> None:
    config = bot_configuration(
        Settings(
            MICROSOFT_APP_ID="app",
            MICROSOFT_APP_PASSWORD="secret",
            TO_BOT_FROM_CHANNEL_TOKEN_ISSUER="https://idp.example/channel",
            TO_CHANNEL_FROM_BOT_LOGIN_URL="",
        )
    )

    assert config.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER == "https://idp.example/channel"
    assert config.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL == (
        "https://login.botframework.com/v1/.well-known/openidconfiguration"
    )
    assert config.TO_CHANNEL_FROM_BOT_LOGIN_URL == (
        "https://login.microsoftonline.com/botframework.com/oauth2/v2.0/token"
    )
    assert config.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE == "https://api.botframework.com"
    assert config.VALIDATE_AUTHORITY is True


def test_without_endpoint_settings_botbuilder_uses_the_public_cloud() -> None:
    settings = Settings(
        MICROSOFT_APP_ID="app",
        MICROSOFT_APP_PASSWORD="secret",
        MICROSOFT_APP_TYPE="SingleTenant",
        MICROSOFT_APP_TENANT_ID="tenant-1",
        TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL="",
    )

    config = bot_configuration(settings)
    inner = ConfigurationBotFrameworkAuthentication(config)._inner

    assert config.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL is None
    assert (config.APP_TYPE, config.APP_TENANTID) == ("SingleTenant", "tenant-1")
    assert type(inner).__name__ == "_PublicCloudBotFrameworkAuthentication"


async def test_the_fake_connector_fails_the_next_write_as_told(
    fake_identity: FakeIdentity, fake_connector: FakeConnector
) -> None:
    """The fake's failure injection, through botbuilder's own client: 429 with Retry-After,
    then delivered (botbuilder does not retry: the outbox sender must)."""
    adapter = teams_adapter(Settings(**fake_identity.settings_kwargs()))
    activity = Activity().deserialize(_hello(fake_connector))
    result = await authenticate(
        adapter, activity, f"Bearer {fake_identity.token(service_url=fake_connector.url)}"
    )
    assert result is not None
    fake_connector.fail_next(429, headers={"Retry-After": "1"}, path_contains="/activities")
    outcomes: list[str] = []

    async def logic(turn: TurnContext) -> None:
        for attempt in ("first", "second"):
            try:
                await turn.send_activity(attempt)
                outcomes.append(f"{attempt} sent")
            except Exception as error:
                status = error.response.status_code  # type: ignore[attr-defined]
                retry_after = error.response.headers["Retry-After"]  # type: ignore[attr-defined]
                outcomes.append(f"{attempt} {status} retry after {retry_after}")

    await adapter.process_activity(result, activity, logic)

    assert outcomes == ["first 429 retry after 1", "second sent"]
    assert [r.status for r in fake_connector.records] == [429, 201]
    [sent] = fake_connector.sent()
    assert sent.body is not None and sent.body["text"] == "second"
    assert fake_connector.messages[(sent.conversation_id, sent.activity_id)]["text"] == "second"
