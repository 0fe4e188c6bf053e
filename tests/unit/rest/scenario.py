"""Night pages on a frozen clock, for rest after night pages (in memory here, on SQL in
``tests/integration/test_rest_storage.py``).

Everyone is in UTC, so nights are 22:00-07:00 UTC. Team ``ops`` (manager dan) sets
``rest_after_night_pages: {minutes: 60, rest: 8h}``. Schedule ``primary`` (ops) rotates ann
and bob daily at 09:00 from Monday 2026-03-02: ann Monday 09:00 to Tuesday 09:00, bob to
Wednesday 09:00, ann again to Thursday. Schedule ``solo`` (ops) has cat alone, so nobody can
cover her. Service ``api`` pages primary, ``lone`` pages solo (each one tier, 2 hours, so
nothing escalates in these scripts).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from core.incidents.lifecycle import Acknowledge, Reassign, Resolve
from core.incidents.ports import AlertBatch, NewAlert
from core.incidents.service import act, ingest
from core.ports import Revision, UnitOfWork
from tests.unit.oncall.common import config

LAYER = {"id": "daily", "rotation": "daily", "start": "2026-03-02 09:00"}
CONFIG = config(
    people=[{"id": p} for p in ("ann", "bob", "cat", "dan")],
    teams=[
        {"id": "ops", "managers": ["dan"], "rest_after_night_pages": {"minutes": 60, "rest": "8h"}},
        {"id": "web"},
    ],
    schedules=[
        {"id": "primary", "team": "ops", "layers": [{**LAYER, "members": ["ann", "bob"]}]},
        {"id": "solo", "team": "ops", "layers": [{**LAYER, "members": ["cat"]}]},
    ],
    services=[
        {"id": "api", "team": "ops", "escalation_policy": "api", "match": {"service": "api"}},
        {"id": "lone", "team": "ops", "escalation_policy": "lone", "match": {"service": "lone"}},
    ],
    escalation_policies=[
        {"id": "api", "tiers": [{"targets": ["schedule:primary"], "escalate_after": "2h"}]},
        {"id": "lone", "tiers": [{"targets": ["schedule:solo"], "escalate_after": "2h"}]},
    ],
)
APPLIED = datetime(2026, 3, 1, tzinfo=UTC)
REVISION = Revision(id=1, applied_at=APPLIED, config=CONFIG)
Units = Callable[[], UnitOfWork]


def t(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


async def incident(
    new_unit: Units,
    number: int,
    opened: str,
    acked: str,
    resolved: str,
    *,
    service: str = "api",
    who: str = "ann",
    reassign: str | None = None,
) -> None:
    """Incident ``number`` opens at ``opened`` (paging whoever is on call), is reassigned to
    ``reassign`` at once when given, acknowledged by ``who`` at ``acked`` and resolved by
    them at ``resolved``."""
    labels = {"service": service, "severity": "critical"}
    alert = NewAlert(f"fp{number}", "firing", t(opened), None, labels)
    batch = AlertBatch(
        "alertmanager", f"k{number}", "firing", f"#{number}", labels, alerts=(alert,)
    )
    await ingest(new_unit(), batch, t(opened))
    if reassign is not None:
        await act(new_unit(), number, Reassign("dan", reassign), "dan", t(opened))
    await act(new_unit(), number, Acknowledge(who), who, t(acked))
    await act(new_unit(), number, Resolve(who), who, t(resolved))
