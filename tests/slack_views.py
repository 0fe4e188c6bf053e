"""Requests about views made as Slack makes them: modal submissions and clicks on a Home tab.

:func:`view_submission_body` posts what a person typed into a modal the bot opened (the view
as the fake Slack stored it from ``views.open``): Slack sends every input block's state, the
initial values for those left untouched, ``private_metadata`` as the bot set it.
:func:`home_action_body` is a click on a button of a published Home tab (no response_url,
a ``view`` container). Sign either with :func:`tests.slack_requests.signed_headers`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from tests.fake_slack import API_APP_ID, TEAM_DOMAIN, TEAM_ID
from tests.slack_requests import VERIFICATION_TOKEN, action_ts, new_trigger_id

LEFT_EMPTY = None  # a value for view_state: the input was cleared


def _user(user_id: str) -> dict[str, Any]:
    name = user_id.lower()
    return {"id": user_id, "username": name, "name": name, "team_id": TEAM_ID}


def _element_state(element: dict[str, Any], value: Any) -> dict[str, Any]:
    """One input's state as Slack reports it, of ``value`` (None: left empty)."""
    kind = element["type"]
    state: dict[str, Any] = {"type": kind}
    if kind == "datepicker":
        state["selected_date"] = value
    elif kind == "timepicker":
        state["selected_time"] = value
        if element.get("timezone"):
            state["timezone"] = element["timezone"]
    elif kind == "users_select":
        state["selected_user"] = value
    elif kind == "static_select":
        option = next((o for o in element.get("options", []) if o["value"] == value), None)
        state["selected_option"] = option if value is not None else None
        if value is not None and option is None:  # a forged value Slack would never send
            state["selected_option"] = {
                "text": {"type": "plain_text", "text": value},
                "value": value,
            }
    elif kind == "plain_text_input":
        state["value"] = value
    else:
        raise ValueError(f"no state for a {kind} element")
    return state


def _initial(element: dict[str, Any]) -> Any:
    option = element.get("initial_option") or {}
    return (
        element.get("initial_date")
        or element.get("initial_time")
        or element.get("initial_user")
        or option.get("value")
        or element.get("initial_value")
    )


def view_state(view: Mapping[str, Any], typed: Mapping[str, Any]) -> dict[str, Any]:
    """``view.state`` after typing: each input block's element keeps its initial value unless
    ``typed`` (block id -> value; None clears it) says otherwise. A block id of ``typed`` that
    the view lacks is added as a users_select (or static_select for ``schedule``): a forged
    field."""
    values: dict[str, Any] = {}
    for block in view.get("blocks", []):
        if block.get("type") != "input":
            continue
        element = block["element"]
        value = typed[block["block_id"]] if block["block_id"] in typed else _initial(element)
        values[block["block_id"]] = {element["action_id"]: _element_state(element, value)}
    for block_id, value in typed.items():
        if block_id not in values:
            kind = "static_select" if block_id == "schedule" else "users_select"
            values[block_id] = {"value": _element_state({"type": kind}, value)}
    return {"values": values}


def view_submission_body(
    view: Mapping[str, Any], user_id: str, typed: Mapping[str, Any] | None = None
) -> bytes:
    """The form-encoded ``payload=`` body Slack posts when ``user_id`` presses the submit
    button of ``view`` (as ``views.open`` answered it) after typing ``typed``."""
    submitted = {**view, "state": view_state(view, typed or {})}
    payload = {
        "type": "view_submission",
        "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
        "user": _user(user_id),
        "api_app_id": API_APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": new_trigger_id(),
        "view": submitted,
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }
    return urlencode({"payload": json.dumps(payload)}).encode()


def home_action_body(
    action_id: str,
    value: str,
    user_id: str,
    *,
    view: Mapping[str, Any] | None = None,
    kind: str = "button",
) -> bytes:
    """A click on a button (or a static_select choice) of ``user_id``'s published Home tab."""
    home = dict(view or {"id": "V0HOME", "type": "home", "blocks": []})
    action: dict[str, Any] = {"action_id": action_id, "block_id": "home", "action_ts": action_ts()}
    if kind == "button":
        text = {"type": "plain_text", "text": value, "emoji": True}
        action |= {"type": "button", "value": value, "text": text}
    else:
        option = {"text": {"type": "plain_text", "text": value}, "value": value}
        action |= {"type": "static_select", "selected_option": option}
    payload = {
        "type": "block_actions",
        "user": _user(user_id),
        "api_app_id": API_APP_ID,
        "token": VERIFICATION_TOKEN,
        "container": {"type": "view", "view_id": home.get("id", "V0HOME")},
        "trigger_id": new_trigger_id(),
        "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
        "enterprise": None,
        "is_enterprise_install": False,
        "view": home,
        "actions": [action],
    }
    return urlencode({"payload": json.dumps(payload)}).encode()
