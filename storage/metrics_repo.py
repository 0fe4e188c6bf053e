"""Response metrics and rest decisions over SQL (:class:`core.metrics.ports.MetricsRepository`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from core.metrics.compute import HOLD_KINDS, response_clock
from core.metrics.ports import IncidentMetrics, PageMetric, PersonPage, RestGrant
from storage.incident_tables import IncidentEventRow
from storage.metrics_tables import IncidentMetricsRow, MetricPageRow, RestDecisionRow
from storage.statements import dialect_name, insert_for

METRICS: Table = IncidentMetricsRow.__table__  # type: ignore[attr-defined]
PAGES: Table = MetricPageRow.__table__  # type: ignore[attr-defined]
RESTS: Table = RestDecisionRow.__table__  # type: ignore[attr-defined]
EVENTS: Table = IncidentEventRow.__table__  # type: ignore[attr-defined]
PAGES_LOCK = 0x7E57  # the advisory lock namespace of a person's pages (rest after night pages)


def _page(row: Any) -> PageMetric:
    return PageMetric(
        row.person_id,
        row.paged_at,
        row.until,
        bool(row.off_hours),
        timedelta(seconds=row.off_hours_seconds),
    )


def _metrics(
    row: Any, pages: Sequence[PageMetric], hold: Sequence[tuple[datetime, str]]
) -> IncidentMetrics:
    acked = row.acknowledged_at
    first_page = min((p.at for p in pages), default=None)
    clock = response_clock(row.opened_at, hold, first_page, acked, row.resolved_at)
    return IncidentMetrics(
        incident_id=row.incident_id,
        service_id=row.service_id,
        team_id=row.team_id,
        severity=row.severity,
        opened_at=row.opened_at,
        acknowledged_at=acked,
        resolved_at=row.resolved_at,
        time_to_acknowledge=acked - clock if acked is not None and clock is not None else None,
        time_to_resolve=row.resolved_at - clock if clock is not None else None,
        acknowledged_by=row.acknowledged_by,
        resolved_by=row.resolved_by,
        escalations=row.escalations,
        responder=row.responder,
        off_hours=bool(row.off_hours),
        pages=tuple(pages),
    )


class SqlMetrics:
    """Implements :class:`core.metrics.ports.MetricsRepository`. Off-hours time is kept in
    whole seconds (rounded down). The times to acknowledge and resolve are not stored: they
    are taken from the stored instants and, for an incident held in a maintenance window, its
    timeline's hold events (:func:`core.metrics.compute.response_clock`)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def save(self, metrics: IncidentMetrics) -> bool:
        statement = (
            insert_for(dialect_name(self._session), METRICS)
            .values(
                incident_id=metrics.incident_id,
                service_id=metrics.service_id,
                team_id=metrics.team_id,
                severity=metrics.severity,
                opened_at=metrics.opened_at,
                acknowledged_at=metrics.acknowledged_at,
                resolved_at=metrics.resolved_at,
                acknowledged_by=metrics.acknowledged_by,
                resolved_by=metrics.resolved_by,
                escalations=metrics.escalations,
                responder=metrics.responder,
                off_hours=metrics.off_hours,
            )
            .on_conflict_do_nothing(index_elements=["incident_id"])
            .returning(METRICS.c.incident_id)
        )
        if (await self._session.execute(statement)).first() is None:
            return False
        if metrics.pages:
            await self._session.execute(
                PAGES.insert(),
                [
                    {
                        "incident_id": metrics.incident_id,
                        "person_id": p.person_id,
                        "paged_at": p.at,
                        "until": p.until,
                        "off_hours": p.off_hours,
                        "off_hours_seconds": int(p.off_hours_time.total_seconds()),
                    }
                    for p in metrics.pages
                ],
            )
        return True

    async def _with_pages(self, rows: Sequence[Any]) -> list[IncidentMetrics]:
        ids = [r.incident_id for r in rows]
        pages: dict[int, list[PageMetric]] = {i: [] for i in ids}
        # the times of a held incident run from its hold's end, read from its timeline
        holds: dict[int, list[tuple[datetime, str]]] = {}
        for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
            query = (
                select(PAGES)
                .where(PAGES.c.incident_id.in_(chunk))
                .order_by(PAGES.c.paged_at, PAGES.c.id)
            )
            for page in await self._session.execute(query):
                pages[page.incident_id].append(_page(page))
            held = (
                select(EVENTS.c.incident_id, EVENTS.c.at, EVENTS.c.kind)
                .where(EVENTS.c.incident_id.in_(chunk), EVENTS.c.kind.in_(HOLD_KINDS))
                .order_by(EVENTS.c.id)
            )
            for event in await self._session.execute(held):
                holds.setdefault(event.incident_id, []).append((event.at, event.kind))
        return [_metrics(r, pages[r.incident_id], holds.get(r.incident_id, [])) for r in rows]

    async def get(self, incident_id: int) -> IncidentMetrics | None:
        rows = (
            await self._session.execute(select(METRICS).where(METRICS.c.incident_id == incident_id))
        ).all()
        found = await self._with_pages(rows)
        return found[0] if found else None

    async def resolved_between(
        self, start: datetime, end: datetime, team_id: str | None = None
    ) -> list[IncidentMetrics]:
        query = select(METRICS).where(METRICS.c.resolved_at >= start, METRICS.c.resolved_at < end)
        if team_id is not None:
            query = query.where(METRICS.c.team_id == team_id)
        query = query.order_by(METRICS.c.resolved_at, METRICS.c.incident_id)
        return await self._with_pages((await self._session.execute(query)).all())

    async def pages_of(self, person_id: str, start: datetime, end: datetime) -> list[PersonPage]:
        query = (
            select(PAGES)
            .where(
                PAGES.c.person_id == person_id, PAGES.c.paged_at >= start, PAGES.c.paged_at < end
            )
            .order_by(PAGES.c.paged_at, PAGES.c.id)
        )
        return [PersonPage(r.incident_id, _page(r)) for r in await self._session.execute(query)]

    async def lock_pages_of(self, person_ids: Sequence[str]) -> None:
        """PostgreSQL: a transaction advisory lock per person (key: this namespace and the
        id's ``hashtext``; a collision only makes two people wait for each other), taken in
        sorted order so two transactions never wait on each other in a circle. At READ
        COMMITTED, the statements after it see what the previous holder committed. SQLite:
        nothing to do (one writer at a time: the other resolution has committed or not
        begun writing)."""
        if dialect_name(self._session) != "postgresql":
            return
        for person_id in sorted(set(person_ids)):
            await self._session.execute(
                text("SELECT pg_advisory_xact_lock(:space, hashtext(:person))"),
                {"space": PAGES_LOCK, "person": person_id},
            )

    async def rest_decision(self, person_id: str, shift_start: datetime) -> RestGrant | None:
        query = select(RESTS).where(
            RESTS.c.person_id == person_id, RESTS.c.shift_start == shift_start
        )
        row = (await self._session.execute(query)).first()
        if row is None:
            return None
        return RestGrant(
            person_id=row.person_id,
            shift_start=row.shift_start,
            schedule_id=row.schedule_id,
            incident_id=row.incident_id,
            outcome=row.outcome,
            decided_at=row.decided_at,
            night_time=timedelta(seconds=row.night_seconds),
        )

    async def add_rest_decision(self, grant: RestGrant) -> bool:
        statement = (
            insert_for(dialect_name(self._session), RESTS)
            .values(
                person_id=grant.person_id,
                shift_start=grant.shift_start,
                schedule_id=grant.schedule_id,
                incident_id=grant.incident_id,
                outcome=grant.outcome,
                decided_at=grant.decided_at,
                night_seconds=int(grant.night_time.total_seconds()),
            )
            .on_conflict_do_nothing(index_elements=["person_id", "shift_start"])
            .returning(RESTS.c.person_id)
        )
        return (await self._session.execute(statement)).first() is not None
