"""The storm digest message: capacity, escaping, and the Acknowledge menu."""

from __future__ import annotations

import json

from slack_sdk.models.blocks import Block

from bot.commands.actions import Action, parse_value
from bot.handlers.slack.digest import CAPACITY, storm_blocks


def entries(n: int, status: str = "triggered") -> list[dict[str, object]]:
    return [
        {
            "id": i,
            "title": f"Disk full <!channel> on host-{i} " + "x" * 200,
            "service": "api",
            "service_name": "API <@U0BOSS>",
            "severity": "critical" if i % 3 else "warning",
            "status": status if i % 2 else "acknowledged",
            "url": f"https://oncall.test/incidents/{i}",
        }
        for i in range(1, n + 1)
    ]


def test_every_incident_has_a_line_and_the_blocks_are_valid() -> None:
    blocks = storm_blocks(entries(CAPACITY), more_url="https://oncall.test/incidents")
    for block in blocks:
        Block.parse(block).validate_json()  # type: ignore[union-attr]
    text = json.dumps(blocks)
    assert all(f"#{i}" in text for i in range(1, CAPACITY + 1))
    assert len(blocks) <= 50
    assert "<!channel>" not in text and "<@U0BOSS>" not in text
    assert "&lt;!channel&gt;" in text
    assert json.loads(text)[0]["text"]["text"] == f"{CAPACITY} new incidents"


def test_the_menu_lists_only_triggered_incidents_with_their_ids() -> None:
    blocks = storm_blocks(entries(10), more_url=None)
    menu = blocks[1]["accessory"]
    assert menu["action_id"] == Action.ACKNOWLEDGE.value
    ids = [parse_value(o["value"])[0] for o in menu["options"]]
    assert ids == [1, 3, 5, 7, 9]
    assert all(len(o["text"]["text"]) <= 75 for o in menu["options"])


def test_no_menu_when_nothing_is_triggered() -> None:
    blocks = storm_blocks(entries(4, status="resolved"), more_url=None)
    assert "accessory" not in blocks[1]


def test_past_capacity_the_rest_is_counted_with_a_link() -> None:
    blocks = storm_blocks(entries(CAPACITY + 25), more_url="https://oncall.test/incidents")
    last = blocks[-1]["text"]["text"]
    assert "and 35 more" in last and "https://oncall.test/incidents" in last
    assert len(blocks) <= 50
