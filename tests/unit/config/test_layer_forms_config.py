"""The layer forms of issue 15 in the file: parsing, the validator's rules (path, line, message),
the engine's inputs, and chat edits that keep them."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from core.config import timefmt
from core.config.layer_edit import (
    LayerValues,
    Window,
    changed_keys,
    form_of,
    parse_windows,
    windows_text,
)
from core.config.validate import validate_document
from core.schedule.final import final_schedule, who_at
from core.schedule.from_config import layer_spec
from core.schedule.model import ScheduleSpec
from core.schedule.roster import Roster
from integrations.config_repo.editor import Prepared
from integrations.config_repo.loader import validate_text
from tests.unit.config.test_layer_yaml import COMPACT, editor_for, values

LAYER: dict[str, Any] = {
    "id": "weekly",
    "members": ["alice", "bob"],
    "rotation": "weekly",
    "start": "2026-01-05 09:00",
}
DOC: dict[str, Any] = {
    "version": 1,
    "timezone": "America/Chicago",
    "people": [{"id": "alice"}, {"id": "bob"}],
    "schedules": [{"id": "primary", "layers": [LAYER]}],
}


def doc(**fields: Any) -> dict[str, Any]:
    """DOC whose one layer has ``fields`` added (a value of None removes the key)."""
    out = copy.deepcopy(DOC)
    layer = out["schedules"][0]["layers"][0]
    for key, value in fields.items():
        if value is None:
            layer.pop(key, None)
        else:
            layer[key] = value
    return out


def issues(data: dict[str, Any]) -> list[tuple[str, str]]:
    return [(i.dotted, i.message) for i in validate_document(data).issues]


P = "schedules[0].layers[0]"


def window(**fields: Any) -> dict[str, Any]:
    """Layer fields with one active window of ``fields`` (09:00-17:00)."""
    return {"active": [{"from": "09:00", "to": "17:00", **fields}]}


WEEKDAYS = window(days=["mon", "tue", "wed", "thu", "fri"])


VALID = [
    {"until": "2026-03-01 09:00"},
    {"rotation_start": "2026-01-05 09:00"},  # equal to start: allowed
    {"rotation_start": "2026-02-01 00:00", "until": "2026-03-01 09:00"},
    {"skip": 1},
    {"skip": 3, "every": 2, "until": "2026-06-01 00:00"},
    {"shift": "3h", "rotation": "daily", "every": 2},
    {"shift": "7d", "skip": 1},  # as long as the turn: allowed
    {"shift": "28d", "rotation": "monthly"},
    {"shift": "10m", "rotation": "hourly", "every": 2},
    {"active": [{"days_of_month": [1, 15], "from": "09:00", "to": "17:00"}]},
    {"active": [{"days": ["mon"], "days_of_month": [-1, 1, 2, 3], "from": "22:00", "to": "06:00"}]},
    {"turn": "calendar"},
    {"turn": "active", "rotation": "daily", "every": 2, **WEEKDAYS},
    {"turn": "active", "shift": "3h", "until": "2026-06-01 00:00", **WEEKDAYS},
]

BAD = [
    ({"until": "2026-01-05 09:00"}, f"{P}.until", "`until` must be after `start`"),
    ({"until": "2025-12-31 23:00"}, f"{P}.until", "`until` must be after `start`"),
    ({"until": "soon"}, f"{P}.until", 'expected "YYYY-MM-DD HH:MM"'),
    ({"until": "2026-02-30 09:00"}, f"{P}.until", "not a real date"),
    (
        {"rotation_start": "2026-01-05 08:59"},
        f"{P}.rotation_start",
        "`rotation_start` must not be before `start`",
    ),
    (
        {"rotation_start": "2026-03-01 09:00", "until": "2026-03-01 09:00"},
        f"{P}.rotation_start",
        "`rotation_start` must be before `until`",
    ),
    ({"rotation_start": 20260301}, f"{P}.rotation_start", 'expected "YYYY-MM-DD HH:MM"'),
    ({"skip": 0}, f"{P}.skip", "greater than or equal to 1"),
    ({"skip": -1}, f"{P}.skip", "greater than or equal to 1"),
    ({"skip": 1001}, f"{P}.skip", "less than or equal to 1000"),
    ({"skip": "1"}, f"{P}.skip", "valid integer"),
    ({"skip": True}, f"{P}.skip", "valid integer"),
    (
        {
            "skip": 1,
            "turn": "active",
            "active": [{"days": ["mon"], "from": "09:00", "to": "17:00"}],
        },
        f"{P}.skip",
        "cannot be combined with `turn: active`",
    ),
    ({"shift": "0m"}, f"{P}.shift", "longer than zero"),
    ({"shift": 3}, f"{P}.shift", "with a unit"),
    ({"shift": "3 hours"}, f"{P}.shift", "expected a duration"),
    (
        {"shift": "25h", "rotation": "daily"},
        f"{P}.shift",
        "a shift of 1d1h is longer than a turn (1 daily unit(s), at most 1d)",
    ),
    ({"shift": "2h1m", "rotation": "hourly", "every": 2}, f"{P}.shift", "at most 2h"),
    ({"shift": "29d", "rotation": "monthly"}, f"{P}.shift", "at most 28d"),
    (window(days_of_month=[]), f"{P}.active[0].days_of_month", "name at least one day"),
    (window(days_of_month=[0]), f"{P}.active[0].days_of_month", "0 is not a day of the month"),
    (window(days_of_month=[32]), f"{P}.active[0].days_of_month", "use 1..31, or -1"),
    (window(days_of_month=[-2]), f"{P}.active[0].days_of_month", "-2 is not a day"),
    (window(days_of_month=[15, 15]), f"{P}.active[0].days_of_month", "named twice"),
    (window(days_of_month=["1"]), f"{P}.active[0].days_of_month[0]", "valid integer"),
    (window(days_of_month=15), f"{P}.active[0].days_of_month", "valid tuple"),
    ({"turn": "active"}, f"{P}.turn", "add `active` windows or remove `turn`"),
    ({"turn": "weekdays", **WEEKDAYS}, f"{P}.turn", "'weekdays' is not allowed"),
    ({"turn": "active", "skip": 1, **WEEKDAYS}, f"{P}.skip", "cannot be combined"),
]


@pytest.mark.parametrize("fields", VALID)
def test_valid_forms_validate_and_reach_the_engine(fields: dict[str, Any]) -> None:
    result = validate_document(doc(**fields))
    assert result.issues == ()
    assert result.config is not None
    layer = result.config.schedules[0].layers[0]
    spec = layer_spec(layer, "America/Chicago")
    assert spec.skip == fields.get("skip", 0)
    assert spec.turn == fields.get("turn", "calendar")
    assert (spec.shift is None) == ("shift" not in fields)
    assert spec.shift is None or timefmt.format_duration(spec.shift) == fields["shift"]
    for got, written in zip(spec.active or (), fields.get("active", ()), strict=True):
        dates = written.get("days_of_month")
        assert got.days_of_month == (None if dates is None else frozenset(dates))
    again = validate_document(result.config.to_document())  # the stored form reads back
    assert again.config == result.config


@pytest.mark.parametrize(("fields", "path", "says"), BAD)
def test_each_bad_form_is_one_issue_on_its_field(
    fields: dict[str, Any], path: str, says: str
) -> None:
    found = issues(doc(**fields))
    assert len(found) == 1, found
    assert found[0][0] == path
    assert says in found[0][1]


def test_until_and_rotation_start_become_wall_clock_readings_of_the_engine() -> None:
    result = validate_document(doc(rotation_start="2026-02-01 00:00", until="2026-03-08 02:30"))
    assert result.config is not None
    spec = layer_spec(result.config.schedules[0].layers[0], "America/Chicago")
    assert (spec.rotation_start, spec.until) == (datetime(2026, 2, 1), datetime(2026, 3, 8, 2, 30))
    assert (spec.skip, spec.shift, spec.turn) == (0, None, "calendar")
    # not written: left out of the stored document, so older documents compare equal
    plain = validate_document(doc())
    assert plain.config is not None
    stored = plain.config.to_document()["schedules"][0]["layers"][0]
    assert set(stored) == {"id", "members", "rotation", "every", "start"}


@pytest.mark.parametrize("field", ["until", "rotation_start", "start"])
def test_a_far_future_reading_is_refused_with_a_clear_message(field: str) -> None:
    # 9999-12-31 23:59 passed and then overflowed in the engine; years after 9000 are refused
    found = issues(doc(**{field: "9999-12-31 23:59"}))
    assert found == [
        (
            f"{P}.{field}",
            "'9999-12-31 23:59' is out of range: write a year from 1900 to 9000 "
            "(leave `until` out for a layer that never ends)",
        )
    ]
    assert issues(doc(**{field: "1899-12-31 23:59"}))[0][0] == f"{P}.{field}"


def test_the_latest_until_allowed_reaches_the_engine_without_overflow() -> None:
    result = validate_document(doc(until="9000-12-31 23:59"))
    assert result.issues == () and result.config is not None
    spec = layer_spec(result.config.schedules[0].layers[0], "America/Chicago")
    schedule = ScheduleSpec("primary", spec.zone, (spec,))
    now = datetime(2026, 3, 1, tzinfo=UTC)
    got = who_at(schedule, Roster({}), now)
    assert got is not None and got.person in ("alice", "bob")
    final = final_schedule(schedule, Roster({}), now, now + timedelta(days=31))
    assert final.shifts and not final.gaps


@pytest.mark.parametrize(
    ("rotation_start", "until", "empty"),
    [
        # Chicago springs forward on 2026-03-08 at 02:00: 02:00-03:00 does not exist, every
        # reading inside it means 03:00 CDT
        ("2026-03-08 02:10", "2026-03-08 02:30", True),  # the same instant: an empty layer
        ("2026-03-08 02:00", "2026-03-08 03:00", True),  # 03:00 both
        ("2026-03-08 01:50", "2026-03-08 02:30", False),  # 01:50 CST to 03:00 CDT: 10 minutes
        ("2026-03-08 02:30", "2026-03-08 03:01", False),
    ],
)
def test_rotation_start_and_until_compare_as_instants_by_the_dst_rule(
    rotation_start: str, until: str, empty: bool
) -> None:
    found = issues(doc(rotation_start=rotation_start, until=until))
    if not empty:
        assert found == []
        return
    assert found == [
        (
            f"{P}.rotation_start",
            "`rotation_start` must be before `until` (as instants: a reading inside a "
            "daylight-saving gap means the gap's end): the layer would be empty",
        )
    ]


def test_until_inside_the_gap_of_a_start_inside_it_is_not_after_start() -> None:
    data = doc(start="2026-03-08 02:10", until="2026-03-08 02:40")
    assert issues(data) == [
        (
            f"{P}.until",
            "`until` must be after `start` (as instants: a reading inside a daylight-saving gap "
            "means the gap's end)",
        )
    ]
    data["schedules"][0]["timezone"] = "UTC"  # no gap in UTC: 30 minutes
    assert issues(data) == []


LINES = """\
version: 1
people: [{id: ann}, {id: bob}]
schedules:
  - id: primary
    layers:
      - id: weekly
        members: [ann, bob]
        rotation: weekly
        start: "2026-01-05 09:00"
        rotation_start: "2026-01-01 09:00"
        until: "2026-01-05 09:00"
