"""Maintenance windows through the SQL repositories on SQLite and PostgreSQL: an alert in a
window is recorded and not paged, at the end the one still firing pages (once, with workers
firing at once), the resolved one does not; a window cancelled early pages at once."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from core.config.apply import apply_configuration
from core.incidents.ports import AlertBatch, NewAlert
from core.incidents.service import fire_due, ingest
from core.maintenance.service import (
    MaintenanceError,
    Subject,
    cancel_window,
    create_window,
    list_windows,
)
from storage.incident_tables import IncidentRow, OutboxRow
from storage.maintenance_tables import MaintenanceHoldRow, MaintenanceWindowRow
from storage.tables import AuditRow
from storage.uow import SqlUnitOfWork, session_factory
from tests.unit.oncall.common import DOC, at, config

T0 = at("2026-03-02 10:00")
MIN = timedelta(minutes=1)
H = timedelta(hours=1)
SERVICES = [{**s, "match": {"service": s["id"]}} for s in DOC["services"]]
CONFIG = config(
    services=SERVICES,
    maintenance=[{"team": "web", "from": "2026-03-02 09:00", "to": "2026-03-02 12:00"}],
)


def unit(engine: AsyncEngine) -> SqlUnitOfWork:
    return SqlUnitOfWork(session_factory(engine))


def alert(key: str, status: str = "firing", service: str = "api") -> AlertBatch:
    labels = {"service": service, "severity": "critical"}
    return AlertBatch(
        "alertmanager",
        key,
        status,
        f"alert {key}",
        labels,
        alerts=(NewAlert(f"fp-{key}", status, T0, None, labels),),
    )


async def pages(engine: AsyncEngine) -> list[tuple[int | None, str]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(OutboxRow).where(OutboxRow.kind == "page").order_by(OutboxRow.id)
        )
        return [(r.incident_id, r.payload["person"]) for r in rows]


async def test_a_window_records_holds_and_pages_at_its_end(engine: AsyncEngine) -> None:
    await apply_configuration(unit(engine), CONFIG, actor="t", source="t", now=T0 - H)
    made = await create_window(
        unit(engine), Subject(service="api"), T0, T0 + 2 * H, reason="db", actor="dan", now=T0
    )
    await ingest(unit(engine), alert("a"), T0 + MIN)
    await ingest(unit(engine), alert("b"), T0 + MIN)
    await ingest(unit(engine), alert("b", "resolved"), T0 + 2 * MIN)
    assert await pages(engine) == []
    async with engine.connect() as conn:
        first = (await conn.execute(select(IncidentRow).where(IncidentRow.id == 1))).one()
        holds = (await conn.execute(select(MaintenanceHoldRow))).all()
        audit = (await conn.execute(select(AuditRow.action, AuditRow.actor))).all()
    assert (first.status, first.pages) == ("triggered", False)
    assert first.annotations["oncall_maintenance_until"] == (T0 + 2 * H).isoformat()
    assert sorted(h.due_at for h in holds) == [T0 + 2 * H, T0 + 2 * H]
    assert ("maintenance.create", "dan") in [tuple(r) for r in audit]
    shown = await list_windows(unit(engine), T0)
    assert [(w.subject, w.id) for w in shown] == [("team web", None), ("service api", made.id)]
    assert await fire_due(unit(engine), T0 + H, worker="w") == 0
    fired = await asyncio.gather(
        *(fire_due(unit(engine), T0 + 2 * H, worker=f"w{i}") for i in range(3))
    )
    assert sum(fired) == 2  # the two holds, each claimed by one worker
    assert await pages(engine) == [(1, "ann")]


async def test_a_cancelled_window_pages_at_once(engine: AsyncEngine) -> None:
    await apply_configuration(unit(engine), CONFIG, actor="t", source="t", now=T0 - H)
    made = await create_window(
        unit(engine), Subject(team="ops"), T0, T0 + 5 * H, reason=None, actor="dan", now=T0
    )
    await ingest(unit(engine), alert("a"), T0 + MIN)
    await ingest(unit(engine), alert("s", service="site"), T0 + MIN)  # web: configured window
    assert await pages(engine) == []
    await cancel_window(unit(engine), made.id, actor="dan", now=T0 + H)
    assert await fire_due(unit(engine), T0 + H, worker="w") == 1
    assert await pages(engine) == [(1, "ann")]  # site stays held until 12:00
    assert await fire_due(unit(engine), T0 + 2 * H, worker="w") == 2  # and 1's escalation
    assert await pages(engine) == [(1, "ann"), (2, "cat")]


async def test_two_cancels_at_once_one_wins_and_is_audited_once(engine: AsyncEngine) -> None:
    await apply_configuration(unit(engine), CONFIG, actor="t", source="t", now=T0 - H)
    made = await create_window(
        unit(engine), Subject(service="api"), T0, T0 + 2 * H, reason="db", actor="dan", now=T0
    )

    def cancel(who: str) -> Awaitable[object]:
        return cancel_window(unit(engine), made.id, actor=who, now=T0 + MIN)

    if engine.dialect.name == "postgresql":
        # Both read the window while a third transaction holds its row, so both get as far
        # as their UPDATE before either commits: the race, every time.
        async with engine.connect() as blocker:
            await blocker.execute(
                select(MaintenanceWindowRow.id)
                .where(MaintenanceWindowRow.id == made.id)
                .with_for_update()
            )
            racing = [asyncio.ensure_future(cancel(who)) for who in ("dan", "eve")]
            await asyncio.sleep(0.5)
            await blocker.rollback()
        results = await asyncio.gather(*racing, return_exceptions=True)
    else:  # SQLite's one writer: they take turns
        results = await asyncio.gather(cancel("dan"), cancel("eve"), return_exceptions=True)
    refused = [r for r in results if isinstance(r, MaintenanceError)]
    assert len(refused) == 1 and "cancelled already" in str(refused[0]), results
    async with engine.connect() as conn:
        query = select(AuditRow.action).where(AuditRow.action == "maintenance.cancel")
        audit = (await conn.execute(query)).all()
    assert len(audit) == 1
