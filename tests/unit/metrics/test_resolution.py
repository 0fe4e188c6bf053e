"""Metrics are stored at resolution, in the resolving unit of work (in-memory store)."""

from __future__ import annotations

from datetime import timedelta

from core.incidents.lifecycle import Acknowledge
from core.incidents.service import act
from core.metrics.ports import IncidentMetrics
from tests.fakes import FakeUnitOfWork, Store
from tests.unit.metrics.history import REVISION, M, batch, run_history, t


def summary(m: IncidentMetrics) -> tuple[object, ...]:
    return (
        m.incident_id,
        m.time_to_acknowledge,
        m.time_to_resolve,
        m.acknowledged_by,
        m.resolved_by,
        m.escalations,
        m.responder,
        m.off_hours,
        tuple((p.person_id, p.at, p.until, p.off_hours, p.off_hours_time) for p in m.pages),
    )


EXPECTED = [
    (
        1,
        7 * M,
        20 * M,
        "dan",
        "dan",
        1,
        "dan",
        False,
        (
            # 04:00 in Chicago: ann was paged at night, for 7 minutes
            ("ann", t("2026-03-02 10:00"), t("2026-03-02 10:07"), True, 7 * M),
            ("dan", t("2026-03-02 10:05"), t("2026-03-02 10:07"), False, timedelta(0)),
        ),
    ),
    (
        2,
        10 * M,
        40 * M,
        "bob",
        "bob",
        0,
        "bob",
        True,
        (("bob", t("2026-03-03 21:00"), t("2026-03-03 21:10"), True, 10 * M),),
    ),
    (
        3,
        None,
        30 * M,
        None,
        "alertmanager",
        1,
        "dan",
        False,
        (
            ("bob", t("2026-03-03 11:00"), t("2026-03-03 11:30"), False, timedelta(0)),
            ("dan", t("2026-03-03 11:05"), t("2026-03-03 11:30"), False, timedelta(0)),
        ),
    ),
]


async def test_a_scripted_history() -> None:
    store = Store(revisions=[REVISION])
    await run_history(lambda: FakeUnitOfWork(store))
    uow = FakeUnitOfWork(store)
    async with uow:
        found = [await uow.metrics.get(i) for i in (1, 2, 3)]
        window = await uow.metrics.resolved_between(t("2026-03-02 00:00"), t("2026-03-04 00:00"))
        ops = await uow.metrics.resolved_between(
            t("2026-03-03 00:00"), t("2026-03-04 00:00"), "ops"
        )
        web = await uow.metrics.resolved_between(
            t("2026-03-02 00:00"), t("2026-03-04 00:00"), "web"
        )
    assert [summary(m) for m in found if m] == EXPECTED
    assert [m.incident_id for m in window] == [1, 3, 2]  # by resolution time
    assert [m.incident_id for m in ops] == [3, 2] and web == []


async def test_an_open_incident_has_no_metrics() -> None:
    store = Store(revisions=[REVISION])
    ten = t("2026-03-02 10:00")
    from core.incidents.service import ingest

    await ingest(FakeUnitOfWork(store), batch("one", "firing", ten), ten)
    await act(FakeUnitOfWork(store), 1, Acknowledge("ann"), "ann", ten + M)
    uow = FakeUnitOfWork(store)
    async with uow:
        assert await uow.metrics.get(1) is None
