"""What tickets and comments say, from the snapshot and the configuration."""

from __future__ import annotations

from typing import Any

import pytest

from core.tickets.document import Bullets, Facts, Heading, Link, Paragraph
from core.tickets.text import comment, label, priority_of, ticket_text
from tests.unit.tickets.common import BASE, CONFIG, World


@pytest.mark.parametrize(
    ("severity", "priority"),
    [("critical", "Highest"), ("CRITICAL", "Highest"), ("error", "High"), ("warning", "Medium"),
     ("info", "Lowest"), ("whatever", "Medium")],
)  # fmt: skip
def test_priority_from_severity(severity: str, priority: str) -> None:
    assert priority_of(severity) == priority


def test_labels_have_no_spaces() -> None:
    assert label("severity:very bad!") == "severity:very-bad"
    assert label("") == "unknown"
    assert len(label("x" * 99)) == 50


async def test_the_ticket_names_the_incident_service_engineer_links_and_path() -> None:
    world = await World().start()
    text = ticket_text(await world.snapshot(), CONFIG, BASE)
    assert text.summary == "[critical] Checkout API: Checkout 5xx above 5%"
    assert (text.priority, text.service, text.severity, text.assignee) == (
        "Highest",
        "checkout-api",
        "critical",
        "alice",
    )
    blocks = text.body.blocks
    assert blocks[0] == Paragraph("More than 5% of checkouts fail")
    assert isinstance(blocks[1], Facts)
    facts = dict(blocks[1].items)
    assert facts["Incident"] == Link(f"#{world.incident_id}", f"{BASE}/incidents/1")
    assert facts["Service"] == "Checkout API (checkout-api)"
    assert facts["Paged"] == "Alice Example"
    assert blocks[2:4] == (
        Heading("Links"),
        Bullets(
            (
                Link("Runbook", "https://runbooks.example.com/checkout"),
                Link("Grafana", "https://grafana.example/d/1"),  # javascript: left out
            )
        ),
    )
    assert blocks[5] == Bullets(
        (
            "Tier 1: schedule Checkout primary, 5 min to acknowledge",
            "Tier 2: Carol, 10 min to acknowledge",
        )
    )
    assert blocks[-1] == Facts(
        (("alertname", "High5xx"), ("service", "checkout-api"), ("severity", "critical"))
    )


def test_an_old_or_empty_snapshot_still_makes_a_ticket() -> None:
    text = ticket_text({"id": 3}, CONFIG, BASE)
    assert text.summary == "[unknown] unknown: incident"
    assert text.assignee is None


@pytest.mark.parametrize(
    ("kind", "payload", "said"),
    [
        ("acknowledged", {"actor": "alice"}, "Acknowledged by Alice Example."),
        ("acknowledged", {"actor": "cli:root"}, "Acknowledged by cli:root."),
        ("escalated", {"actor": None}, "Escalated (nobody acknowledged in time) to tier 1: "
         "Alice Example is paged."),
        ("escalated", {"actor": "bob"}, "Escalated by Bob to tier 1: Alice Example is paged."),
        ("reassigned", {"actor": "bob"}, "Reassigned to Alice Example by Bob."),
        ("resolve", {"actor": "alertmanager"}, "Resolved by alertmanager. The ticket is closed "
         "with the incident."),
    ],
)  # fmt: skip
async def test_comments(kind: str, payload: dict[str, Any], said: str) -> None:
    world = await World().start()
    doc = comment(kind, {"incident": await world.snapshot(), **payload}, CONFIG, BASE)
    assert doc.blocks[0] == Paragraph(said)
    assert doc.blocks[1] == Bullets((Link("incident #1", f"{BASE}/incidents/1"),))


async def test_the_review_comment() -> None:
    review = {"summary": "Disk full", "cause": "no rotation", "follow_ups": "rotate\n\nalert",
              "author": "alice"}  # fmt: skip
    doc = comment("review", {"incident": {"id": 1}, "review": review}, CONFIG, BASE)
    assert doc.plain().splitlines() == [
        "Post-incident review",
        "Author: Alice Example",
        f"Incident: incident #1 <{BASE}/incidents/1>",
        "Summary",
        "Disk full",
        "Cause",
        "no rotation",
        "Follow-ups",
        "- rotate",
        "- alert",
    ]


def test_no_comment_for_other_kinds() -> None:
    with pytest.raises(ValueError, match="snoozed"):
        comment("snoozed", {}, CONFIG, BASE)
