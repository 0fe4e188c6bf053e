"""The swap messages and the swap modal as Block Kit: valid, safe, each person's zone, and a
submission read back field by field. Pure functions, no Slack."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from slack_sdk.models.views import View as ViewModel

from bot.commands.actions import Action
from bot.commands.swap_cards import channel_note, outcome_note, request_card
from bot.handlers.slack.render import reply_blocks
from bot.handlers.slack.swap_modal import (
    SwapInputs,
    field_errors,
    input_errors,
    read_submission,
    swap_view,
)
from tests.unit.slack.blockkit import all_text, assert_safe, assert_valid

PAYLOAD: dict[str, Any] = {
    "swap": 7,
    "status": "pending",
    "schedule": "primary",
    "schedule_name": "Primary <!channel>",
    "schedule_timezone": "America/New_York",
    "requester": {"id": "ann", "name": "Ann", "timezone": "UTC"},
    "counterpart": {"id": "bob", "name": "Bob", "timezone": "Europe/Berlin"},
    "from": "2026-03-04T09:00:00+00:00",
    "to": "2026-03-05T09:00:00+00:00",
    "take_from": None,
    "take_to": None,
    "reason": "dinner <@U0DAN> & co",
    "slack_channel": "C0OPS",
}


def blocks(reply: Any) -> list[dict[str, Any]]:
    rendered = reply_blocks(reply)
    assert_valid(rendered)
    assert_safe(rendered)
    return rendered


def actions(rendered: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [
        (e["action_id"], e["value"])
        for b in rendered
        if b["type"] == "actions"
        for e in b["elements"]
    ]


def test_the_request_is_in_the_counterparts_zone_with_its_buttons() -> None:
    rendered = blocks(request_card(PAYLOAD, "pending"))
    text = all_text(rendered)
    assert "Wed 04 Mar 10:00 CET to Thu 05 Mar 10:00 CET" in text  # Bob reads Berlin time
    assert "&lt;!channel&gt;" in text and "&lt;@U0DAN&gt; &amp; co" in text  # escaped
    assert actions(rendered) == [(Action.SWAP_ACCEPT.value, "7"), (Action.SWAP_DECLINE.value, "7")]


def test_a_decided_request_has_no_buttons_and_says_by_whom() -> None:
    for status, said in (
        ("accepted", "Accepted by Bob: you are on call"),
        ("declined", "Declined by Bob"),
        ("cancelled", "Withdrawn by Ann"),
    ):
        rendered = blocks(request_card(PAYLOAD, status))
        assert actions(rendered) == [] and said in all_text(rendered)


def test_the_requester_and_the_channel_read_their_own_zones() -> None:
    accepted = {**PAYLOAD, "status": "accepted"}
    told = outcome_note(accepted)
    assert told.text.startswith("Bob accepted swap 7: Bob is on call in Primary")
    assert "Wed 04 Mar 09:00 UTC" in told.text
    assert "stays yours" in outcome_note({**PAYLOAD, "status": "declined"}).text
    note = channel_note(accepted)
    assert note.public and "Wed 04 Mar 04:00 EST" in note.text and "Bob takes Ann's" in note.text
    blocks(note)


def test_a_payload_missing_fields_still_renders() -> None:
    blocks(request_card({"swap": 1}, "pending"))
    blocks(outcome_note({}))


def submitted(**values: Any) -> dict[str, Any]:
    state = {
        "counterpart": {"value": {"type": "users_select", "selected_user": values.get("user")}},
        "from": {"value": {"type": "datetimepicker", "selected_date_time": values.get("start")}},
        "to": {"value": {"type": "datetimepicker", "selected_date_time": values.get("end")}},
        "reason": {"value": {"type": "plain_text_input", "value": values.get("reason")}},
    }
    return {"state": {"values": state}}


def test_the_modal_is_a_valid_view_with_its_prefill() -> None:
    start = datetime(2026, 3, 4, 9, tzinfo=UTC)
    view = swap_view(
        schedules=[("primary", "Primary"), ("office", "Office hours")],
        schedule="office",
        start=start,
        metadata='{"origin":"home"}',
    )
    ViewModel(**view).validate_json()
    by_id = {b.get("block_id"): b for b in view["blocks"]}
    assert by_id["from"]["element"]["initial_date_time"] == int(start.timestamp())
    assert "initial_date_time" not in by_id["to"]["element"]
    assert by_id["schedule"]["element"]["initial_option"]["value"] == "office"
    assert "schedule" not in {b.get("block_id") for b in swap_view(schedules=[])["blocks"]}


def test_a_submission_is_read_and_checked_per_field() -> None:
    now = datetime(2026, 3, 2, 10, tzinfo=UTC)
    inputs = read_submission(submitted(user="U0BOB", start=1772614800, end=1772701200))
    assert inputs == SwapInputs(
        "U0BOB",
        None,
        datetime(2026, 3, 4, 9, tzinfo=UTC),
        datetime(2026, 3, 5, 9, tzinfo=UTC),
        None,
    )
    assert input_errors(inputs, now) == {}
    bad = read_submission(submitted(start="soon", end=1772614800, reason="x" * 501))
    assert set(input_errors(bad, now)) == {"counterpart", "from", "reason"}
    backwards = read_submission(submitted(user="U0BOB", start=1772701200, end=1772614800))
    assert input_errors(backwards, now) == {"to": "The end must be after the start."}


def test_errors_land_on_the_views_own_blocks() -> None:
    view = swap_view(schedules=[])
    assert field_errors(view, {"schedule": "Gone.", None: "Not you.", "to": "Later."}) == {
        "counterpart": "Gone. Not you.",
        "to": "Later.",
    }
