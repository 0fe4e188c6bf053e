"""Configuration models (core.config) turned into the engine's inputs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from core.config.model import Person, Schedule
from core.schedule.final import who_at
from core.schedule.from_config import engine_inputs, person_spec, schedule_spec
from core.schedule.model import TimeOff, WeeklyWindow
from tests.unit.schedule.helpers import BERLIN, CHICAGO, chi


def config_schedule(**changes: Any) -> Schedule:
    data: dict[str, Any] = {
        "id": "primary",
        "timezone": "America/Chicago",
        "layers": [
            {"id": "weekly", "members": ["alice", "bob"], "rotation": "weekly",
             "start": "2020-03-02 09:00"},
            {"id": "days", "members": ["bob"], "rotation": "daily", "every": 2,
             "start": "2020-03-02 09:00",
             "active": [{"days": ["mon", "tue"], "from": "09:00", "to": "24:00"}]},
        ],
    }  # fmt: skip
    data.update(changes)
    return Schedule.model_validate(data)


PEOPLE = {
    "alice": Person.model_validate({"id": "alice", "timezone": "Europe/Berlin"}),
    "bob": Person.model_validate(
        {"id": "bob", "timezone": "Europe/Berlin", "available": ["07:00-23:00"]}
    ),
}


def test_schedule_spec_carries_zone_layers_and_windows() -> None:
    spec = schedule_spec(config_schedule())
    assert spec.zone == CHICAGO
    weekly, days = spec.layers
    assert (weekly.members, weekly.rotation, weekly.every) == (("alice", "bob"), "weekly", 1)
    assert weekly.start == datetime(2020, 3, 2, 9, 0) and weekly.active is None
    assert days.every == 2
    assert days.active == (WeeklyWindow(frozenset({0, 1}), 9 * 60, 24 * 60),)


def test_person_spec_keeps_zone_and_spans() -> None:
    bob = person_spec(PEOPLE["bob"])
    assert bob.zone == BERLIN and bob.available == ((7 * 60, 23 * 60),)
    assert person_spec(PEOPLE["alice"]).available is None


def test_engine_inputs_drive_who_at() -> None:
    spec, roster = engine_inputs(
        config_schedule(), PEOPLE, [TimeOff("alice", chi(2020, 3, 4), chi(2020, 3, 5))]
    )
    # Wednesday 12:00: the days layer is inactive; alice holds the week but is off: bob covers
    got = who_at(spec, roster, chi(2020, 3, 4, 12))
    assert got is not None and (got.person, got.source) == ("bob", "cover")


def test_missing_zone_or_unknown_member_is_an_error() -> None:
    with pytest.raises(ValueError, match="timezone"):
        schedule_spec(config_schedule(timezone=None))
    with pytest.raises(ValueError, match="timezone"):
        person_spec(Person.model_validate({"id": "x"}))
    with pytest.raises(ValueError, match="unknown people: bob"):
        engine_inputs(config_schedule(), {"alice": PEOPLE["alice"]})