"""


def test_the_messages_name_the_file_and_line() -> None:
    report = validate_text(LINES, "f.yaml")
    assert report.messages == (
        "f.yaml:10: schedules[0].layers[0].rotation_start: `rotation_start` must not be before "
        "`start` (the anchor of the first turn)",
        "f.yaml:11: schedules[0].layers[0].until: `until` must be after `start`",
    )


TWO_LAYERS = """\
version: 1
timezone: America/Chicago
people: [{id: a}, {id: b}]
schedules:
  - id: s
    layers:
      - id: l
        members: [a, zz]
        rotation: daily
        start: "2026-01-05 09:00"
        until: "2025-01-05 09:00"
        shift: 3d
        turn: active
        skip: 2
      - id: m
        members: [a]
        rotation: weekly
        start: "2026-01-05 09:00"
        skip: yes-please
escalation_policies:
  - id: p
    tiers:
      - targets: [schedule:s, schedule:nope]
        escalate_after: 5m
"""


def test_an_invalid_layer_does_not_hide_the_cross_field_errors_of_the_others() -> None:
    # layer m fails on its own (skip is not a number), so the schedule does not validate;
    # layer l validates on its own and its cross-field errors are still reported, in one run
    report = validate_text(TWO_LAYERS, "f.yaml")
    assert report.messages == (
        "f.yaml:8: schedules[0].layers[0].members[1]: unknown person 'zz'",
        "f.yaml:11: schedules[0].layers[0].until: `until` must be after `start`",
        "f.yaml:12: schedules[0].layers[0].shift: a shift of 3d is longer than a turn "
        "(1 daily unit(s), at most 1d)",
        "f.yaml:13: schedules[0].layers[0].turn: `turn: active` counts the units in which the "
        "layer's `active` windows open; add `active` windows or remove `turn`",
        "f.yaml:14: schedules[0].layers[0].skip: `skip` counts calendar units and cannot be "
        "combined with `turn: active`",
        "f.yaml:19: schedules[0].layers[1].skip: Input should be a valid integer",
        "f.yaml:23: escalation_policies[0].tiers[0].targets[1]: unknown schedule 'nope'",
    )


# Chat edits (/oncall config) change only the keys of the form; the forms stay as written.

SHAPED = COMPACT.replace(
    "    start: '2026-03-02 09:00'   # single quotes on purpose\n",
    "    start: '2026-03-02 09:00'   # single quotes on purpose\n"
    '    rotation_start: "2026-03-09 09:00"\n'
    '    until: "2026-06-01 09:00"   # the contractor leaves\n',
)


async def test_editing_members_keeps_until_in_the_file(tmp_path: Path) -> None:
    editor, _ = await editor_for(tmp_path / "ops.yaml", SHAPED)
    source = await editor.source()
    layer = source.config.schedules[0].layers[0]
    assert layer.until == datetime(2026, 6, 1, 9, 0)
    assert changed_keys(layer, values(members="bob, ann")) == ("members",)
    prepared = await editor.prepare(
        "dan", "primary", "daily", source.digest, values(members="bob, ann")
    )
    assert isinstance(prepared, Prepared) and prepared.new_text is not None
    assert '    until: "2026-06-01 09:00"   # the contractor leaves\n' in prepared.new_text
    edited = prepared.config.schedules[0].layers[0]
    assert edited.members == ("bob", "ann")
    assert (edited.until, edited.rotation_start) == (layer.until, layer.rotation_start)


async def test_editing_every_keeps_until_in_the_database() -> None:
    editor, _ = await editor_for(None, SHAPED)
    source = await editor.source()
    prepared = await editor.prepare("dan", "primary", "daily", source.digest, values(every=2))
    assert isinstance(prepared, Prepared)
    edited = prepared.config.schedules[0].layers[0]
    assert edited.every == 2
    assert edited.until == datetime(2026, 6, 1, 9, 0)
    assert edited.rotation_start == datetime(2026, 3, 9, 9, 0)
    assert LayerValues.of(edited).every == 2


DATED = COMPACT.replace(
    '    - {days: [mon, tue, wed, thu, fri], from: "08:00", to: "20:00"}  # office hours\n',
    '    - {days: [mon, tue, wed, thu, fri], days_of_month: [1, 15], from: "08:00", to: "20:00"}  # paydays\n',
)


def test_windows_with_days_of_month_read_and_write_as_form_lines() -> None:
    parsed = parse_windows("mon 1-7 09:00-17:00\n1,15,last 00:00-00:00\n-1 22:00-06:00")
    assert parsed == (
        Window(("mon",), "09:00", "17:00", (1, 2, 3, 4, 5, 6, 7)),
        Window(None, "00:00", "00:00", (1, 15, -1)),
        Window(None, "22:00", "06:00", (-1,)),
    )
    assert windows_text(parsed) == "mon 1-7 09:00-17:00\n1,15,last 00:00-00:00\nlast 22:00-06:00"
    assert parse_windows(windows_text(parsed)) == parsed
    for bad, says in (("7-1 09:00-17:00", "from low to high"), ("1,1 09:00-17:00", "twice")):
        with pytest.raises(ValueError, match=says):
            parse_windows(bad)


async def test_editing_members_keeps_days_of_month_in_the_file_and_the_database(
    tmp_path: Path,
) -> None:
    for path in (tmp_path / "ops.yaml", None):
        editor, _ = await editor_for(path, DATED)
        source = await editor.source()
        layer = source.config.schedules[0].layers[0]
        form = form_of(LayerValues.of(layer))
        assert form["active"] == "mon-fri 1,15 08:00-20:00"
        edit = values(members="bob, ann", active=form["active"])
        assert changed_keys(layer, edit) == ("members",)
        prepared = await editor.prepare("dan", "primary", "daily", source.digest, edit)
        assert isinstance(prepared, Prepared)
        assert prepared.config.schedules[0].layers[0].active == layer.active
        if path is not None:
            assert prepared.new_text is not None and "days_of_month: [1, 15]" in prepared.new_text


async def test_changing_days_of_month_from_chat_writes_them(tmp_path: Path) -> None:
    for path in (tmp_path / "ops.yaml", None):
        editor, _ = await editor_for(path, DATED)
        source = await editor.source()
        for text, dates in (("mon-fri last 08:00-20:00", (-1,)), ("mon-fri 08:00-20:00", None)):
            edit = values(active=text)
            prepared = await editor.prepare("dan", "primary", "daily", source.digest, edit)
            assert isinstance(prepared, Prepared)
            active = prepared.config.schedules[0].layers[0].active
            assert active is not None and active[0].days_of_month == dates
            added = windows_text(LayerValues.of(prepared.config.schedules[0].layers[0]).active)
            assert added == text


async def test_adding_days_of_month_keeps_the_window_line_and_its_comment(tmp_path: Path) -> None:
    editor, _ = await editor_for(tmp_path / "ops.yaml")
    source = await editor.source()
    edit = values(active="mon-fri 1,15 08:00-20:00")
    prepared = await editor.prepare("dan", "primary", "daily", source.digest, edit)
    assert isinstance(prepared, Prepared) and prepared.new_text is not None
    assert (
        '    - {days: [mon, tue, wed, thu, fri], days_of_month: [1, 15], from: "08:00", to: '
        '"20:00"}  # office hours\n'
    ) in prepared.new_text
