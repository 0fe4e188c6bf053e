"""Rest after night pages on SQLite and PostgreSQL, in the resolving transaction: the
scenario of ``tests/unit/rest/scenario.py`` (granted exactly at the threshold, not below,
not twice in a shift; refused and the managers told when nobody can cover)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from core.incidents.ports import AlertBatch, NewAlert
from core.incidents.service import ingest
from core.metrics.ports import IncidentMetrics, PageMetric, RestGrant
from core.ports import UnitOfWork
from core.rest.grant import rest_after_night_pages
from storage.statements import OUTBOX
from storage.uow import SqlUnitOfWork, session_factory
from tests.unit.rest.scenario import APPLIED, CONFIG, incident, t

LO, HI = t("2026-01-01 00:00"), t("2027-01-01 00:00")


async def setup(engine: AsyncEngine) -> Callable[[], UnitOfWork]:
    sessions = session_factory(engine)
    async with SqlUnitOfWork(sessions) as uow:
        await uow.config.save(CONFIG, at=APPLIED, actor="test", source="test")
        await uow.commit()
    return lambda: SqlUnitOfWork(sessions)


async def rests(units: Callable[[], UnitOfWork]) -> list[tuple[str, datetime, datetime, str]]:
    async with units() as uow:
        offs = await uow.schedules.time_off(LO, HI)
    return [(o.person_id, o.start, o.end, o.created_by) for o in offs]


async def messages(engine: AsyncEngine) -> list[tuple[str, Any]]:
    query = select(OUTBOX.c.kind, OUTBOX.c.payload).where(OUTBOX.c.kind.like("rest.%"))
    async with engine.connect() as conn:
        rows = (await conn.execute(query.order_by(OUTBOX.c.id))).all()
    return [(r.kind, r.payload["recipient"]["id"]) for r in rows]


async def test_granted_at_the_threshold_once_per_shift(engine: AsyncEngine) -> None:
    units = await setup(engine)
    await incident(units, 1, "2026-03-02 22:00", "2026-03-02 22:59", "2026-03-02 23:00")
    assert await rests(units) == []  # 59 minutes
    await incident(units, 2, "2026-03-03 02:00", "2026-03-03 02:01", "2026-03-03 02:30")
    assert await rests(units) == [  # 59 + 1: exactly 60
        ("ann", t("2026-03-03 02:30"), t("2026-03-03 10:30"), "oncall:rest")
    ]
    assert await messages(engine) == [("rest.granted", "ann"), ("rest.cover", "bob")]
    async with units() as uow:
        decision = await uow.metrics.rest_decision("ann", t("2026-03-02 09:00"))
        covers = await uow.schedules.time_off(LO, HI)
    assert decision is not None and decision.outcome == "granted" and len(covers) == 1
    # ann paged directly during her rest (the incident handed to her), for two hours of night
    await incident(
        units, 3, "2026-03-03 03:00", "2026-03-03 05:00", "2026-03-03 05:10", reassign="ann"
    )
    assert len(await rests(units)) == 1
    kinds = [kind for kind, who in await messages(engine) if who == "ann"]
    assert kinds == ["rest.granted"]


async def test_refused_when_nobody_can_cover(engine: AsyncEngine) -> None:
    units = await setup(engine)
    await incident(
        units,
        1,
        "2026-03-02 23:00",
        "2026-03-03 00:00",
        "2026-03-03 00:30",
        service="lone",
        who="cat",
    )
    assert await rests(units) == []
    assert await messages(engine) == [("rest.refused", "dan")]
    async with units() as uow:
        decision = await uow.metrics.rest_decision("cat", t("2026-03-02 09:00"))
    assert decision is not None and decision.outcome == "refused"


def _night_metrics(incident_id: int, start: str, end: str) -> IncidentMetrics:
    page = PageMetric("ann", t(start), t(end), True, t(end) - t(start))
    return IncidentMetrics(
        incident_id=incident_id,
        service_id="api",
        team_id="ops",
        severity="critical",
        opened_at=t(start),
        acknowledged_at=t(end),
        resolved_at=t(end),
        time_to_acknowledge=t(end) - t(start),
        time_to_resolve=t(end) - t(start),
        acknowledged_by="ann",
        resolved_by="ann",
        escalations=0,
        responder="ann",
        off_hours=True,
        pages=(page,),
    )


async def test_two_resolutions_at_once_see_each_others_pages(engine: AsyncEngine) -> None:
    # ann's two night incidents (40 minutes of paging each, 80 in her shift: over the 60 of
    # the threshold) are resolved in two transactions open at the same time. Each alone is
    # below the threshold; the second to decide must see the first's pages.
    units = await setup(engine)
    for number, opened in ((1, "2026-03-02 23:00"), (2, "2026-03-03 01:00")):
        labels = {"service": "api", "severity": "critical"}
        alert = NewAlert(f"fp{number}", "firing", t(opened), None, labels)
        batch = AlertBatch("alertmanager", f"k{number}", "firing", "x", labels, alerts=(alert,))
        await ingest(units(), batch, t(opened))
    first, second = units(), units()
    async with first:
        assert await first.metrics.save(_night_metrics(1, "2026-03-02 23:00", "2026-03-02 23:40"))
        now = t("2026-03-03 01:40")
        assert await rest_after_night_pages(first, CONFIG, await first.metrics.get(1), now) == []

        async def resolve_second() -> list[RestGrant]:
            async with second:
                metrics = _night_metrics(2, "2026-03-03 01:00", "2026-03-03 01:40")
                assert await second.metrics.save(metrics)
                decided = await rest_after_night_pages(second, CONFIG, metrics, now)
                await second.commit()
            return decided

        racing = asyncio.create_task(resolve_second())
        await asyncio.sleep(1.0)  # the second has saved its pages and reads them meanwhile
        await first.commit()
    decided = await racing
    assert [(g.person_id, g.outcome, g.night_time) for g in decided] == [
        ("ann", "granted", timedelta(minutes=80))
    ]
    assert [r[0] for r in await rests(units)] == ["ann"]
