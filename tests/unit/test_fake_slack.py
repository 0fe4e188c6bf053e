"""The fake Slack Web API answers slack_sdk as Slack does, and the request helpers make bodies
that Bolt accepts as Slack's."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Sequence
from typing import Any
from urllib.parse import parse_qs

import pytest
import yaml
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from tests.fake_slack import BOT_USER_ID, FakeSlack
from tests.slack_requests import (
    app_home_opened_event,
    block_actions_body,
    event_body,
    signed_headers,
    slash_command_body,
    url_verification_body,
)
from tests.support import ROOT

TOKEN = "xoxb-test-token"
SECRET = "test-signing-secret"


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with FakeSlack(token=TOKEN, users_by_email={"alice@example.com": "U0ALICE001"}) as f:
        yield f


def client(fake: FakeSlack, **kwargs: Any) -> AsyncWebClient:
    """A client with no retry handlers, so each failure reaches the test as the client saw it."""
    return AsyncWebClient(base_url=fake.api_url, token=TOKEN, retry_handlers=[], **kwargs)


async def test_posts_get_increasing_ts_and_are_recorded_with_params_and_token(
    fake: FakeSlack,
) -> None:
    web = client(fake)
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*down*"}}]
    first = await web.chat_postMessage(channel="C0OPS00001", text="down", blocks=blocks)
    second = await web.chat_postMessage(channel="C0OPS00001", text="up")

    assert fake.api_url.endswith("/api/")
    assert first["channel"] == "C0OPS00001"
    assert first["message"]["blocks"] == blocks and first["message"]["user"] == BOT_USER_ID
    assert float(first["ts"]) < float(second["ts"]) and first["ts"] < second["ts"]
    [call, _] = fake.calls("chat.postMessage")
    assert call.params == {"channel": "C0OPS00001", "text": "down", "blocks": blocks}
    assert call.token == TOKEN and call.ok and call.answer == first.data
    assert fake.messages[("C0OPS00001", second["ts"])]["text"] == "up"


async def test_form_fields_are_recorded_as_sent(fake: FakeSlack) -> None:
    blocks = json.dumps([{"type": "divider"}])
    answer = await client(fake).api_call(
        "chat.postMessage", data={"channel": "C1", "text": "x", "blocks": blocks}
    )
    assert fake.calls("chat.postMessage")[0].params["blocks"] == blocks  # left JSON-encoded
    assert answer["message"]["blocks"] == [{"type": "divider"}]


async def test_429_reaches_the_client_with_its_retry_after_header(fake: FakeSlack) -> None:
    fake.fail_next("chat.postMessage", "429", retry_after=7)
    with pytest.raises(SlackApiError) as raised:
        await client(fake).chat_postMessage(channel="C1", text="x")
    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["Retry-After"] == "7"
    assert raised.value.response["error"] == "ratelimited"
    assert (await client(fake).chat_postMessage(channel="C1", text="x"))["ok"]  # once only
    assert [c.status for c in fake.calls()] == [429, 200]
    assert fake.rate_limited == 0  # injected failures are not the fake's own rate limit


@pytest.mark.parametrize(
    ("kind", "status", "error"),
    [
        ("500", 500, "internal_error"),
        ("ratelimited", 200, "ratelimited"),
        ("channel_not_found", 200, "channel_not_found"),
        ("not_in_channel", 200, "not_in_channel"),
        ("invalid_auth", 200, "invalid_auth"),
    ],
)
async def test_failure_kinds(fake: FakeSlack, kind: str, status: int, error: str) -> None:
    fake.fail_next("chat.update", kind, times=2)
    for _ in range(2):
        with pytest.raises(SlackApiError) as raised:
            await client(fake).chat_update(channel="C1", ts="1.2", text="x")
        assert (raised.value.response.status_code, raised.value.response["error"]) == (
            status,
            error,
        )
    # Then the method is itself again: an unknown ts is message_not_found.
    with pytest.raises(SlackApiError, match="message_not_found"):
        await client(fake).chat_update(channel="C1", ts="1.2", text="x")
    assert [(c.status, c.error) for c in fake.calls()] == [(status, error)] * 2 + [
        (200, "message_not_found")
    ]


async def test_timeout_holds_the_request_until_the_client_gives_up() -> None:
    async with FakeSlack(hang_seconds=5) as fake:
        fake.fail_next("chat.postMessage", "timeout")
        with pytest.raises(asyncio.TimeoutError):  # the client's own timeout, not an answer
            await client(fake, timeout=0.3).chat_postMessage(channel="C1", text="x")
        [held] = fake.calls()
        assert held.status == 0 and held.answer is None
        assert fake.messages == {}  # not carried out
        assert (await client(fake).chat_postMessage(channel="C1", text="x"))["ok"]


async def test_post_spacing_answers_429_like_slack_and_counts_it() -> None:
    async with FakeSlack(post_spacing=0.5) as fake:
        web = client(fake)
        await web.chat_postMessage(channel="C1", text="1")
        await web.chat_postMessage(channel="C2", text="other channel")  # spacing is per channel
        with pytest.raises(SlackApiError) as raised:
            await web.chat_postMessage(channel="C1", text="2")
        assert raised.value.response.status_code == 429
        assert raised.value.response.headers["Retry-After"] == "1"  # whole seconds, as Slack
        assert fake.rate_limited == 1
        first = fake.calls("chat.postMessage")[0]
        await asyncio.sleep(max(0.0, first.at + 0.52 - time.monotonic()))
        assert (await web.chat_postMessage(channel="C1", text="2"))["ok"]
        assert fake.rate_limited == 1


async def test_token_check_and_unknown_method(fake: FakeSlack) -> None:
    other = AsyncWebClient(base_url=fake.api_url, token="xoxb-other", retry_handlers=[])
    with pytest.raises(SlackApiError, match="invalid_auth"):
        await other.auth_test()
    with pytest.raises(SlackApiError, match="not_authed"):
        await AsyncWebClient(base_url=fake.api_url, retry_handlers=[]).auth_test()
    with pytest.raises(SlackApiError, match="unknown_method"):
        await client(fake).api_call("chat.fly")
    assert (await client(fake).auth_test())["user_id"] == BOT_USER_ID


async def test_users_by_email_and_info(fake: FakeSlack) -> None:
    web = client(fake)
    found = await web.users_lookupByEmail(email="alice@example.com")
    assert found["user"]["id"] == "U0ALICE001"
    assert found["user"]["profile"]["email"] == "alice@example.com"
    with pytest.raises(SlackApiError) as raised:
        await web.users_lookupByEmail(email="bob@example.com")
    assert raised.value.response.data == {"ok": False, "error": "users_not_found"}
    assert (await web.users_info(user="U0ALICE001"))["user"]["name"] == "alice"


async def test_the_other_methods_answer_in_slacks_shapes(fake: FakeSlack) -> None:
    web = client(fake)
    dm = (await web.conversations_open(users="U0ALICE001"))["channel"]["id"]
    assert dm.startswith("D") and dm == fake.dm_channel("U0ALICE001")
    assert (await web.conversations_open(users=["U0ALICE001"]))["channel"]["id"] == dm
    posted = await web.chat_postMessage(channel="U0ALICE001", text="to a user id")
    assert posted["channel"] == dm

    updated = await web.chat_update(channel=dm, ts=posted["ts"], text="edited")
    assert updated["ts"] == posted["ts"] and fake.messages[(dm, posted["ts"])]["text"] == "edited"
    assert (await web.chat_postEphemeral(channel=dm, user="U0ALICE001", text="psst"))["message_ts"]
    await web.chat_delete(channel=dm, ts=posted["ts"])
    assert fake.messages == {}

    modal = {"type": "modal", "title": {"type": "plain_text", "text": "Swap"}, "blocks": []}
    opened = (await web.views_open(trigger_id="1.2.abc", view=modal))["view"]
    assert opened["id"].startswith("V") and opened["type"] == "modal"
    again = await web.views_update(
        view_id=opened["id"], view={**modal, "blocks": [{"type": "divider"}]}
    )
    assert fake.views[opened["id"]]["blocks"] == [{"type": "divider"}] == again["view"]["blocks"]
    with pytest.raises(SlackApiError, match="not_found"):
        await web.views_update(view_id="V0NOPE", view=modal)
    await web.views_publish(user_id="U0ALICE001", view={"type": "home", "blocks": []})
    assert fake.home_views["U0ALICE001"]["type"] == "home"

    group = await web.usergroups_users_update(usergroup="S0ONCALL01", users=["U1", "U2"])
    assert group["usergroup"]["users"] == ["U1", "U2"] == fake.usergroups["S0ONCALL01"]
    await web.conversations_setTopic(channel="C0OPS00001", topic="On call: alice")
    info = await web.conversations_info(channel="C0OPS00001")
    assert info["channel"]["topic"]["value"] == "On call: alice" == fake.topics["C0OPS00001"]


async def test_wait_for_returns_matches_or_says_what_came(fake: FakeSlack) -> None:
    async def post_later() -> None:
        await asyncio.sleep(0.05)
        await client(fake).chat_postMessage(channel="C1", text="late")

    task = asyncio.create_task(post_later())
    [call] = await fake.wait_for("chat.postMessage", timeout=2)
    await task
    assert call.params["text"] == "late"
    assert await fake.wait_for(lambda c: c.params.get("channel") == "C1")

    with pytest.raises(AssertionError) as raised:
        await fake.wait_for("chat.update", count=1, timeout=0.05)
    message = str(raised.value)
    assert "chat.update" in message and "got 0" in message
    assert 'chat.postMessage -> 200 ok {"channel": "C1", "text": "late"}' in message


async def test_response_url_records_what_is_posted(fake: FakeSlack) -> None:
    answer = await AsyncWebhookClient(fake.response_url("swap")).send_dict({"text": "done"})
    assert answer.status_code == 200 and json.loads(answer.body) == {"ok": True}
    assert await fake.wait_for_response("swap") == [{"text": "done"}]


# -- the request helpers, checked against slack_sdk's verifier and Bolt itself ---------------


def test_signed_headers_verify_and_old_ones_do_not() -> None:
    body = slash_command_body("who", "U0ALICE001")
    verifier = SignatureVerifier(SECRET)
    assert verifier.is_valid_request(body, signed_headers(SECRET, body))
    assert not verifier.is_valid_request(body, signed_headers(SECRET, body, int(time.time()) - 301))
    assert not verifier.is_valid_request(body, signed_headers("another secret", body))
    assert signed_headers(SECRET, body)["Content-Type"] == "application/x-www-form-urlencoded"
    assert signed_headers(SECRET, event_body({"type": "x"}))["Content-Type"] == "application/json"


def test_slash_command_body_has_slacks_fields_in_order() -> None:
    fields = parse_qs(slash_command_body("swap bob", "U0ALICE001").decode())
    assert list(fields) == [
        "token", "team_id", "team_domain", "channel_id", "channel_name", "user_id", "user_name",
        "command", "text", "api_app_id", "is_enterprise_install", "response_url", "trigger_id",
    ]  # fmt: skip
    assert fields["command"] == ["/oncall"] and fields["text"] == ["swap bob"]


async def dispatch(app: AsyncApp, body: bytes, timestamp: int | None = None) -> Any:
    headers: dict[str, str | Sequence[str]] = {**signed_headers(SECRET, body, timestamp)}
    return await app.async_dispatch(AsyncBoltRequest(body=body.decode(), headers=headers))


async def test_bolt_takes_the_helpers_bodies_as_slacks(fake: FakeSlack) -> None:
    app = AsyncApp(token=TOKEN, signing_secret=SECRET, client=client(fake))
    seen: list[Any] = []

    @app.command("/oncall")
    async def command(ack: Any, command: dict[str, Any], respond: Any) -> None:
        await ack()
        await respond(f"you said {command['text']}")

    @app.action("ack")
    async def button(ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        seen.append((action["value"], body["container"]["message_ts"], body["message"]["ts"]))

    @app.action("pick")
    async def select(ack: Any, action: dict[str, Any], respond: Any) -> None:
        await ack()
        await respond(action["selected_option"]["value"])

    @app.event("app_home_opened")
    async def home(event: dict[str, Any], client: AsyncWebClient) -> None:
        await client.views_publish(user_id=event["user"], view={"type": "home", "blocks": []})

    body = slash_command_body("who", "U0ALICE001", response_url=fake.response_url("cmd"))
    assert (await dispatch(app, body)).status == 200
    assert (await fake.wait_for_response("cmd"))[0]["text"] == "you said who"

    ts = "1733200000.000100"
    body = block_actions_body(
        "ack", "incident-7", "U0ALICE001", channel_id="C1", message_ts=ts, response_url="x"
    )
    assert (await dispatch(app, body)).status == 200
    url = fake.response_url("pick")
    body = block_actions_body(
        "pick", "30m", "U0ALICE001", channel_id="C1", message_ts=ts, response_url=url,
        kind="static_select",
    )  # fmt: skip
    assert (await dispatch(app, body)).status == 200
    assert (await fake.wait_for_response("pick"))[0]["text"] == "30m"
    for _ in range(100):
        if seen:
            break
        await asyncio.sleep(0.01)
    assert seen == [("incident-7", "1733200000.000100", "1733200000.000100")]

    assert (await dispatch(app, event_body(app_home_opened_event("U0ALICE001")))).status == 200
    await fake.wait_for("views.publish")
    assert fake.home_views["U0ALICE001"]["type"] == "home"

    verified = await dispatch(app, url_verification_body("chal-123"))
    assert verified.status == 200 and json.loads(verified.body) == {"challenge": "chal-123"}
    stale = await dispatch(app, body, timestamp=int(time.time()) - 600)
    assert stale.status == 401


def test_the_manifest_says_why_each_bot_scope_is_there() -> None:
    text = (ROOT / "slack" / "manifest.yaml").read_text()
    manifest = yaml.safe_load(text)
    scopes = manifest["oauth_config"]["scopes"]["bot"]
    for scope in scopes:
        [line] = [ln for ln in text.splitlines() if ln.strip().startswith(f"- {scope} ")]
        assert "#" in line, f"no comment on scope {scope}"
    assert "channels:manage" not in scopes and "chat:write.public" not in scopes
    urls = {
        manifest["features"]["slash_commands"][0]["url"],
        manifest["settings"]["interactivity"]["request_url"],
        manifest["settings"]["event_subscriptions"]["request_url"],
    }
    assert urls == {"https://oncall.example.com/slack/events"}
    assert manifest["settings"]["event_subscriptions"]["bot_events"] == ["app_home_opened"]
