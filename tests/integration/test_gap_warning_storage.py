"""The record of gap warnings, and the hand-over/gap jobs, on the fakes, SQLite and PostgreSQL.

Each scenario runs on the in-memory fakes and on ``SqlUnitOfWork`` over both databases (the
``engine`` fixture), so the fake cannot drift from SQL.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from core.config.apply import apply_configuration
from core.oncall.notices import announce_handovers, warn_about_gaps
from core.oncall.ports import GapWarning
from core.ports import UnitOfWork
from storage.uow import SqlUnitOfWork, session_factory
from tests.fakes import FakeUnitOfWork, Store
from tests.unit.oncall.common import at, config

NewUnit = Callable[[], UnitOfWork]
Scenario = Callable[[NewUnit], Awaitable[None]]
SCENARIOS: list[Scenario] = []
BERLIN = timezone(timedelta(hours=1))


def scenario(fn: Scenario) -> Scenario:
    SCENARIOS.append(fn)
    return fn


def warning(start: datetime, end: datetime | None, service: str = "site") -> GapWarning:
    return GapWarning(service, start, end, "web", "office", at("2026-03-03 10:00"), T0)


T0 = at("2026-03-02 10:00")


@scenario
async def replace_adds_removes_and_refuses_a_change_made_meanwhile(new_unit: NewUnit) -> None:
    first = warning(datetime(2026, 3, 2, 18, 0, tzinfo=BERLIN), None)  # stored in UTC
    second = warning(at("2026-03-03 17:00"), at("2026-03-04 09:00"))
    other = warning(at("2026-03-02 17:00"), at("2026-03-03 09:00"), service="api")
    async with new_unit() as uow:
        assert await uow.gap_warnings.replace([], [second, first, other])
        await uow.commit()
    async with new_unit() as uow:
        rows = await uow.gap_warnings.all()
    assert [(w.service_id, w.start, w.end) for w in rows] == [
        ("api", at("2026-03-02 17:00"), at("2026-03-03 09:00")),
        ("site", at("2026-03-02 17:00"), None),
        ("site", at("2026-03-03 17:00"), at("2026-03-04 09:00")),
    ]
    assert all(w.start.tzinfo == UTC and w.seen_until.tzinfo == UTC for w in rows)
    # An insert of a row that exists: refused, and left uncommitted nothing changes.
    async with new_unit() as uow:
        assert not await uow.gap_warnings.replace([], [second])
    # A removal of a row gone already: refused.
    gone = warning(at("2026-03-05 17:00"), None)
    async with new_unit() as uow:
        assert not await uow.gap_warnings.replace([gone], [])
    # Remove and re-add the same key in one go (a row rewritten).
    moved = warning(at("2026-03-03 17:00"), at("2026-03-04 07:00"))
    async with new_unit() as uow:
        assert await uow.gap_warnings.replace([second, other], [moved])
        await uow.commit()
    async with new_unit() as uow:
        rows = await uow.gap_warnings.all()
    assert [(w.service_id, w.start, w.end) for w in rows] == [
        ("site", at("2026-03-02 17:00"), None),
        ("site", at("2026-03-03 17:00"), at("2026-03-04 07:00")),
    ]


@scenario
async def the_jobs_announce_once(new_unit: NewUnit) -> None:
    teams = [{"id": "ops"}, {"id": "web", "managers": ["dan"]}]
    await apply_configuration(
        new_unit(), config(teams=teams), actor="t", source="t", now=at("2026-03-01 00:00")
    )
    now = at("2026-03-03 09:00")
    assert await announce_handovers(new_unit(), now, read=new_unit()) == 3
    assert await announce_handovers(new_unit(), now + timedelta(seconds=30)) == 0
    assert await warn_about_gaps(new_unit(), now, timedelta(days=1), read=new_unit()) == 2
    assert await warn_about_gaps(new_unit(), now + timedelta(hours=1), timedelta(days=1)) == 0
    async with new_unit() as uow:
        keys = await uow.outbox.known_keys(
            ["handover/primary/2026-03-03T09:00:00+00:00", "gaps/web/dan/2026-03-03T09:00:00+00:00"]
            + [f"nothing/{i}" for i in range(600)]
        )
        services = [w.service_id for w in await uow.gap_warnings.all()]
    assert keys == {
        "handover/primary/2026-03-03T09:00:00+00:00",
        "gaps/web/dan/2026-03-03T09:00:00+00:00",
    }
    assert sorted(services) == ["orphan", "site"]


@pytest.mark.parametrize("run", SCENARIOS, ids=lambda s: s.__name__)
async def test_fakes(run: Scenario) -> None:
    store = Store()
    await run(lambda: FakeUnitOfWork(store))


@pytest.mark.parametrize("run", SCENARIOS, ids=lambda s: s.__name__)
async def test_sql(run: Scenario, engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    await run(lambda: SqlUnitOfWork(sessions))
