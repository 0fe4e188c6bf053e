"""Metrics stored at resolution on SQLite and PostgreSQL: the scripted history of
``tests/unit/metrics/history.py`` gives the same records as on the in-memory store, and the
repository's queries (window, team, a person's pages, rest decisions) answer alike."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from core.incidents.lifecycle import Acknowledge, Resolve
from core.incidents.service import act, fire_due, ingest
from core.metrics.ports import IncidentMetrics, PageMetric, RestGrant
from core.metrics.report import figures
from core.ports import Revision, UnitOfWork
from storage.uow import SqlUnitOfWork, session_factory
from tests.fakes import FakeUnitOfWork, Store
from tests.unit.metrics.history import (
    APPLIED,
    CONFIG,
    PEOPLE,
    POLICIES,
    REVISION,
    SERVICES,
    M,
    batch,
    run_history,
    t,
)
from tests.unit.metrics.test_resolution import EXPECTED, summary
from tests.unit.oncall.common import config


async def test_the_scripted_history_on_sql(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    async with SqlUnitOfWork(sessions) as uow:
        await uow.config.save(CONFIG, at=APPLIED, actor="test", source="test")
        await uow.commit()
    await run_history(lambda: SqlUnitOfWork(sessions))
    async with SqlUnitOfWork(sessions, write=False) as uow:
        found = [await uow.metrics.get(i) for i in (1, 2, 3)]
        window = await uow.metrics.resolved_between(t("2026-03-02 00:00"), t("2026-03-04 00:00"))
        ops = await uow.metrics.resolved_between(
            t("2026-03-03 00:00"), t("2026-03-04 00:00"), "ops"
        )
        edge = await uow.metrics.resolved_between(t("2026-03-02 10:20"), t("2026-03-03 11:30"))
        dan = await uow.metrics.pages_of("dan", t("2026-03-02 00:00"), t("2026-03-04 00:00"))
        assert await uow.metrics.get(99) is None
    assert [summary(m) for m in found if m] == EXPECTED
    assert [m.incident_id for m in window] == [1, 3, 2]
    assert [m.incident_id for m in ops] == [3, 2]
    assert [m.incident_id for m in edge] == [1]  # [from, to): resolved at `to` is out
    assert [(p.incident_id, p.page.at) for p in dan] == [
        (1, t("2026-03-02 10:05")),
        (3, t("2026-03-03 11:05")),
    ]


async def test_fake_and_sql_agree_on_saving_twice_and_rest_decisions(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    async with SqlUnitOfWork(sessions) as uow:
        await uow.config.save(CONFIG, at=APPLIED, actor="test", source="test")
        await uow.commit()
    await run_history(lambda: SqlUnitOfWork(sessions))
    store = Store(revisions=[REVISION])
    await run_history(lambda: FakeUnitOfWork(store))
    for uow in (SqlUnitOfWork(sessions), FakeUnitOfWork(store)):
        async with uow:
            first = await uow.metrics.get(1)
            assert isinstance(first, IncidentMetrics)
            again = IncidentMetrics(**{**first.__dict__, "escalations": 9, "pages": ()})
            assert await uow.metrics.save(again) is False  # kept once
            grant = RestGrant(
                "ann",
                t("2026-03-02 09:00"),
                "primary",
                1,
                "granted",
                t("2026-03-02 10:20"),
                timedelta(minutes=61, seconds=30),
            )
            assert await uow.metrics.rest_decision("ann", grant.shift_start) is None
            assert await uow.metrics.add_rest_decision(grant) is True
            assert await uow.metrics.add_rest_decision(grant) is False
            stored = await uow.metrics.rest_decision("ann", grant.shift_start)
            await uow.commit()
        assert stored == grant
        async with uow:
            kept = await uow.metrics.get(1)
        assert kept is not None and kept.escalations == 1
        assert all(isinstance(p, PageMetric) for p in kept.pages) and len(kept.pages) == 2


HELD_CONFIG = config(
    people=PEOPLE,
    escalation_policies=POLICIES,
    services=SERVICES,
    maintenance=[{"service": "api", "from": "2026-03-02 00:00", "to": "2026-03-02 06:00"}],
)


async def _held_history(new_unit: Callable[[], UnitOfWork]) -> None:
    """#1 opens 01:00 in a window ending 06:00, pages ann at 06:00, ann acknowledges 06:05,
    resolves 06:30; #2 opens 02:00 and resolves itself 03:00, still held."""
    one, two = t("2026-03-02 01:00"), t("2026-03-02 02:00")
    await ingest(new_unit(), batch("one", "firing", one), one)
    await ingest(new_unit(), batch("two", "firing", two), two)
    await ingest(new_unit(), batch("two", "resolved", two), t("2026-03-02 03:00"))
    assert await fire_due(new_unit(), t("2026-03-02 06:00"), worker="w") >= 1
    await act(new_unit(), 1, Acknowledge("ann"), "ann", t("2026-03-02 06:05"))
    await act(new_unit(), 1, Resolve("ann"), "ann", t("2026-03-02 06:30"))


async def test_held_incidents_are_measured_from_the_end_of_the_hold(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    async with SqlUnitOfWork(sessions) as uow:
        await uow.config.save(HELD_CONFIG, at=APPLIED, actor="test", source="test")
        await uow.commit()
    await _held_history(lambda: SqlUnitOfWork(sessions))
    store = Store(revisions=[Revision(id=1, applied_at=APPLIED, config=HELD_CONFIG)])
    await _held_history(lambda: FakeUnitOfWork(store))
    for uow in (SqlUnitOfWork(sessions, write=False), FakeUnitOfWork(store)):
        async with uow:
            one, two = await uow.metrics.get(1), await uow.metrics.get(2)
            listed = await uow.metrics.resolved_between(
                t("2026-03-02 00:00"), t("2026-03-03 00:00")
            )
        assert one is not None and two is not None
        # paged at 06:00, acknowledged 06:05: 5 minutes, not 5h05m; resolved 30 minutes in
        assert (one.time_to_acknowledge, one.time_to_resolve) == (5 * M, 30 * M)
        assert one.opened_at == t("2026-03-02 01:00")
        # resolved while still held: never paged, nothing to measure
        assert (two.time_to_acknowledge, two.time_to_resolve, two.pages) == (None, None, ())
        assert [(m.time_to_acknowledge, m.time_to_resolve) for m in listed] == [
            (None, None),
            (5 * M, 30 * M),
        ]
        overall = figures(listed)
        assert (overall.incidents, overall.mtta_median, overall.mttr_median) == (2, 5 * M, 30 * M)
