"""Hostile bodies on ``POST /slack/events``, signed with the right secret (issue 14).

Bolt parses the body with plain ``json.loads`` and then reads it as a dict: a 100,000-deep
body raised ``RecursionError`` in our route (a 500 with a traceback, which Slack retries). The
route now decodes it first, as Bolt will, and answers 400. JSON we put in ``private_metadata``
and button values comes back through the safe decoder too: a value too deep for ``json.loads``
(Slack caps them at 3,000 and 2,000 characters, deep enough) counts as no metadata, as a
forged one does. Every case: no traceback logged, and the bot answers the next command.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from urllib.parse import urlencode

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.commands.actions import Action
from tests.integration.slack_harness import SECRET, Bot, slack_bot
from tests.integration.test_slack_modals import blocks_of, by_button, by_command, submit, world_bot
from tests.slack_requests import FORM, JSON

DEEP = 100_000
ARRAYS = "[" * DEEP + "]" * DEEP


def _form(payload: str) -> bytes:
    return urlencode({"payload": payload}).encode()


HOSTILE = [
    # (what, body, content type, fragment of the error)
    (
        "an event 100,000 deep",
        ('{"type": "event_callback", "event": ' + ARRAYS + "}").encode(),
        JSON,
        "nested deeper than 64 levels",
    ),
    ("a JSON body of brackets only", ("[" * DEEP).encode(), JSON, "nested deeper than 64"),
    ("an interactivity payload 100,000 deep", _form("[" * DEEP), FORM, "nested deeper than 64"),
    (
        "a block_actions payload with a 100,000-deep field",
        _form('{"type": "block_actions", "actions": ' + ARRAYS + "}"),
        FORM,
        "nested deeper than 64",
    ),
    ("NaN", b'{"type": "event_callback", "event_time": NaN}', JSON, "NaN is not"),
    ("a 5000-digit number", b'{"event_time": ' + b"9" * 5000 + b"}", JSON, "a number of 5000"),
    ("a payload that is not JSON", _form("{not json"), FORM, "Expecting property name"),
    ("a JSON array", b"[1, 2]", JSON, "an array where a JSON object was expected"),
    ("a payload that is a string", _form('"hello"'), FORM, "a string where a JSON object"),
    (
        "a shape Slack never sends",
        b'{"type": "event_callback", "team": 5, "enterprise": 3, "authorizations": [1]}',
        JSON,
        "not a Slack payload Bolt can read",
    ),
]


def no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    assert "Traceback" not in caplog.text and "Error handling request" not in caplog.text
    assert not [r for r in caplog.records if r.exc_info], caplog.text


async def still_answering(bot: Bot) -> None:
    answer = await bot.command("who", "U0ANN")
    assert "Ann" in str(answer), answer


@pytest.mark.parametrize(
    ("what", "body", "content_type", "fragment"), HOSTILE, ids=[h[0] for h in HOSTILE]
)
async def test_a_signed_hostile_body_is_400_before_bolt_reads_it(
    engine: AsyncEngine,
    caplog: pytest.LogCaptureFixture,
    what: str,
    body: bytes,
    content_type: str,
    fragment: str,
) -> None:
    async with slack_bot(engine) as bot:
        with caplog.at_level(logging.DEBUG):
            resp = await bot.post(body, headers={"Content-Type": content_type})
            assert resp.status == 400
            assert fragment in (await resp.json())["error"]
            await still_answering(bot)
        no_traceback(caplog)
        assert "Slack: a signed request refused: the body is not" in caplog.text


def hmac_headers(body: bytes, timestamp: str, secret: str = SECRET) -> dict[str, str]:
    """Slack's signature computed over the bytes (slack_sdk's helper signs only text)."""
    mac = hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256)
    return {
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": f"v0={mac.hexdigest()}",
        "Content-Type": JSON,
    }


NOT_VERIFIABLE = [
    # (what, body, headers): slack_sdk's verifier raised on each (a 500 before anyone signed)
    ("invalid UTF-8, signed over its bytes", b'{"x": "\xff"}', None),
    ("invalid UTF-8, unsigned", b'{"x": "\xff"}', {"X-Slack-Signature": "v0=00"}),
    ("a timestamp that is not a number", b"{}", {"X-Slack-Request-Timestamp": "soon"}),
    ("a 5000-digit timestamp", b"{}", {"X-Slack-Request-Timestamp": "9" * 5000}),
    ("a signature that is not ASCII", b"{}", {"X-Slack-Signature": "v0=\u00e9t\u00e9"}),
    ("100,000 deep, wrong secret", _form("[" * DEEP), {"X-Slack-Signature": "v0=00"}),
]


@pytest.mark.parametrize(
    ("what", "body", "headers"), NOT_VERIFIABLE, ids=[n[0] for n in NOT_VERIFIABLE]
)
async def test_what_cannot_be_verified_is_401(
    engine: AsyncEngine,
    caplog: pytest.LogCaptureFixture,
    what: str,
    body: bytes,
    headers: dict[str, str] | None,
) -> None:
    async with slack_bot(engine) as bot:
        sent = {**hmac_headers(body, str(int(time.time()))), **(headers or {})}
        with caplog.at_level(logging.DEBUG):
            url = f"{bot.url}/slack/events"
            async with bot.http.post(url, data=body, headers=sent) as resp:
                assert resp.status == 401
                assert (await resp.json())["error"] == "invalid or expired Slack signature"
            await still_answering(bot)
        no_traceback(caplog)


async def test_private_metadata_too_deep_for_json_loads_is_no_metadata(
    engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    async with world_bot(engine) as bot:
        view = await by_command(bot, "timeoff", "U0BOB")
        view["private_metadata"] = "[" * 3000  # Slack's limit for private_metadata
        typed = {"from_date": "2026-03-04", "from_time": "00:00", "to_date": "2026-03-05"}
        with caplog.at_level(logging.DEBUG):
            answer = await submit(bot, view, "U0BOB", to_time="00:00", **typed)  # asserts 200
            assert answer == {}  # stored, the answer going to a DM (no response_url kept)
            (dm,) = await bot.slack.wait_for("chat.postMessage")
            assert dm.params["channel"] == "U0BOB"
            await still_answering(bot)
        no_traceback(caplog)


async def test_a_button_value_too_deep_for_json_loads_opens_an_empty_form(
    engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    async with world_bot(engine) as bot:
        with caplog.at_level(logging.DEBUG):
            view = await by_button(bot, Action.OPEN_OVERRIDE, "[" * 2000, "U0CAT")
            assert "initial_option" not in blocks_of(view)["schedule"]["element"]
            await still_answering(bot)
        no_traceback(caplog)
