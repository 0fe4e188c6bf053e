"""The ticket on the Slack and Teams incident cards: a link when its URL is http(s), its key
alone otherwise, nothing without a ticket."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.handlers.slack.cards import incident_blocks
from bot.handlers.teams.cards import incident_card


def card(ticket: dict[str, Any] | None) -> dict[str, Any]:
    return {"id": 7, "title": "Disk full", "severity": "critical", "status": "triggered",
            "service": "api", "ticket": ticket, "timeline": [], "people": {}}  # fmt: skip


@pytest.mark.parametrize(
    ("ticket", "slack", "teams"),
    [
        ({"system": "jira", "key": "OPS-1", "url": "https://j.example/browse/OPS-1",
          "status": "open"},
         "<https://j.example/browse/OPS-1|Jira OPS-1>", "[Jira OPS-1](https://j.example/browse/OPS-1)"),
        ({"system": "github", "key": "#4", "url": "https://gh.example/a/b/issues/4",
          "status": "closed"},
         "<https://gh.example/a/b/issues/4|GitHub #4 (closed)>", "(https://gh.example/a/b/issues/4)"),
        ({"system": "webhook", "key": "EXT-1", "url": "javascript:alert(1)", "status": "open"},
         "*Ticket*\\nEXT-1", "EXT-1"),
    ],
)  # fmt: skip
def test_the_ticket_is_a_link(ticket: dict[str, Any], slack: str, teams: str) -> None:
    slack_json = json.dumps(incident_blocks(card(ticket)))
    teams_json = json.dumps(incident_card(card(ticket)))
    assert slack in slack_json
    assert teams in teams_json
    assert "javascript" not in slack_json and "javascript" not in teams_json


def test_no_ticket_no_entry() -> None:
    assert "Ticket" not in json.dumps(incident_blocks(card(None)))
    assert "Ticket" not in json.dumps(incident_card(card(None)))
