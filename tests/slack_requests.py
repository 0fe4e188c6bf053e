"""Requests into the bot made exactly as Slack makes them: bodies and signed headers.

The bodies follow Slack's documented payloads: slash commands (form fields), ``block_actions``
interactivity (a form field ``payload`` holding JSON) and the Events API (a JSON
``event_callback`` envelope, ``url_verification``). The ids default to the fake workspace of
``tests.fake_slack`` (team, app and bot user), so a bot pointed at a ``FakeSlack`` sees one
consistent workspace.

Typical use::

    body = slash_command_body("who", "U0ALICE001", response_url=fake.response_url("who"))
    await http.post("/slack/events", data=body, headers=signed_headers(SECRET, body))
"""

from __future__ import annotations

import itertools
import json
import secrets
import time
from typing import Any, Literal
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

from tests.fake_slack import API_APP_ID, BOT_ID, BOT_USER_ID, TEAM_DOMAIN, TEAM_ID

VERIFICATION_TOKEN = "fakeVerificationToken0001"  # the deprecated token Slack still sends
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"

_serial = itertools.count(1)


def signed_headers(
    signing_secret: str,
    body: bytes,
    timestamp: int | None = None,
    *,
    content_type: str | None = None,
) -> dict[str, str]:
    """The headers Slack sends with ``body``: X-Slack-Request-Timestamp, X-Slack-Signature
    (``v0=`` HMAC-SHA256 of ``v0:{timestamp}:{body}``) and Content-Type.

    ``timestamp`` defaults to now; pass an old one to test the 5-minute window. Content-Type is
    JSON for a body that starts with ``{`` (events), else form-encoded (commands, actions),
    unless ``content_type`` says otherwise.
    """
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(signing_secret).generate_signature(timestamp=ts, body=body)
    assert signature is not None
    if content_type is None:
        content_type = JSON if body.lstrip()[:1] == b"{" else FORM
    return {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": signature,
        "Content-Type": content_type,
    }


def new_trigger_id() -> str:
    """A fresh trigger_id shaped like Slack's ("13345224609.738474920.8088930838d88f008e0")."""
    return f"{next(_serial):011d}.{secrets.randbelow(10**9):09d}.{secrets.token_hex(16)}"


def action_ts() -> str:
    """A ts like Slack's action_ts and event_ts ("1733200001.123456"), from the wall clock."""
    return f"{time.time():.6f}"


def slash_command_body(
    text: str,
    user_id: str,
    command: str = "/oncall",
    channel_id: str = "C0ONCALL01",
    response_url: str = f"https://hooks.slack.com/commands/{TEAM_ID}/1111111111/fakeResponse01",
    team_id: str = TEAM_ID,
    trigger_id: str | None = None,
    *,
    channel_name: str = "oncall",
    user_name: str | None = None,
    team_domain: str = TEAM_DOMAIN,
    api_app_id: str = API_APP_ID,
) -> bytes:
    """The form-encoded body Slack posts for ``{command} {text}`` typed by ``user_id``.

    Fields in Slack's order: token, team_id, team_domain, channel_id, channel_name, user_id,
    user_name, command, text, api_app_id, is_enterprise_install, response_url, trigger_id. A
    command typed in a DM has channel_name "directmessage". Pass ``fake.response_url(name)``
    when the handler calls ``respond()``: the default points at hooks.slack.com.
    """
    fields = {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "team_domain": team_domain,
        "channel_id": channel_id,
        "channel_name": channel_name,
        "user_id": user_id,
        "user_name": user_name or user_id.lower(),
        "command": command,
        "text": text,
        "api_app_id": api_app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id or new_trigger_id(),
    }
    return urlencode(fields).encode()


def block_actions_body(
    action_id: str,
    value: str,
    user_id: str,
    *,
    channel_id: str,
    message_ts: str,
    response_url: str,
    block_id: str = "actions",
    kind: Literal["button", "static_select"] = "button",
    label: str | None = None,
    message: dict[str, Any] | None = None,
    is_ephemeral: bool = False,
    channel_name: str = "oncall",
    user_name: str | None = None,
    team_id: str = TEAM_ID,
    api_app_id: str = API_APP_ID,
    trigger_id: str | None = None,
) -> bytes:
    """The form-encoded ``payload=`` body Slack posts when ``user_id`` clicks a button (or picks
    an option of a static_select) with ``action_id`` and ``value`` in a message.

    ``label``: the button's text or the option's text (defaults to ``value``). ``message``: the
    message as Slack echoes it (text, blocks...; by default a bot message with no blocks); its
    ts is ``message_ts``. An ephemeral message is not echoed: no ``message`` key then, as Slack
    does.
    """
    text = {"type": "plain_text", "text": label or value, "emoji": True}
    action: dict[str, Any] = {"action_id": action_id, "block_id": block_id}
    if kind == "button":
        action |= {"text": text, "value": value, "type": "button"}
    elif kind == "static_select":
        placeholder = {"type": "plain_text", "text": "Select an item", "emoji": True}
        option = {"text": text, "value": value}
        action |= {"type": "static_select", "selected_option": option, "placeholder": placeholder}
    else:
        raise ValueError(f"unknown action kind {kind!r}")
    action["action_ts"] = action_ts()
    name = user_name or user_id.lower()
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": user_id, "username": name, "name": name, "team_id": team_id},
        "api_app_id": api_app_id,
        "token": VERIFICATION_TOKEN,
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel_id,
            "is_ephemeral": is_ephemeral,
        },
        "trigger_id": trigger_id or new_trigger_id(),
        "team": {"id": team_id, "domain": TEAM_DOMAIN},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel_id, "name": channel_name},
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [action],
    }
    if not is_ephemeral:
        echoed = {"type": "message", "user": BOT_USER_ID, "bot_id": BOT_ID, "text": ""}
        echoed |= {"team": team_id, **(message or {}), "ts": message_ts}
        payload["message"] = echoed
    return urlencode({"payload": json.dumps(payload)}).encode()


def event_body(
    event: dict[str, Any],
    event_id: str | None = None,
    *,
    team_id: str = TEAM_ID,
    api_app_id: str = API_APP_ID,
    event_time: int | None = None,
) -> bytes:
    """The JSON Events API envelope Slack posts for ``event`` (``type: event_callback``, with
    the ``authorizations`` entry of the installed bot). ``event_id`` defaults to a fresh one;
    send the same one twice to test Slack's retries."""
    envelope = {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "context_team_id": team_id,
        "context_enterprise_id": None,
        "api_app_id": api_app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev0FAKE{next(_serial):05d}",
        "event_time": int(time.time()) if event_time is None else event_time,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-fake-{secrets.token_hex(8)}",
    }
    return json.dumps(envelope).encode()


def app_home_opened_event(
    user_id: str, tab: str = "home", channel: str | None = None
) -> dict[str, Any]:
    """The ``app_home_opened`` event Slack sends when ``user_id`` opens the app's Home tab
    (``channel`` is their DM with the app); wrap it with :func:`event_body`."""
    return {
        "type": "app_home_opened",
        "user": user_id,
        "channel": channel or "D" + user_id[1:],
        "tab": tab,
        "event_ts": action_ts(),
    }


def url_verification_body(challenge: str) -> bytes:
    """The JSON body Slack posts once to check the Events request URL; the answer must echo
    ``challenge``."""
    body = {"token": VERIFICATION_TOKEN, "challenge": challenge, "type": "url_verification"}
    return json.dumps(body).encode()
