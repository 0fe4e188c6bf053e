"""The validator: every mistake reported once, at the right path, with a useful message."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from core.config.model import DEFAULT_SEVERITIES
from core.config.validate import validate_document

BASE: dict[str, Any] = {
    "version": 1,
    "timezone": "Europe/Berlin",
    "people": [
        {"id": "alice", "timezone": "Europe/Berlin", "available": ["07:00-23:00"]},
        {"id": "bob"},
        {"id": "dana"},
        {"id": "erin"},
    ],
    "teams": [{"id": "payments", "managers": ["dana"]}],
    "schedules": [
        {
            "id": "primary",
            "team": "payments",
            "layers": [
                {
                    "id": "weekly",
                    "members": ["alice", "bob"],
                    "rotation": "weekly",
                    "start": "2026-01-05 09:00",
                    "active": [{"days": ["sat"], "from": "22:00", "to": "06:00"}],
                }
            ],
        }
    ],
    "services": [
        {"id": "checkout", "team": "payments", "escalation_policy": "default", "match": {"a": "b"}}
    ],
    "escalation_policies": [
        {
            "id": "default",
            "tiers": [
                {"targets": ["schedule:primary"], "escalate_after": "5m"},
                {"targets": ["person:dana"], "escalate_after": "10m"},
            ],
        }
    ],
    "routes": [{"match": {}, "service": "checkout"}],
}


def doc(**changes: Any) -> dict[str, Any]:
    """BASE with dotted-path changes applied: ``doc(**{"people.0.id": "x"})``."""
    out = copy.deepcopy(BASE)
    for dotted, value in changes.items():
        *parents, last = dotted.split(".")
        target: Any = out
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        if isinstance(target, list):
            target[int(last)] = value
        elif value is DELETE:
            del target[last]
        else:
            target[last] = value
    return out


DELETE = object()


def test_base_is_valid_and_defaults_are_filled() -> None:
    result = validate_document(BASE)
    assert result.issues == ()
    config = result.config
    assert config is not None
    assert config.person("bob") is not None and config.person("bob").timezone == "Europe/Berlin"  # type: ignore[union-attr]
    assert config.schedules[0].timezone == "Europe/Berlin"
    assert config.severities == DEFAULT_SEVERITIES
    assert config.escalation_policies[0].repeat == 0


def test_minimal_file_only_version() -> None:
    result = validate_document({"version": 1})
    assert result.config is not None and result.config.timezone == "UTC"


def test_people_and_schedules_only() -> None:
    data = {k: v for k, v in BASE.items() if k in ("version", "people", "schedules")}
    data["schedules"] = [dict(BASE["schedules"][0], team=None)]
    assert validate_document(data).issues == ()


CASES = [
    # (changes, expected dotted path, fragment of the message)
    ({"version": 2}, "version", "unsupported version"),
    ({"version": DELETE}, "<document>", "`version` is missing"),
    ({"colour": "blue"}, "colour", "unknown key 'colour'"),
    ({"timezone": "Mars/Base"}, "timezone", "unknown time zone"),
    ({"people.1": {"id": "bob", "nick": "b"}}, "people[1].nick", "unknown key 'nick'"),
    (
        {"people.1": {"id": "bob", "timezone": "Europe/Berln"}},
        "people[1].timezone",
        "unknown time zone",
    ),
    ({"people.1": {"id": "bob", "available": ["7-23"]}}, "people[1].available[0]", "HH:MM"),
    ({"people.1": {"id": "bob", "available": []}}, "people[1].available", "never available"),
    ({"people.1": {"id": "bob", "email": "not-an-email"}}, "people[1].email", "email"),
    ({"people.3": {"id": "e r i n"}}, "people[3].id", "not a valid id"),
    ({"people.3": {"name": "Erin"}}, "people[3].id", "required field is missing"),
    ({"people.3": {"id": "alice"}}, "people[3].id", "duplicate id 'alice'"),
    ({"teams.0.managers": ["zed"]}, "teams[0].managers[0]", "unknown person 'zed'"),
    ({"schedules.0.team": "nope"}, "schedules[0].team", "unknown team 'nope'"),
    ({"schedules.0.layers": []}, "schedules[0].layers", "must not be empty"),
    (
        {"schedules.0.layers.0.members": ["alice", "carol"]},
        "schedules[0].layers[0].members[1]",
        "unknown person 'carol'",
    ),
    (
        {"schedules.0.layers.0.rotation": "fortnightly"},
        "schedules[0].layers[0].rotation",
        "'fortnightly' is not allowed",
    ),
    (
        {"schedules.0.layers.0.every": 0},
        "schedules[0].layers[0].every",
        "greater than or equal to 1",
    ),
    (
        {"schedules.0.layers.0.start": "2026-02-30 09:00"},
        "schedules[0].layers[0].start",
        "not a real date",
    ),
    (
        {"schedules.0.layers.0.start": "tomorrow"},
        "schedules[0].layers[0].start",
        "YYYY-MM-DD HH:MM",
    ),
    ({"schedules.0.layers.0.active": []}, "schedules[0].layers[0].active", "never active"),
    (
        {"schedules.0.layers.0.active.0": {"days": ["sat"], "from": "22:00", "to": "25:00"}},
        "schedules[0].layers[0].active[0].to",
        "not a time of day",
    ),
    (
        {"schedules.0.layers.0.active.0": {"days": ["caturday"], "from": "22:00", "to": "06:00"}},
        "schedules[0].layers[0].active[0].days[0]",
        "not a day",
    ),
    (
        {"schedules.0.layers.0.active.0": {"days": ["sat", "sat"], "from": "22:00", "to": "06:00"}},
        "schedules[0].layers[0].active[0].days",
        "named twice",
    ),
    (
        {"schedules.0.layers.0.active.0": {"from": "24:00", "to": "06:00"}},
        "schedules[0].layers[0].active[0].from",
        "only as the end",
    ),
    ({"services.0.team": "ghosts"}, "services[0].team", "unknown team 'ghosts'"),
    ({"services.0.importance": "urgent"}, "services[0].importance", "'urgent' is not allowed"),
    (
        {"services.0.escalation_policy": "nope"},
        "services[0].escalation_policy",
        "unknown escalation policy",
    ),
    ({"services.0.match": {"a": 1}}, "services[0].match.a", "string"),
    (
        {"escalation_policies.0.tiers.0.targets": ["schedule:ghost"]},
        "escalation_policies[0].tiers[0].targets[0]",
        "unknown schedule 'ghost'",
    ),
    (
        {"escalation_policies.0.tiers.0.targets": ["person:zed"]},
        "escalation_policies[0].tiers[0].targets[0]",
        "unknown person 'zed'",
    ),
    (
        {"escalation_policies.0.tiers.0.targets": ["pager:x"]},
        "escalation_policies[0].tiers[0].targets[0]",
        "not a target",
    ),
    (
        {"escalation_policies.0.tiers.0.escalate_after": 5},
        "escalation_policies[0].tiers[0].escalate_after",
        "with a unit",
    ),
    (
        {"escalation_policies.0.tiers.0.escalate_after": "0m"},
        "escalation_policies[0].tiers[0].escalate_after",
        "longer than zero",
    ),
    (
        {"escalation_policies.0.repeat": -1},
        "escalation_policies[0].repeat",
        "greater than or equal to 0",
    ),
    (
        {"routes.0": {"match": {}, "service": "nowhere"}},
        "routes[0].service",
        "unknown service 'nowhere'",
    ),
    ({"severities": {"critical": {"page": "loud"}}}, "severities.critical.page", "boolean"),
    (
        {"severities": {"critical": {"notify": ["pager"]}}},
        "severities.critical.notify[0]",
        "'pager' is not allowed",
    ),
    (
        {"severities": {"warning": {"escalation_policy": "nope"}}},
        "severities.warning.escalation_policy",
        "unknown escalation policy",
    ),
    (
        {"severities": {"warning": {"escalation_policy": "default", "start_tier": 3}}},
        "severities.warning.start_tier",
        "only 2 tier",
    ),
    ({"severities": ["critical"]}, "severities", "must map"),
    ({"people": {"id": "alice"}}, "people", "must be a list"),
]


@pytest.mark.parametrize(("changes", "path", "fragment"), CASES)
def test_each_mistake_is_reported_once_at_its_path(
    changes: dict[str, Any], path: str, fragment: str
) -> None:
    result = validate_document(doc(**changes))
    assert result.config is None
    assert [i.dotted for i in result.issues] == [path], result.issues
    assert fragment in result.issues[0].message


def test_mistakes_do_not_hide_each_other() -> None:
    data = doc(
        **{
            "people.0": {"id": "alice", "timezone": "Nowhere/Land"},
            "schedules.0.layers.0.members": ["alice", "ghost"],
            "services.0.team": "ghosts",
            "routes.0": {"match": {}, "service": "nowhere"},
        }
    )
    paths = {i.dotted for i in validate_document(data).issues}
    assert paths == {
        "people[0].timezone",
        "schedules[0].layers[0].members[1]",
        "services[0].team",
        "routes[0].service",
    }


def test_invalid_person_is_still_a_known_reference() -> None:
    # alice's entry is broken, but references to alice must not be reported a second time.
    data = doc(**{"people.0": {"id": "alice", "colour": "red"}})
    assert [i.dotted for i in validate_document(data).issues] == ["people[0].colour"]


@pytest.mark.parametrize("data", [None, [], "text", 42])
def test_document_that_is_not_a_mapping(data: Any) -> None:
    result = validate_document(data)
    assert result.config is None
    assert len(result.issues) == 1 if data is not None else result.issues


def test_windows_and_times_are_canonical() -> None:
    data = doc(
        **{
            "schedules.0.layers.0.active.0": {
                "days": ["Sunday", "mon"],
                "from": "9:00",
                "to": "24:00",
            }
        }
    )
    config = validate_document(data).config
    assert config is not None
    window = config.schedules[0].layers[0].active[0]  # type: ignore[index]
    assert (window.days, window.from_, window.to) == ((0, 6), 540, 1440)
    dumped = config.to_document()["schedules"][0]["layers"][0]["active"][0]
    assert dumped == {"days": ["mon", "sun"], "from": "09:00", "to": "24:00"}
