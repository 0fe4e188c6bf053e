"""The storm digest: many incidents of one channel in one message, within 50 blocks."""

from __future__ import annotations

import json

from bot.commands.actions import Action
from bot.handlers.slack.cards import digest_blocks
from tests.unit.slack.blockkit import assert_safe, assert_valid, elements, links, of_type
from tests.unit.slack.snapshots import EVIL, snapshot

ALL = "https://oncall.example/incidents?channel=C1"


def incident(i: int, **changes: object) -> dict[str, object]:
    return snapshot(id=i, url=f"https://oncall.example/incidents/{i}", **changes)


def test_a_digest_lists_each_incident_with_acknowledge_while_triggered() -> None:
    blocks = digest_blocks(
        [
            incident(1),
            incident(2, status="acknowledged", severity="warning", service_name="Search"),
            incident(3, status="resolved", severity="info", title="Disk <full>"),
        ],
        more_url=ALL,
    )
    assert_valid(blocks)
    assert_safe(blocks, urls={f"https://oncall.example/incidents/{i}" for i in (1, 2, 3)})
    assert blocks[0]["type"] == "header"
    assert blocks[0]["text"]["text"] == "3 incidents"
    assert [b["text"]["text"] for b in blocks[1:]] == [
        ":red_circle: *CRITICAL* · Checkout API"
        " · <https://oncall.example/incidents/1|High error rate> · _triggered_ · #1",
        ":large_orange_circle: *WARNING* · Search"
        " · <https://oncall.example/incidents/2|High error rate> · _acknowledged_ · #2",
        ":large_blue_circle: *INFO* · Checkout API"
        " · <https://oncall.example/incidents/3|Disk &lt;full&gt;> · _resolved_ · #3",
    ]
    (ack,) = elements(blocks)
    assert ack == blocks[1]["accessory"]
    assert (ack["action_id"], ack["value"], ack["style"]) == (Action.ACKNOWLEDGE, "1", "primary")


def test_one_incident_and_none() -> None:
    one = digest_blocks([incident(1)], more_url=None)
    assert_valid(one)
    assert one[0]["text"]["text"] == "1 incident"
    none = digest_blocks([], more_url=None)
    assert_valid(none)
    assert none == [
        {"type": "header", "text": {"type": "plain_text", "text": "0 incidents", "emoji": True}}
    ]


def test_a_storm_is_cut_at_50_blocks_with_a_link_to_the_rest() -> None:
    blocks = digest_blocks([incident(i) for i in range(1, 121)], more_url=ALL)
    assert_valid(blocks)
    assert len(blocks) == 50
    assert blocks[0]["text"]["text"] == "120 incidents"
    assert [e["value"] for e in elements(blocks)] == [str(i) for i in range(1, 49)]
    assert blocks[-1]["text"]["text"] == f"… and 72 more · <{ALL}|See all>"
    assert links(blocks)[-1] == ALL


def test_exactly_49_incidents_fit_without_a_summary() -> None:
    blocks = digest_blocks([incident(i) for i in range(1, 50)], more_url=ALL)
    assert_valid(blocks)
    assert len(blocks) == 50
    assert "more" not in blocks[-1]["text"]["text"]


def test_without_a_link_the_rest_is_counted() -> None:
    blocks = digest_blocks([incident(i) for i in range(1, 61)], more_url="javascript:x")
    assert_valid(blocks)
    assert blocks[-1]["text"]["text"] == "… and 12 more"


def test_a_digest_escapes_everything_and_survives_junk() -> None:
    evil = snapshot(id=7, title=EVIL, service_name=EVIL, severity=EVIL, status=EVIL, url=None)
    blocks = digest_blocks([evil, {}, {"id": "x", "status": "triggered"}, None], more_url=None)  # type: ignore[list-item]
    assert_valid(blocks)
    assert_safe(blocks)
    assert "<!channel>" not in json.dumps(blocks)
    assert blocks[0]["text"]["text"] == "4 incidents"
    assert elements(blocks) == []  # the triggered one has no usable id
    huge = digest_blocks([snapshot(title="T" * 10_000, service_name="S" * 10_000)], more_url=None)
    assert_valid(huge)
    assert len(of_type(huge, "section")[0]["text"]["text"]) <= 3000
