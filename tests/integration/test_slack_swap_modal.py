"""The swap modal over real HTTP against the fake Slack, on both databases: opened by an
Open swap button with the person's next shift, each bad field (and each refusal of core)
answered under its field with nothing stored, a good submission stored and told in a DM.
The world is :mod:`tests.integration.test_slack_swaps`'s.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.commands.actions import Action
from tests.fake_slack import API_APP_ID, TEAM_ID
from tests.integration.slack_harness import SECRET, Bot, blocks_json
from tests.integration.test_slack_swaps import counts, posts, swap_bot
from tests.slack_requests import block_actions_body, new_trigger_id, signed_headers
from tests.unit.oncall.common import at


def submission(view: dict[str, Any], user: str, typed: dict[str, Any]) -> bytes:
    """A view_submission of the swap modal as Slack sends it: every input's state (its initial
    value unless ``typed`` by block id; None clears it)."""
    values: dict[str, Any] = {}
    for block in view["blocks"]:
        if block.get("type") != "input":
            continue
        element, block_id = block["element"], block["block_id"]
        kind = element["type"]
        state: dict[str, Any] = {"type": kind}
        if kind == "datetimepicker":
            state["selected_date_time"] = typed.get(block_id, element.get("initial_date_time"))
        elif kind == "users_select":
            state["selected_user"] = typed.get(block_id, element.get("initial_user"))
        elif kind == "static_select":
            value = typed.get(block_id, (element.get("initial_option") or {}).get("value"))
            option = next((o for o in element["options"] if o["value"] == value), None)
            state["selected_option"] = option
        else:
            state["value"] = typed.get(block_id)
        values[block_id] = {element["action_id"]: state}
    payload = {
        "type": "view_submission",
        "team": {"id": TEAM_ID},
        "user": {"id": user, "username": user.lower(), "team_id": TEAM_ID},
        "api_app_id": API_APP_ID,
        "trigger_id": new_trigger_id(),
        "view": {**view, "state": {"values": values}},
        "response_urls": [],
    }
    return urlencode({"payload": json.dumps(payload)}).encode()


async def submit(bot: Bot, view: dict[str, Any], user: str, **typed: Any) -> dict[str, Any]:
    body = submission(view, user, typed)
    headers = signed_headers(SECRET, body)
    async with bot.http.post(f"{bot.url}/slack/events", data=body, headers=headers) as resp:
        assert resp.status == 200
        text = await resp.text()
    return json.loads(text) if text.strip() else {}


def unix(text: str) -> int:
    return int(at(text).timestamp())


async def test_the_swap_modal_opens_with_the_next_shift_and_answers_per_field(
    engine: AsyncEngine,
) -> None:
    async with swap_bot(engine) as bot:
        body = block_actions_body(
            Action.OPEN_SWAP.value,
            "{}",
            "U0ANN",
            channel_id=bot.slack.dm_channel("U0ANN"),
            message_ts="1.0",
            response_url=bot.slack.response_url(f"open-{time.monotonic_ns()}"),
        )
        assert (await bot.post(body)).status == 200
        [opened] = await bot.slack.wait_for("views.open")
        view = opened.answer["view"]  # type: ignore[index]
        assert view["callback_id"] == "view.swap"
        fields = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
        assert list(fields) == ["counterpart", "schedule", "from", "to", "reason"]
        assert fields["from"]["element"]["initial_date_time"] == unix("2026-03-04 09:00")
        assert fields["schedule"]["element"]["initial_option"]["value"] == "primary"

        before = await counts(bot)
        cases = [
            ({"counterpart": None, "to": unix("2026-03-04 08:00")}, {"counterpart", "to"}),
            ({"counterpart": "U0STRANGER"}, {"counterpart"}),
            ({"counterpart": "U0BOB", "schedule": None, "to": unix("2026-03-05 12:00")}, {"from"}),
            ({"counterpart": "U0ANN"}, {"counterpart"}),  # herself
        ]
        for typed, wrong in cases:
            answer = await submit(bot, view, "U0ANN", **typed)
            assert answer.get("response_action") == "errors", (typed, answer)
            assert set(answer["errors"]) == wrong, (typed, answer)
        answer = await submit(bot, view, "U0STRANGER", counterpart="U0BOB")
        assert "I don't know who you are" in answer["errors"]["counterpart"]
        assert await counts(bot) == before

        answer = await submit(bot, view, "U0ANN", counterpart="U0BOB", reason="dentist")
        assert answer == {}  # the modal closes
        [told] = await bot.slack.wait_for(
            lambda c: c.method == "chat.postMessage" and "Swap 1" in str(c.params.get("text"))
        )
        assert told.params["channel"] == "U0ANN" and Action.SWAP_CANCEL.value in blocks_json(told)
        await bot.deliver()
        assert "dentist" in blocks_json(posts(bot, bot.slack.dm_channel("U0BOB"))[0])
