"""The worker's scheduling loop (``bot.worker.Background``) on SQLite and PostgreSQL: its ticks
open a silent heartbeat's incident and resolve it after the next beat, and page an incident held
by a maintenance window at the window's end; a new worker (a restart) carries on from the
database."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.settings import Settings
from bot.worker import Background
from core.config.apply import apply_configuration
from core.heartbeats.service import record_beat
from core.incidents.ports import AlertBatch, NewAlert
from core.incidents.service import ingest
from storage.incident_tables import IncidentRow, OutboxRow
from storage.uow import SqlUnitOfWork, session_factory
from tests.fakes import FrozenClock
from tests.unit.oncall.common import DOC, at, config

T0 = at("2026-03-02 10:00")
SERVICES = [{**s, "match": {"service": s["id"]}} for s in DOC["services"]]
CONFIG = config(
    services=SERVICES,
    heartbeats=[{"name": "prom", "interval": "5m", "service": "api"}],
    maintenance=[{"service": "site", "from": "2026-03-02 09:00", "to": "2026-03-02 10:30"}],
)


def unit(engine: AsyncEngine) -> SqlUnitOfWork:
    return SqlUnitOfWork(session_factory(engine))


async def rows(engine: AsyncEngine) -> list[tuple[str, str]]:
    async with engine.connect() as conn:
        found = await conn.execute(select(IncidentRow).order_by(IncidentRow.id))
        return [(r.dedup_key, r.status) for r in found]


async def paged(engine: AsyncEngine) -> list[int | None]:
    async with engine.connect() as conn:
        query = select(OutboxRow.incident_id).where(OutboxRow.kind == "page")
        return list((await conn.execute(query.order_by(OutboxRow.id))).scalars())


async def test_ticks_check_heartbeats_and_end_maintenance(engine: AsyncEngine) -> None:
    await apply_configuration(unit(engine), CONFIG, actor="t", source="t", now=T0)
    clock = FrozenClock(T0)
    worker = Background(engine, Settings(), clock)
    try:
        await worker.scheduler.tick_once()  # the heartbeat is first seen now
        labels = {"service": "site", "severity": "critical"}
        held = AlertBatch(
            "alertmanager",
            "site-down",
            "firing",
            "site down",
            labels,
            alerts=(NewAlert("fp-site", "firing", T0, None, labels),),
        )
        await ingest(unit(engine), held, T0)
        clock.advance(minutes=6)
        await worker.scheduler.tick_once()
        assert await rows(engine) == [("site-down", "triggered"), ("prom", "triggered")]
        assert await paged(engine) == [2]  # the silence pages; the held incident does not
    finally:
        await worker.stop()
    # a restart: a new worker finds the silence and the hold in the database
    assert await record_beat(unit(engine), "prom", clock.now())
    clock.advance(seconds=10)
    again = Background(engine, Settings(), clock)
    try:
        await again.scheduler.tick_once()
        assert await rows(engine) == [("site-down", "triggered"), ("prom", "resolved")]
        clock.advance(minutes=30)  # 10:36: the window ended at 10:30
        assert await record_beat(unit(engine), "prom", clock.now())  # prom keeps beating
        await again.scheduler.tick_once()
        assert await paged(engine) == [2, 1]
    finally:
        await again.stop()
