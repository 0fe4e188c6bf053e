"""A scripted incident history on a frozen clock, run the same on the in-memory store and on
SQL (``tests/integration/test_metrics_storage.py``).

Configuration: service ``api`` (team ``ops``) pages schedule ``primary`` (ann from Monday
2026-03-02 09:00 UTC, bob from Tuesday 09:00, daily) for 5 minutes, then dan. ann is in
America/Chicago, bob in Asia/Tokyo (UTC+9); nights are 22:00-07:00 on their own clocks.

1. #1 opens Monday 10:00 (ann paged: 04:00 in Chicago, night), escalates 10:05 (dan paged), dan acknowledges 10:07,
   dan resolves 10:20: acknowledged in 7 min, resolved in 20, one escalation, on-hours.
2. #2 opens Tuesday 21:00 UTC (Wednesday 06:00 in Tokyo: bob paged off-hours), bob
   acknowledges 21:10, resolves 21:40: off-hours, 10 minutes of off-hours paging.
3. #3 opens Tuesday 11:00, resolves itself (alertmanager) 11:30 before anyone acknowledges,
   after escalating at 11:05: no time to acknowledge; the responder is dan, paged last.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from core.incidents.lifecycle import Acknowledge, Resolve
from core.incidents.ports import AlertBatch, NewAlert
from core.incidents.service import act, fire_due, ingest
from core.ports import Revision, UnitOfWork
from tests.unit.oncall.common import config

M = timedelta(minutes=1)
PEOPLE = [
    {"id": "ann", "timezone": "America/Chicago"},
    {"id": "bob", "timezone": "Asia/Tokyo"},
    {"id": "cat"},
    {"id": "dan"},
]
POLICIES = [
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
SERVICES = [
    {"id": "api", "team": "ops", "escalation_policy": "ops", "match": {"service": "api"}},
    {"id": "site", "team": "web", "escalation_policy": "web", "match": {"service": "site"}},
]
CONFIG = config(people=PEOPLE, escalation_policies=POLICIES, services=SERVICES)
APPLIED = datetime(2026, 3, 1, tzinfo=UTC)
REVISION = Revision(id=1, applied_at=APPLIED, config=CONFIG)


def t(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def batch(key: str, status: str, starts: datetime) -> AlertBatch:
    labels = {"service": "api", "severity": "critical"}
    ends = starts if status == "resolved" else None
    alert = NewAlert(f"fp-{key}", status, starts, ends, labels)
    return AlertBatch("alertmanager", key, status, f"alert {key}", labels, alerts=(alert,))


async def run_history(new_unit: Callable[[], UnitOfWork]) -> None:
    """Play the three incidents of the module docstring."""
    await ingest(new_unit(), batch("one", "firing", t("2026-03-02 10:00")), t("2026-03-02 10:00"))
    await fire_due(new_unit(), t("2026-03-02 10:05"), worker="w")
    await act(new_unit(), 1, Acknowledge("dan"), "dan", t("2026-03-02 10:07"))
    await act(new_unit(), 1, Resolve("dan"), "dan", t("2026-03-02 10:20"))
    await ingest(new_unit(), batch("two", "firing", t("2026-03-03 21:00")), t("2026-03-03 21:00"))
    await act(new_unit(), 2, Acknowledge("bob"), "bob", t("2026-03-03 21:10"))
    await act(new_unit(), 2, Resolve("bob"), "bob", t("2026-03-03 21:40"))
    three = t("2026-03-03 11:00")
    await ingest(new_unit(), batch("three", "firing", three), three)
    await fire_due(new_unit(), t("2026-03-03 11:05"), worker="w")
    await ingest(new_unit(), batch("three", "resolved", three), t("2026-03-03 11:30"))
