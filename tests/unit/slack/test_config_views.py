"""The rotation modal's Block Kit: valid views, metadata that survives only intact, long diffs."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Block

from bot.handlers.slack.config_views import (
    DIFF_CHUNK,
    decode_metadata,
    encode_metadata,
    layer_value,
    layer_view,
    notice_view,
    parse_layer_value,
    pick_view,
    submitted,
)
from core.config.layer_edit import LayerValues, Window


def valid(view: dict[str, Any]) -> list[dict[str, Any]]:
    assert view["type"] == "modal" and len(view["title"]["text"]) <= 24
    for block in view["blocks"]:
        parsed = Block.parse(block)
        assert parsed is not None
        parsed.validate_json()
        assert parsed.to_dict() == block
    return view["blocks"]


VALUES = LayerValues(
    ("ann", "bob"), "daily", 1, "2026-03-02 09:00", (Window(None, "09:00", "17:00"),)
)


def form(layers: list[str]) -> dict[str, Any]:
    return layer_view(
        schedule_id="primary",
        schedule_name="Primary <ops>",
        layers=layers,
        layer_id="daily",
        values=VALUES,
        zone="Europe/Berlin",
        people=[("ann", "Ann"), ("bob", "bob")],
        where="Saving writes `oncall.yaml`.",
        metadata=encode_metadata("primary", "daily", "ab" * 32),
    )


def test_the_layer_form_holds_the_values_and_escapes_names() -> None:
    blocks = valid(form(["daily"]))
    assert blocks[0]["text"]["text"] == "*Primary &lt;ops&gt;*, layer *daily*"
    inputs = {b["block_id"]: b["element"] for b in blocks if b["type"] == "input"}
    assert list(inputs) == ["members", "rotation", "every", "start_date", "start_time", "active"]
    assert inputs["members"]["initial_value"] == "ann, bob"
    assert inputs["start_time"]["initial_time"] == "09:00"
    assert inputs["active"]["initial_value"] == "09:00-17:00"
    assert all(b["type"] != "actions" for b in blocks)  # one layer: no layer select
    layered = valid(form(["daily", "nights"]))
    select = next(b for b in layered if b["type"] == "actions")["elements"][0]
    assert select["action_id"] == "open.config"
    assert select["initial_option"]["value"] == "primary daily"


def test_metadata_and_select_values_round_trip_and_reject_forgeries() -> None:
    meta = encode_metadata("primary", "daily", "ab" * 32)
    assert decode_metadata(meta) == {"schedule": "primary", "layer": "daily", "digest": "ab" * 32}
    assert decode_metadata('{"schedule": "primary"}') == {}
    assert decode_metadata("not json") == {} == decode_metadata(None)
    assert parse_layer_value(layer_value("primary", "daily")) == ("primary", "daily")
    assert parse_layer_value(layer_value("primary")) == ("primary", None)
    assert parse_layer_value(None) == ("", None)


def test_a_long_diff_is_split_on_lines_into_valid_sections() -> None:
    diff = "".join(f"+        members: [person{i:04d}, <x>]\n" for i in range(400))
    blocks = valid(notice_view("Not applied", "Commit this by hand:", diff))
    code = [b["text"]["text"] for b in blocks[1:] if b["type"] == "section"]
    assert all(c.startswith("```") and c.endswith("\n```") for c in code)
    assert all(len(c) <= DIFF_CHUNK + 6 for c in code)
    assert "".join(c[3:-3] for c in code) == diff.replace("<", "&lt;").replace(">", "&gt;")


def test_the_picker_and_a_submission() -> None:
    blocks = valid(pick_view([("primary", "Primary"), ("office", "Office")], "Which one?"))
    assert [o["value"] for o in blocks[0]["accessory"]["options"]] == ["primary", "office"]
    state = {
        "members": {"value": {"type": "plain_text_input", "value": "bob, ann"}},
        "rotation": {"value": {"type": "static_select", "selected_option": {"value": "weekly"}}},
        "every": {"value": {"type": "number_input", "value": "2"}},
        "start_date": {"value": {"type": "datepicker", "selected_date": "2026-03-09"}},
        "start_time": {"value": {"type": "timepicker", "selected_time": "10:00"}},
        "active": {"value": {"type": "plain_text_input", "value": None}},
    }
    assert submitted({"state": {"values": state}}) == {
        "members": "bob, ann",
        "rotation": "weekly",
        "every": "2",
        "start_date": "2026-03-09",
        "start_time": "10:00",
        "active": None,
    }
