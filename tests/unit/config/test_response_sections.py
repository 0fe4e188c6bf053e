"""The configuration of the response features: heartbeats, maintenance windows, rest after
night pages, a service's Jira component and a person's GitHub login."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import Any

import pytest

from core.config.validate import validate_document
from tests.unit.config.test_validate import BASE


def with_response(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    data["people"][0]["github"] = "alice-gh"
    data["teams"][0]["rest_after_night_pages"] = {"minutes": 60, "rest": "8h"}
    data["services"][0]["jira_component"] = "Checkout"
    data["heartbeats"] = [
        {"name": "prometheus-eu", "interval": "5m", "service": "checkout"},
        {"name": "am", "interval": "1m", "grace": "30s", "service": "checkout", "watchdog": {}},
    ]
    data["maintenance"] = [
        {"service": "checkout", "from": "2026-03-01 22:00", "to": "2026-03-02 02:00"},
        {
            "team": "payments",
            "from": "2026-04-01 00:00",
            "to": "2026-04-01 01:00",
            "timezone": "UTC",
            "reason": "db upgrade",
        },
    ]
    data.update(changes)
    return data


def test_every_response_field_is_read() -> None:
    result = validate_document(with_response())
    assert result.issues == ()
    config = result.config
    assert config is not None
    assert config.people[0].github == "alice-gh"
    rule = config.teams[0].rest_after_night_pages
    assert rule is not None and (rule.minutes, rule.rest) == (60, timedelta(hours=8))
    assert config.services[0].jira_component == "Checkout"
    first, second = config.heartbeats
    assert (first.interval, first.grace, first.watchdog) == (
        timedelta(minutes=5),
        timedelta(minutes=1),
        None,
    )
    assert (second.grace, second.watchdog) == (timedelta(seconds=30), {})
    window, team_window = config.maintenance
    assert window.timezone == "Europe/Berlin"  # the file's zone
    assert window.from_ == datetime(2026, 3, 1, 22, 0)
    assert (team_window.team, team_window.timezone) == ("payments", "UTC")
    # The canonical document reads back to the same configuration.
    again = validate_document(config.to_document())
    assert again.config == config


@pytest.mark.parametrize(
    ("change", "path", "words"),
    [
        (
            lambda d: d["heartbeats"][0].update(service="nope"),
            "heartbeats[0].service",
            "unknown service",
        ),
        (
            lambda d: d["heartbeats"][1].update(name="prometheus-eu"),
            "heartbeats[1].name",
            "duplicate name",
        ),
        (lambda d: d["heartbeats"][0].update(interval="0s"), "heartbeats[0].interval", "zero"),
        (lambda d: d["heartbeats"][0].pop("service"), "heartbeats[0].service", "required"),
        (lambda d: d["maintenance"][0].update(team="payments"), "maintenance[0]", "exactly one"),
        (lambda d: d["maintenance"][0].update(to="2026-03-01 21:00"), "maintenance[0]", "after"),
        (
            lambda d: d["maintenance"][1].update(team="ghosts"),
            "maintenance[1].team",
            "unknown team",
        ),
        (
            lambda d: d["maintenance"][0].update(service="ghost"),
            "maintenance[0].service",
            "unknown service",
        ),
        (
            lambda d: d["teams"][0].update(rest_after_night_pages={"minutes": 0, "rest": "8h"}),
            "teams[0].rest_after_night_pages.minutes",
            "greater than or equal",
        ),
        (
            lambda d: d["teams"][0].update(rest_after_night_pages={"minutes": 30, "rest": "8d"}),
            "teams[0].rest_after_night_pages.rest",
            "7 days",
        ),
        (lambda d: d["people"][0].update(github="-bad-"), "people[0].github", ""),
        (lambda d: d["people"][0].update(github="a" * 40), "people[0].github", ""),
        (lambda d: d["services"][0].update(jira_component=""), "services[0].jira_component", ""),
    ],
)
def test_bad_response_fields_are_named(change: Any, path: str, words: str) -> None:
    data = with_response()
    change(data)
    result = validate_document(data)
    assert result.config is None
    hits = [i for i in result.issues if i.dotted.startswith(path)]
    assert hits, [(i.dotted, i.message) for i in result.issues]
    assert any(words in i.message for i in hits), [i.message for i in hits]
