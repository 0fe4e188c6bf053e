"""The world the ``/oncall`` command table runs in: a configuration, seeded incidents, the time.

Platform-neutral on purpose: the Slack and Teams tests build the same world (the same
configuration applied, the same incidents opened) and run :data:`tests.unit.commands.table.CASES`
through their own surface.

At ``NOW`` (Monday 2026-03-02 10:00 UTC):

- ``primary`` ("Primary", team ``ops``): daily ann, bob from Monday 09:00 UTC, so ann until
  Tuesday 09:00, then bob.
- ``office`` ("Office hours", team ``web``): cat on weekdays 09:00-17:00 UTC.
- ``weekend`` (team ``web``): cat on Saturday and Sunday only, so a coverage gap now; the next
  shift starts Saturday 07 March 00:00.
- Team ``ops`` ("Operations") is managed by dan (in no layer); ``web`` by cat. eve is in no
  team. bob reads and types times in Europe/Berlin (CET, UTC+1 in March); everyone else in UTC.
- Services: ``api`` ("API", ops, tier 1 primary then dan), ``site`` (web, office), ``batch``
  (ops, pages dan directly), ``orphan`` (ops, no escalation policy).
- Incidents: #1 "Disk full on db-1" (api, triggered), #2 "Queue stuck" (site, acknowledged by
  bob), #3 "Old alert" (api, resolved by dan).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from core.config.apply import apply_configuration
from core.config.model import Configuration
from core.incidents.lifecycle import Acknowledge, Resolve
from core.incidents.ports import AlertBatch, NewAlert
from core.incidents.service import act, ingest
from core.ports import UnitOfWork
from tests.fakes import FakeUnitOfWork, Store
from tests.unit.oncall.common import config, revision


def at(text: str) -> datetime:
    """An instant in UTC from ``"2026-03-02 09:00"``."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


NOW = at("2026-03-02 10:00")

PEOPLE: list[dict[str, Any]] = [
    {"id": "ann", "name": "Ann", "slack": "U0ANN", "teams": "29:ann"},
    {"id": "bob", "name": "Bob", "slack": "U0BOB", "teams": "29:bob", "timezone": "Europe/Berlin"},
    {"id": "cat", "name": "Cat", "slack": "U0CAT", "teams": "29:cat"},
    {"id": "dan", "name": "Dan", "slack": "U0DAN", "teams": "29:dan"},
    {"id": "eve", "name": "Eve", "slack": "U0EVE", "teams": "29:eve"},
]
TEAMS: list[dict[str, Any]] = [
    {"id": "ops", "name": "Operations", "managers": ["dan"]},
    {"id": "web", "name": "Web", "managers": ["cat"]},
]
SCHEDULES: list[dict[str, Any]] = [
    {
        "id": "primary",
        "name": "Primary",
        "team": "ops",
        "layers": [
            {
                "id": "daily",
                "members": ["ann", "bob"],
                "rotation": "daily",
                "start": "2026-03-02 09:00",
            }
        ],
    },
    {
        "id": "office",
        "name": "Office hours",
        "team": "web",
        "layers": [
            {
                "id": "hours",
                "members": ["cat"],
                "rotation": "weekly",
                "start": "2026-03-02 00:00",
                "active": [
                    {"days": ["mon", "tue", "wed", "thu", "fri"], "from": "09:00", "to": "17:00"}
                ],
            }
        ],
    },
    {
        "id": "weekend",
        "team": "web",
        "layers": [
            {
                "id": "days",
                "members": ["cat"],
                "rotation": "weekly",
                "start": "2026-03-02 00:00",
                "active": [{"days": ["sat", "sun"], "from": "00:00", "to": "24:00"}],
            }
        ],
    },
]
SERVICES: list[dict[str, Any]] = [
    {
        "id": "api",
        "name": "API",
        "team": "ops",
        "escalation_policy": "ops",
        "match": {"service": "api"},
    },
    {"id": "site", "team": "web", "escalation_policy": "web", "match": {"service": "site"}},
    {"id": "batch", "team": "ops", "escalation_policy": "direct"},
    {"id": "orphan", "team": "ops"},
]
POLICIES: list[dict[str, Any]] = [
    {
        "id": "ops",
        "tiers": [
            {"targets": ["schedule:primary"], "escalate_after": "5m"},
            {"targets": ["person:dan"], "escalate_after": "10m"},
        ],
    },
    {"id": "web", "tiers": [{"targets": ["schedule:office"], "escalate_after": "5m"}]},
    {"id": "direct", "tiers": [{"targets": ["person:dan"], "escalate_after": "5m"}]},
]


def configuration() -> Configuration:
    return config(
        people=PEOPLE,
        teams=TEAMS,
        schedules=SCHEDULES,
        services=SERVICES,
        escalation_policies=POLICIES,
    )


SLACK_USERS = {p["slack"]: p["id"] for p in PEOPLE}
"""Slack user id -> person id, as the configuration's ``slack:`` keys say."""

INCIDENTS: list[tuple[str, str, str]] = [
    # (key, service label, title); opened in this order, so ids 1, 2, 3
    ("g1", "api", "Disk full on db-1"),
    ("g2", "site", "Queue stuck"),
    ("g3", "api", "Old alert"),
]


def alert(key: str, service: str, title: str) -> AlertBatch:
    labels = {"service": service, "severity": "critical", "alertname": "Seeded"}
    return AlertBatch(
        source="alertmanager",
        key=key,
        status="firing",
        title=title,
        labels=labels,
        alerts=(NewAlert(f"fp-{key}", "firing", at("2026-03-02 09:30"), None, labels),),
    )


async def seed(new_unit: Callable[[], UnitOfWork]) -> None:
    """Open the three incidents; bob acknowledges #2 and dan resolves #3 (at 09:40-09:50).
    The configuration must be in place (a database: :func:`apply_world`)."""
    for key, service, title in INCIDENTS:
        await ingest(new_unit(), alert(key, service, title), at("2026-03-02 09:30"))
    await act(new_unit(), 2, Acknowledge("bob"), "bob", at("2026-03-02 09:40"))
    await act(new_unit(), 3, Resolve("dan"), "dan", at("2026-03-02 09:50"))


async def apply_world(new_unit: Callable[[], UnitOfWork]) -> None:
    """Apply the configuration (as of 1 March 12:00) through the use case, as a database gets
    it, then seed the incidents."""
    await apply_configuration(
        new_unit(), configuration(), actor="test", source="test", now=at("2026-03-01 12:00")
    )
    await seed(new_unit)


async def new_store() -> Store:
    """A store with the configuration applied (on 1 March) and the incidents seeded."""
    store = Store(revisions=[revision(configuration(), "2026-03-01 00:00", 1)], next_id=100)
    await seed(lambda: FakeUnitOfWork(store))
    return store
