"""The modals' Block Kit and what a submission holds (:mod:`bot.handlers.slack.modal_views`),
and reading a button into a modal request (:mod:`bot.handlers.slack.opening`). Pure."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from slack_sdk.models.views import View as ViewModel

from bot.handlers.slack.modal_views import (
    decode_metadata,
    encode_metadata,
    errors_for,
    local_parts,
    notice_view,
    override_view,
    prefill_window,
    submitted,
    time_off_view,
)
from bot.handlers.slack.opening import prefill_of, request_from_action
from tests.slack_views import view_state

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def valid(view: dict[str, Any]) -> dict[str, Any]:
    ViewModel(**view).validate_json()
    assert ViewModel(**view).to_dict() == view
    return view


def by_id(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["block_id"]: b for b in view["blocks"] if "block_id" in b}


def test_the_time_off_modal_for_a_manager_and_for_anyone_else() -> None:
    start, end = utc("2026-03-03 23:00"), utc("2026-03-04 23:00")
    meta = encode_metadata({"zone": "Europe/Berlin", "origin": "home"})
    manager = valid(
        time_off_view(
            zone=BERLIN, pick_person=True, user_id="U0DAN", start=start, end=end, metadata=meta
        )
    )
    assert (manager["callback_id"], manager["private_metadata"]) == ("view.timeoff", meta)
    blocks = by_id(manager)
    assert list(blocks) == ["person", "from_date", "from_time", "to_date", "to_time", "reason"]
    assert blocks["person"]["element"] == {
        "type": "users_select",
        "action_id": "value",
        "initial_user": "U0DAN",
    }
    assert blocks["from_date"]["element"]["initial_date"] == "2026-03-04"  # midnight in Berlin
    assert blocks["from_time"]["element"]["initial_time"] == "00:00"
    assert blocks["to_time"]["element"]["timezone"] == "Europe/Berlin"
    assert blocks["reason"]["optional"] is True
    assert "Europe/Berlin" in json.dumps(manager["blocks"][-1])
    anyone = valid(
        time_off_view(
            zone=BERLIN, pick_person=False, user_id="U0BOB", start=None, end=None, metadata=meta
        )
    )
    assert "person" not in by_id(anyone) and "person_note" in by_id(anyone)
    assert "initial_date" not in by_id(anyone)["from_date"]["element"]


def test_the_override_modal_lists_schedules_and_preselects_one() -> None:
    schedules = [("primary", "Primary"), ("office", "Office hours"), ("x" * 200, "y" * 200)]
    view = valid(
        override_view(
            zone=ZoneInfo("UTC"),
            pick_person=False,
            user_id="U0ANN",
            schedules=schedules,
            schedule="office",
            start=NOW,
            end=utc("2026-03-02 18:00"),
            metadata="{}",
        )
    )
    select = by_id(view)["schedule"]["element"]
    assert [o["value"] for o in select["options"]][:2] == ["primary", "office"]
    assert select["initial_option"]["value"] == "office"
    assert len(select["options"][2]["text"]["text"]) <= 75
    many = [(f"s{n}", f"S {n}") for n in range(130)]
    view = override_view(
        zone=BERLIN,
        pick_person=True,
        user_id="U0DAN",
        schedules=many,
        schedule="nope",
        start=None,
        end=None,
        metadata="{}",
    )
    select = by_id(valid(view))["schedule"]["element"]
    assert len(select["options"]) == 100 and "initial_option" not in select
    empty = override_view(
        zone=BERLIN,
        pick_person=True,
        user_id="U0DAN",
        schedules=[],
        schedule=None,
        start=None,
        end=None,
        metadata="{}",
    )
    assert by_id(valid(empty))["schedule"]["element"]["options"][0]["value"] == "-"


def test_a_notice_has_no_submit_and_shows_text_escaped() -> None:
    view = valid(notice_view("Time off", "<!channel> & you"))
    assert "submit" not in view
    assert view["blocks"][0]["text"]["text"] == "&lt;!channel&gt; &amp; you"


@pytest.mark.parametrize(
    ("prefill", "expected"),
    [
        (
            {"from": "2026-03-02T17:00:00+00:00", "to": "2026-03-03T09:00:00+00:00"},
            (utc("2026-03-02 17:00"), utc("2026-03-03 09:00")),
        ),
        (  # a start already past is now; seconds round the window outwards
            {"from": "2026-03-02T09:59:30+00:00", "to": "2026-03-03T08:59:01+01:00"},
            (NOW, utc("2026-03-03 08:00")),
        ),
        (
            {"from": "2026-03-02T12:00:30Z", "to": "2026-03-02T13:00:00.5+00:00"},
            (utc("2026-03-02 12:00"), utc("2026-03-02 13:01")),
        ),
        ({"from": "2026-03-02 12:00", "to": 5}, (None, None)),  # no offset; not a string
        ({"from": "soon"}, (None, None)),
        ({}, (None, None)),
    ],
)
def test_prefill_windows(prefill: dict[str, Any], expected: tuple[Any, Any]) -> None:
    assert prefill_window(prefill, NOW) == expected


def test_local_parts_in_the_zone() -> None:
    assert local_parts(utc("2026-03-29 01:00"), BERLIN) == ("2026-03-29", "03:00")
    assert local_parts(None, BERLIN) == (None, None)


def test_metadata_round_trip_keeps_only_known_strings() -> None:
    meta = {"zone": "UTC", "origin": "command", "channel": "C1", "response_url": "https://x"}
    assert decode_metadata(encode_metadata(meta)) == meta
    assert decode_metadata('{"zone": 5, "origin": "home", "evil": "x"}') == {"origin": "home"}
    assert decode_metadata("not json") == decode_metadata("[1]") == decode_metadata(None) == {}
    long = encode_metadata({**meta, "response_url": "https://x/" + "a" * 4000})
    assert len(long) <= 3000 and "response_url" not in decode_metadata(long)


def test_a_submission_is_read_by_block_id() -> None:
    view = time_off_view(
        zone=BERLIN, pick_person=True, user_id="U0DAN", start=NOW, end=None, metadata="{}"
    )
    state = view_state(view, {"to_date": "2026-03-05", "to_time": "09:30", "reason": "dentist"})
    assert submitted({"state": state}) == {
        "person": "U0DAN",
        "from_date": "2026-03-02",
        "from_time": "11:00",
        "to_date": "2026-03-05",
        "to_time": "09:30",
        "reason": "dentist",
    }
    state = view_state(view, {"person": None, "reason": ""})
    assert submitted({"state": state})["person"] is None
    assert submitted({"state": state})["reason"] is None
    assert submitted({}) == {}


def test_errors_on_blocks_the_view_lacks_move_to_its_first_input() -> None:
    view = time_off_view(
        zone=BERLIN, pick_person=False, user_id="U0ANN", start=None, end=None, metadata="{}"
    )
    assert errors_for(view, {"person": "Not yours.", "to_date": "Too late."}) == {
        "from_date": "Not yours.",
        "to_date": "Too late.",
    }
    assert errors_for(view, {"from_date": "Pick a date.", "person": "Not yours."}) == {
        "from_date": "Pick a date. Not yours."
    }
    assert errors_for({}, {"person": "x"}) == {"person": "x"}


def test_a_buttons_value_is_its_prefill() -> None:
    assert prefill_of('{"schedule": "office"}') == {"schedule": "office"}
    for junk in ("", "{}", "[1]", "{", "x" * 2001, None):
        assert prefill_of(junk) == {}
    body = {
        "trigger_id": "1.2.3",
        "user": {"id": "U0ANN"},
        "container": {"type": "view", "view_id": "V1"},
        "view": {"type": "home"},
        "actions": [{"value": '{"schedule": "primary"}'}],
    }
    request = request_from_action(body, "ann")
    assert (request.origin, request.trigger_id, request.user_id) == ("home", "1.2.3", "U0ANN")
    assert request.prefill == {"schedule": "primary"} and request.response_url is None
    message = {**body, "container": {"type": "message"}, "view": None, "response_url": "u"}
    assert request_from_action(message, None).origin == "message"
    assert request_from_action(message, None).response_url == "u"
