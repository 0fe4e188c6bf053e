"""The Slack and Teams incident cards say "in maintenance until" while an incident is held,
and not once it pages or is acknowledged."""

from __future__ import annotations

from bot.handlers.slack.cards import incident_blocks
from bot.handlers.teams.cards import incident_card
from tests.unit.slack.snapshots import snapshot
from tests.unit.teams.cardjson import all_text

UNTIL = "2024-05-01T12:00:00+00:00"


def slack_text(**changes: object) -> str:
    import json

    return json.dumps(incident_blocks(snapshot(**changes)))


def teams_text(**changes: object) -> str:
    return all_text(incident_card(snapshot(**changes)))


def test_a_held_incident_says_until_when() -> None:
    assert "In maintenance until <!date^1714564800^" in slack_text(maintenance_until=UNTIL)
    assert "In maintenance until {{DATE(2024-05-01T12:00:00Z" in teams_text(maintenance_until=UNTIL)


def test_no_line_when_not_held_or_no_longer_triggered() -> None:
    for changes in ({}, {"maintenance_until": None}):
        assert "maintenance" not in slack_text(**changes)
        assert "maintenance" not in teams_text(**changes)
    acked = {"maintenance_until": UNTIL, "status": "acknowledged"}
    assert "maintenance" not in slack_text(**acked) and "maintenance" not in teams_text(**acked)
