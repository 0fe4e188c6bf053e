"""The layer form of ``/oncall config``: its words, what counts as a change, who may edit."""

from __future__ import annotations

import pytest

from core.chat.config_rights import config_refusal, editable_schedules
from core.config.layer_edit import (
    LayerValues,
    Window,
    changed_keys,
    changes,
    field_of,
    form_of,
    parse_form,
    parse_windows,
    windows_text,
)
from core.config.layer_record import change_summary, commit_message
from core.config.model import Layer
from core.config.validate import validate_document

LAYER = Layer.model_validate(
    {
        "id": "weekly",
        "members": ["anna", "lukas", "sofia"],
        "rotation": "weekly",
        "start": "2026-01-05 9:00",
        "active": [{"days": ["fri", "mon"], "from": "9:00", "to": "18:00"}],
    }
)
FORM = {
    "members": "anna, lukas, sofia",
    "rotation": "weekly",
    "every": "1",
    "start_date": "2026-01-05",
    "start_time": "09:00",
    "active": "mon,fri 09:00-18:00",
}


def test_the_form_shows_the_layer_and_reads_back_as_no_change() -> None:
    values = LayerValues.of(LAYER)
    assert form_of(values) == FORM
    parsed, errors = parse_form(FORM)
    assert errors == {} and parsed is not None
    assert changed_keys(LAYER, parsed) == ()  # "9:00" in the file and "09:00" mean the same


def test_spelling_is_not_a_change_but_order_of_members_is() -> None:
    parsed, _ = parse_form({**FORM, "start_time": "9:00", "active": "fri, mon 9:00 - 18:00"})
    assert parsed is not None and changed_keys(LAYER, parsed) == ()
    parsed, _ = parse_form({**FORM, "members": "lukas anna sofia"})
    assert parsed is not None and changed_keys(LAYER, parsed) == ("members",)
    found = changes(LayerValues.of(LAYER), parsed, ("members",))
    assert found[0].describe() == "members: anna, lukas, sofia -> lukas, anna, sofia"


def test_every_key_that_changes_is_named_once() -> None:
    parsed, _ = parse_form(
        {
            "members": "anna,sofia",
            "rotation": "Daily",
            "every": "2",
            "start_date": "2026-03-02",
            "start_time": "10:30",
            "active": "",
        }
    )
    assert parsed is not None
    assert parsed.active is None  # empty: always active
    assert changed_keys(LAYER, parsed) == ("members", "rotation", "every", "start", "active")
    shown = {
        c.key: c.after for c in changes(LayerValues.of(LAYER), parsed, changed_keys(LAYER, parsed))
    }
    assert shown == {
        "members": "anna, sofia",
        "rotation": "daily",
        "every": "2",
        "start": "2026-03-02 10:30",
        "active": "always",
    }


def test_a_date_that_does_not_exist_counts_as_changed_so_the_validator_reports_it() -> None:
    parsed, errors = parse_form({**FORM, "start_date": "2026-02-30"})
    assert errors == {} and parsed is not None
    assert changed_keys(LAYER, parsed) == ("start",)


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("members", "", "at least one member"),
        ("members", "anna, -x", "not a person id"),
        ("members", "anna lukas anna", "anna is named twice"),
        ("rotation", "fortnightly", "Choose one of hourly"),
        ("every", "0", "1 to 1000"),
        ("every", "two", "1 to 1000"),
        ("start_date", "", "date of the first turn"),
        ("start_time", "25:00", "hand-over time"),
        ("active", "weekdays 09:00-18:00", "Line 1"),
        ("active", "mon 09:00-18:00\nmon,mon 10:00-11:00", "Line 2: a day is named twice"),
        ("active", "mon 24:00-06:00", "only as the end of a window"),
        ("active", "mon 9-18", "like `mon-fri 09:00-18:00`"),
    ],
)
def test_each_bad_field_gets_its_own_message(field: str, value: str, says: str) -> None:
    parsed, errors = parse_form({**FORM, field: value})
    assert parsed is None
    assert list(errors) == [field]
    assert says in errors[field]


def test_window_lines_wrap_day_ranges_and_read_back() -> None:
    windows = parse_windows("fri-mon 22:00-06:00\n13:00-21:00\nsat,sun 00:00-00:00\n")
    assert windows == (
        Window(("mon", "fri", "sat", "sun"), "22:00", "06:00"),
        Window(None, "13:00", "21:00"),
        Window(("sat", "sun"), "00:00", "00:00"),
    )
    assert windows_text(windows) == "mon,fri-sun 22:00-06:00\n13:00-21:00\nsat-sun 00:00-00:00"
    assert parse_windows(windows_text(windows)) == windows
    assert parse_windows("  \n") is None
    assert windows_text(parse_windows("daily 09:00-17:00")) == "09:00-17:00"


def test_validator_paths_map_to_the_form_fields_of_the_layer_only() -> None:
    assert field_of(("schedules", 1, "layers", 0, "members", 2), 1, 0) == "members"
    assert field_of(("schedules", 1, "layers", 0, "start"), 1, 0) == "start_date"
    assert field_of(("schedules", 1, "layers", 0, "active", 0, "to"), 1, 0) == "active"
    assert field_of(("schedules", 1, "layers", 1, "members"), 1, 0) is None
    assert field_of(("people", 0, "id"), 1, 0) is None


def test_commit_message_names_the_change_and_the_manager() -> None:
    parsed, _ = parse_form({**FORM, "members": "anna sofia lukas", "every": "2"})
    assert parsed is not None
    found = changes(LayerValues.of(LAYER), parsed, changed_keys(LAYER, parsed))
    message = commit_message("payments-primary", "weekly", found, "Dana Fischer", "Slack")
    subject, _, body = message.partition("\n\n")
    assert subject == "oncall config: payments-primary layer weekly: members, every"
    assert "members: anna, lukas, sofia -> anna, sofia, lukas\nevery: 1 -> 2" in body
    assert "Changed by Dana Fischer from Slack" in body
    assert change_summary("s", "l", ()) == "s layer l: no change"


RIGHTS = validate_document(
    {
        "version": 1,
        "people": [{"id": p} for p in ("dana", "marcus", "anna")],
        "teams": [{"id": "payments", "managers": ["dana"]}, {"id": "idle", "managers": ["marcus"]}],
        "schedules": [
            {
                "id": "pay",
                "team": "payments",
                "layers": [dict(LAYER.model_dump(by_alias=True, mode="json"), members=["anna"])],
            },
            {
                "id": "free",
                "layers": [dict(LAYER.model_dump(by_alias=True, mode="json"), members=["anna"])],
            },
        ],
    }
).config


def test_only_managers_of_the_schedules_team_may_edit_it() -> None:
    assert RIGHTS is not None
    assert [s.id for s in editable_schedules(RIGHTS, "dana")] == ["pay"]
    assert editable_schedules(RIGHTS, "anna") == () == editable_schedules(RIGHTS, None)
    assert config_refusal(RIGHTS, "dana") is None
    assert config_refusal(RIGHTS, "dana", "pay") is None
    assert "manage no team" in (config_refusal(RIGHTS, "anna") or "")
    assert "have no schedules" in (config_refusal(RIGHTS, "marcus") or "")
    assert config_refusal(RIGHTS, "marcus", "pay") == "only a manager of payments may change pay"
    assert "belongs to no team" in (config_refusal(RIGHTS, "dana", "free") or "")
    assert "not in the on-call configuration" in (config_refusal(RIGHTS, None) or "")
    assert "no schedule 'gone'" in (config_refusal(RIGHTS, "dana", "gone") or "")
