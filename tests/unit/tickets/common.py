"""What the ticket tests share: a configuration, one incident in a fake store, its messages,
and a destination over a tracker. alice is in Jira (by email) and a GitHub collaborator;
bob has an email Jira does not know and a login GitHub refuses; carol has neither."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from typing import Any

from core.incidents.effects import incident_snapshot
from core.incidents.lifecycle import IncidentState
from core.incidents.ports import ClaimedMessage, NewIncident
from core.tickets.ports import TicketResult
from integrations.ticketing.destination import TicketDestination
from integrations.ticketing.tracker import Tracker
from tests.fakes import FakeUnitOfWork, FrozenClock, Store
from tests.unit.oncall.common import at, config, revision

T0 = at("2026-03-02 10:00")
BASE = "https://oncall.example"
PEOPLE = [
    {"id": "alice", "name": "Alice Example", "email": "alice@example.com", "github": "alice-gh"},
    {"id": "bob", "name": "Bob", "email": "bob@example.com", "github": "bob-elsewhere"},
    {"id": "carol", "name": "Carol"},
]
SERVICES = [
    {
        "id": "checkout-api",
        "name": "Checkout API",
        "team": "ops",
        "escalation_policy": "checkout",
        "runbook": "https://runbooks.example.com/checkout",
        "match": {"service": "checkout-api"},
    },
    {
        "id": "search",
        "team": "ops",
        "jira_component": "Search Engine",
        "match": {"service": "search"},
    },
]
SCHEDULES = [
    {
        "id": "primary",
        "name": "Checkout primary",
        "team": "ops",
        "layers": [
            {
                "id": "weekly",
                "members": ["alice", "bob"],
                "rotation": "weekly",
                "start": "2026-03-02 09:00",
            }
        ],
    }
]
POLICIES = [
    {
        "id": "checkout",
        "tiers": [
            {"targets": ["schedule:primary"], "escalate_after": "5m"},
            {"targets": ["person:carol"], "escalate_after": "10m"},
        ],
    }
]
CONFIG = config(people=PEOPLE, schedules=SCHEDULES, services=SERVICES, escalation_policies=POLICIES)


class World:
    """One incident (service, assignee, severity as given) in a fake store."""

    def __init__(
        self,
        *,
        service: str = "checkout-api",
        assignee: str | None = "alice",
        severity: str = "critical",
        title: str = "Checkout 5xx above 5%",
    ) -> None:
        self.store = Store(revisions=[revision(CONFIG, "2026-03-01 00:00")])
        self.clock = FrozenClock(T0)
        self.incident = NewIncident(
            source="alertmanager",
            dedup_key="g1",
            title=title,
            service_id=service,
            team_id="ops",
            policy_id="checkout" if service == "checkout-api" else None,
            severity=severity,
            state=IncidentState(assignee=assignee),
            opened_at=T0,
            labels={"service": service, "severity": severity, "alertname": "High5xx"},
            annotations={"description": "More than 5% of checkouts fail"},
            links={"Grafana": "https://grafana.example/d/1", "bad": "javascript:alert(1)"},
        )
        self.incident_id = 0
        self._ids = 0

    async def start(self) -> World:
        async with FakeUnitOfWork(self.store) as uow:
            created = await uow.incidents.create(self.incident)
            assert created is not None
            await uow.commit()
        self.incident_id = created
        return self

    def unit(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self.store)

    async def snapshot(self, **state: Any) -> dict[str, Any]:
        async with self.unit() as uow:
            record = await uow.incidents.get(self.incident_id)
        assert record is not None
        return incident_snapshot(record, replace(record.state, **state), CONFIG)

    async def message(self, kind: str, *, event: int = 1, **payload: Any) -> ClaimedMessage:
        self._ids += 1
        body = {"incident": await self.snapshot(), **payload}
        key = f"incident/{self.incident_id}/event/{event}/1"
        return ClaimedMessage(self._ids, key, "ticket", kind, body, 1, self.incident_id)

    def destination(self, tracker: Tracker) -> TicketDestination:
        return TicketDestination(tracker, self.unit, self.clock, BASE)


def ok() -> TicketResult:
    return TicketResult.done()


def later(after: timedelta | None = None) -> Any:
    """Matches a retry (with ``after`` when given), whatever its error."""

    class _Later:
        def __eq__(self, other: object) -> bool:
            return (
                isinstance(other, TicketResult)
                and other.retry
                and (after is None or other.after == after)
            )

        def __repr__(self) -> str:
            return f"later(after={after})"

    return _Later()


def shown(markup: str) -> str:
    """Markdown or wiki text as a reader sees it: escapes and zero-width spaces gone."""
    return re.sub(r"\\(.)", r"\1", markup).replace("\u200b", "")
