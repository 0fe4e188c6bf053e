"""The in-memory response metrics and rest decisions, like ``storage/metrics_repo.py``."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime, timedelta

from core.metrics.ports import IncidentMetrics, PageMetric, PersonPage, RestGrant
from tests.fake_store import Store, instant, maybe_instant


def _seconds(value: timedelta) -> timedelta:
    """As the table keeps it: whole seconds."""
    return timedelta(seconds=int(value.total_seconds()))


class FakeMetrics:
    """Implements :class:`core.metrics.ports.MetricsRepository`: one record per incident,
    one rest decision per person and shift start; instants in UTC, off-hours in whole seconds."""

    def __init__(self, store: Store) -> None:
        self._store = store

    async def save(self, metrics: IncidentMetrics) -> bool:
        if metrics.incident_id in self._store.metrics:
            return False
        pages = tuple(
            dataclasses.replace(
                p,
                at=instant(p.at),
                until=instant(p.until),
                off_hours_time=_seconds(p.off_hours_time),
            )
            for p in metrics.pages
        )
        self._store.metrics[metrics.incident_id] = dataclasses.replace(
            metrics,
            opened_at=instant(metrics.opened_at),
            acknowledged_at=maybe_instant(metrics.acknowledged_at),
            resolved_at=instant(metrics.resolved_at),
            pages=tuple(sorted(pages, key=lambda p: p.at)),
        )
        return True

    async def get(self, incident_id: int) -> IncidentMetrics | None:
        return self._store.metrics.get(incident_id)

    async def resolved_between(
        self, start: datetime, end: datetime, team_id: str | None = None
    ) -> list[IncidentMetrics]:
        found = [
            m
            for m in self._store.metrics.values()
            if start <= m.resolved_at < end and (team_id is None or m.team_id == team_id)
        ]
        return sorted(found, key=lambda m: (m.resolved_at, m.incident_id))

    async def pages_of(self, person_id: str, start: datetime, end: datetime) -> list[PersonPage]:
        out: list[tuple[datetime, int, PageMetric]] = [
            (p.at, m.incident_id, p)
            for m in self._store.metrics.values()
            for p in m.pages
            if p.person_id == person_id and start <= p.at < end
        ]
        return [PersonPage(i, p) for _, i, p in sorted(out, key=lambda t: (t[0], t[1]))]

    async def lock_pages_of(self, person_ids: Sequence[str]) -> None:
        """Nothing to wait for: the in-memory store runs one unit of work at a time."""

    async def rest_decision(self, person_id: str, shift_start: datetime) -> RestGrant | None:
        return self._store.rest_decisions.get((person_id, instant(shift_start)))

    async def add_rest_decision(self, grant: RestGrant) -> bool:
        key = (grant.person_id, instant(grant.shift_start))
        if key in self._store.rest_decisions:
            return False
        self._store.rest_decisions[key] = dataclasses.replace(
            grant,
            shift_start=instant(grant.shift_start),
            decided_at=instant(grant.decided_at),
            night_time=_seconds(grant.night_time),
        )
        return True
