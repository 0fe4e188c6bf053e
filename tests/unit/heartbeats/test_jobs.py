"""The worker's heartbeat and maintenance jobs on the in-memory unit of work."""

from __future__ import annotations

from datetime import timedelta

from scheduling.heartbeats import heartbeat_job, maintenance_job
from tests.fakes import FakeUnitOfWork, Store
from tests.unit.oncall.common import at, config, revision

T0 = at("2026-03-02 10:00")
CONFIG = config(heartbeats=[{"name": "prom", "interval": "5m", "service": "api"}])


async def test_the_heartbeat_job_opens_once_and_says_so() -> None:
    store = Store(revisions=[revision(CONFIG, "2026-03-01 00:00")])
    told: list[int] = []
    job = heartbeat_job(
        lambda: FakeUnitOfWork(store),
        lambda: FakeUnitOfWork(store),
        period=timedelta(seconds=5),
        changed=lambda: told.append(1),
    )
    await job(T0)
    await job(T0 + timedelta(minutes=6))
    await job(T0 + timedelta(minutes=6, seconds=1))  # within the period: not run
    await job(T0 + timedelta(minutes=7))
    assert len(store.incidents) == 1 and told == [1]


async def test_the_maintenance_job_writes_nothing_without_holds() -> None:
    store = Store(revisions=[revision(CONFIG, "2026-03-01 00:00")])
    writer = FakeUnitOfWork(store)
    await maintenance_job(lambda: writer, lambda: FakeUnitOfWork(store))(T0)
    assert writer.commits == 0
