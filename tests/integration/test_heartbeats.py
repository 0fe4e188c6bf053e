"""Heartbeats through the SQL repositories on SQLite and PostgreSQL: a silence opens one
incident (also with two workers checking at once), the next beat resolves it, Watchdog
deliveries beat and open nothing, and a restart (a new engine) loses nothing."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from core.config.apply import apply_configuration
from core.heartbeats.service import check_heartbeats, record_beat
from core.incidents.ports import AlertBatch, NewAlert
from core.incidents.service import ingest
from storage.engine import create_engine
from storage.heartbeat_tables import HeartbeatRow
from storage.incident_tables import IncidentRow, OutboxRow
from storage.uow import SqlUnitOfWork, session_factory
from tests.unit.oncall.common import at, config

T0 = at("2026-03-02 10:00")
MIN = timedelta(minutes=1)
CONFIG = config(heartbeats=[{"name": "prom", "interval": "5m", "service": "api", "watchdog": {}}])


def unit(engine: AsyncEngine, write: bool = True) -> SqlUnitOfWork:
    return SqlUnitOfWork(session_factory(engine), write=write)


async def ready(engine: AsyncEngine) -> None:
    await apply_configuration(unit(engine), CONFIG, actor="t", source="t", now=T0 - MIN)


async def incidents(engine: AsyncEngine) -> list[tuple[str, str, str]]:
    async with engine.connect() as conn:
        rows = await conn.execute(select(IncidentRow).order_by(IncidentRow.id))
        return [(r.source, r.dedup_key, r.status) for r in rows]


async def count_pages(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        query = select(func.count()).select_from(OutboxRow).where(OutboxRow.kind == "page")
        return int((await conn.execute(query)).scalar_one())


async def check(engine: AsyncEngine, now: object) -> dict[str, str]:
    return dict(await check_heartbeats(unit(engine), now, read=unit(engine, False)))  # type: ignore[arg-type]


async def test_missed_and_resumed(engine: AsyncEngine, database_url: str) -> None:
    await ready(engine)
    assert await check(engine, T0) == {}
    assert await record_beat(unit(engine), "prom", T0 + MIN)
    assert await record_beat(unit(engine), "prom", T0 + MIN)  # twice at once: both count
    assert not await record_beat(unit(engine), "other", T0 + MIN)
    assert await check(engine, T0 + 7 * MIN - timedelta(seconds=1)) == {}
    assert await check(engine, T0 + 7 * MIN) == {"prom": "missed"}
    assert await check(engine, T0 + 8 * MIN) == {}
    assert await incidents(engine) == [("heartbeat", "prom", "triggered")]
    assert await count_pages(engine) == 1
    # a restart: a new engine on the same database knows the silence and the beats
    again = create_engine(database_url)
    try:
        assert await check(again, T0 + 9 * MIN) == {}
        assert await record_beat(unit(again), "prom", T0 + 10 * MIN)
        assert await check(again, T0 + 10 * MIN) == {"prom": "resumed"}
    finally:
        await again.dispose()
    assert await incidents(engine) == [("heartbeat", "prom", "resolved")]
    async with engine.connect() as conn:
        row = (await conn.execute(select(HeartbeatRow))).one()
    assert (row.beats, row.last_beat_at, row.incident_id) == (3, T0 + 10 * MIN, None)


async def test_two_workers_checking_at_once_open_one_incident(engine: AsyncEngine) -> None:
    await ready(engine)
    await check(engine, T0)
    results = await asyncio.gather(*(check(engine, T0 + 6 * MIN) for _ in range(4)))
    assert sorted(len(r) for r in results) == [0, 0, 0, 1]
    assert await incidents(engine) == [("heartbeat", "prom", "triggered")]
    assert await count_pages(engine) == 1


async def test_watchdog_beats_and_opens_nothing(engine: AsyncEngine) -> None:
    await ready(engine)
    await check(engine, T0)
    labels = {"alertname": "Watchdog", "prometheus": "monitoring/k8s"}
    dog = AlertBatch(
        "alertmanager",
        '{}:{alertname="Watchdog"}',
        "firing",
        "Watchdog",
        labels,
        alerts=(NewAlert("fp-dog", "firing", T0, None, labels),),
    )
    for minute in (4, 8, 12):
        result = await ingest(unit(engine), dog, T0 + minute * MIN)
        assert result.incident_id is None and result.action == "ignored"
        assert await check(engine, T0 + (minute + 2) * MIN) == {}
    assert await incidents(engine) == []


async def test_a_heartbeat_removed_is_forgotten_and_counts_afresh_when_back(
    engine: AsyncEngine,
) -> None:
    await ready(engine)
    await check(engine, T0)
    assert await record_beat(unit(engine), "prom", T0 + MIN)
    later = T0 + 60 * MIN
    await apply_configuration(unit(engine), config(heartbeats=[]), actor="t", source="t", now=later)
    assert await check(engine, later) == {}
    async with engine.connect() as conn:
        assert (await conn.execute(select(HeartbeatRow))).all() == []
    back = later + 60 * MIN
    await apply_configuration(unit(engine), CONFIG, actor="t", source="t", now=back)
    assert await check(engine, back) == {}  # silent since now, not since 10:01
    assert await check(engine, back + 6 * MIN) == {"prom": "missed"}
    assert await incidents(engine) == [("heartbeat", "prom", "triggered")]
