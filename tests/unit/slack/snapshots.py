"""Incident snapshots as the outbox stores them, for the renderer tests."""

from __future__ import annotations

from typing import Any

URL = "https://oncall.example/incidents/12"
RUNBOOK = "https://runbooks.example/checkout/errors"
DASHBOARD = "https://grafana.example/d/checkout"
ALERTMANAGER = "https://am.example/#/alerts?filter=%7Balertname%3D%22HighErrorRate%22%7D"
SOURCE = "https://prometheus.example/graph?g0.expr=rate(errors[5m])&g0.tab=0"
LINKS = {URL, RUNBOOK, DASHBOARD, ALERTMANAGER, SOURCE}


def snapshot(**changes: Any) -> dict[str, Any]:
    """A triggered critical incident in its first tier; Dana is paged, Lee is tier 2."""
    base: dict[str, Any] = {
        "id": 12,
        "title": "High error rate",
        "service": "checkout",
        "service_name": "Checkout API",
        "team": "payments",
        "severity": "critical",
        "status": "triggered",
        "tier": 1,
        "assignee": "dana",
        "labels": {"alertname": "HighErrorRate", "service": "checkout", "env": "prod"},
        "annotations": {"summary": "5xx above 5% for 5 minutes", "runbook_url": RUNBOOK},
        "description": "Checkout returns 5xx for 7% of requests.",
        "runbook": RUNBOOK,
        "dashboard": DASHBOARD,
        "links": {"alertmanager": ALERTMANAGER, "source": SOURCE},
        "escalation_path": [
            {
                "tier": 1,
                "targets": ["schedule:payments-primary"],
                "escalate_after": 300,
                "oncall": ["dana"],
            },
            {"tier": 2, "targets": ["person:lee"], "escalate_after": 900, "oncall": ["lee"]},
        ],
        "next_step_at": "2024-05-01T10:05:00+00:00",
        "people": {"dana": "Dana Scully", "lee": "Lee Adama"},
        "paged": ["dana"],
        "slack_users": {"dana": "U0DANA", "lee": "U0LEE"},
        "alerts": 3,
        "opened_at": "2024-05-01T10:00:00+00:00",
        "acknowledged_at": None,
        "acknowledged_by": None,
        "resolved_at": None,
        "resolved_by": None,
        "snoozed_until": None,
        "timeline": [
            {"at": "2024-05-01T10:00:00+00:00", "kind": "opened", "actor": None, "text": "Opened"},
            {
                "at": "2024-05-01T10:00:01+00:00",
                "kind": "paged",
                "actor": None,
                "text": "Paged Dana",
            },
        ],
        "url": URL,
    }
    base.update(changes)
    return base


EVIL = "<!channel> <!here> <@U0EVIL> <http://evil.example|click> &"


def evil_snapshot() -> dict[str, Any]:
    """Every text a person or an alert wrote tries to ping or link."""
    return snapshot(
        title=f"Title {EVIL}",
        service_name=f"Service {EVIL}",
        team=EVIL,
        severity=f"critical {EVIL}",
        labels={f"key {EVIL}": f"value {EVIL}", "alertname": EVIL},
        annotations={"summary": f"Summary {EVIL}", "description": EVIL},
        description=f"Description {EVIL}",
        runbook="javascript:alert(1)",
        dashboard="https://grafana.example/d/x|<!channel>",
        links={EVIL: "http://evil.example/>|<!here>", "source": "data:text/html,hi"},
        people={"dana": f"Dana {EVIL}", "lee": f"Lee {EVIL}"},
        slack_users={"dana": "U0DANA", "lee": "U1> <!channel"},
        paged=["dana", "lee"],
        escalation_path=[
            {"tier": 1, "targets": [f"schedule:{EVIL}", f"person:{EVIL}", EVIL], "oncall": [EVIL]}
        ],
        timeline=[{"at": EVIL, "kind": EVIL, "actor": EVIL, "text": EVIL}],
        acknowledged_by=EVIL,
        snoozed_until=EVIL,
        url=f"https://oncall.example/incidents/12?x=|{EVIL}",
    )
