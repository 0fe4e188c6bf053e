"""The diff between two configurations: by id, by meaning, not by formatting."""

from __future__ import annotations

import copy
from typing import Any

from core.config.diff import diff_configurations
from core.config.model import Configuration
from core.config.validate import validate_document
from tests.unit.config.test_validate import BASE


def config(data: dict[str, Any]) -> Configuration:
    result = validate_document(data)
    assert result.config is not None, result.issues
    return result.config


def test_same_configuration_is_no_change() -> None:
    assert diff_configurations(config(BASE), config(copy.deepcopy(BASE))).empty


def test_formatting_is_not_a_change() -> None:
    reformatted = copy.deepcopy(BASE)
    layer = reformatted["schedules"][0]["layers"][0]
    layer["start"] = "2026-01-05T09:00"
    layer["active"] = [{"days": ["Saturday"], "from": "22:00", "to": "6:00"}]
    reformatted["escalation_policies"][0]["tiers"][0]["escalate_after"] = "300s"
    assert diff_configurations(config(BASE), config(reformatted)).empty


def test_first_apply_adds_everything() -> None:
    diff = diff_configurations(None, config(BASE))
    assert diff.counts() == {
        "settings": {"added": 1, "changed": 0, "removed": 0},
        "people": {"added": 4, "changed": 0, "removed": 0},
        "teams": {"added": 1, "changed": 0, "removed": 0},
        "schedules": {"added": 1, "changed": 0, "removed": 0},
        "services": {"added": 1, "changed": 0, "removed": 0},
        "escalation_policies": {"added": 1, "changed": 0, "removed": 0},
        "severities": {"added": 3, "changed": 0, "removed": 0},
        "routes": {"added": 1, "changed": 0, "removed": 0},
    }


def test_added_changed_removed_with_field_paths() -> None:
    new = copy.deepcopy(BASE)
    new["people"] = [p for p in new["people"] if p["id"] != "erin"] + [{"id": "frank"}]
    new["schedules"][0]["layers"][0]["members"] = ["bob", "alice"]
    new["schedules"][0]["layers"].append(
        {"id": "nights", "members": ["bob"], "rotation": "daily", "start": "2026-01-05 20:00"}
    )
    new["timezone"] = "America/Chicago"
    diff = diff_configurations(config(BASE), config(new))
    lines = [c.describe() for c in diff.changes]
    assert "changed settings/timezone: value" in lines
    assert "added people/frank" in lines
    assert "removed people/erin" in lines
    # The schedule's zone defaults to the file's, so it changes with it.
    assert (
        "changed schedules/primary: timezone, layers[weekly].members, layers[nights] added" in lines
    ), lines
    # Zones that default to the file's zone change with it.
    assert "changed people/bob: timezone" in lines


def test_route_order_is_a_change() -> None:
    old = copy.deepcopy(BASE)
    old["routes"] = [
        {"match": {"a": "1"}, "service": "checkout"},
        {"match": {}, "service": "checkout"},
    ]
    new = copy.deepcopy(old)
    new["routes"].reverse()
    diff = diff_configurations(config(old), config(new))
    assert [(c.kind, c.id, c.action) for c in diff.changes] == [
        ("routes", "1", "changed"),
        ("routes", "2", "changed"),
    ]


def test_service_order_is_a_change_because_first_match_wins() -> None:
    old = copy.deepcopy(BASE)
    old["services"].append({"id": "ledger", "team": "payments"})
    new = copy.deepcopy(old)
    new["services"].reverse()
    diff = diff_configurations(config(old), config(new))
    assert [c.describe() for c in diff.changes] == ["changed services/(order): order"]
