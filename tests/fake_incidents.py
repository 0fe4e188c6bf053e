"""In-memory incidents, their alerts, timeline and pending steps, like
``storage/incident_repo.py``, on a fake :class:`~tests.fake_store.Store`."""

from __future__ import annotations

import copy
from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from core.incidents.lifecycle import IncidentState
from core.incidents.ports import IncidentRecord, NewAlert, NewIncident, PendingStep
from tests.fake_store import (
    AlertRow,
    EventRow,
    FakeIntegrityError,
    IncidentRow,
    StepRow,
    Store,
    as_json,
    instant,
    maybe_instant,
)


class FakeIncidents:
    """Implements :class:`core.incidents.ports.IncidentRepository` like SqlIncidentRepository."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def _read(self, row: IncidentRow) -> IncidentRecord:
        count = sum(1 for a in self._store.alerts if a.incident_id == row.record.id)
        return replace(copy.deepcopy(row.record), alert_count=count)

    def _need(self, incident_id: int) -> None:
        if incident_id not in self._store.incidents:
            raise FakeIntegrityError(f"no incident {incident_id} (foreign key)")

    async def open_for(self, source: str, key: str) -> IncidentRecord | None:
        for row in self._store.incidents.values():
            r = row.record
            if (r.source, r.dedup_key) == (source, key) and r.state.status != "resolved":
                return self._read(row)
        return None

    async def get(self, incident_id: int, *, for_update: bool = False) -> IncidentRecord | None:
        row = self._store.incidents.get(incident_id)
        return self._read(row) if row is not None else None

    async def create(self, incident: NewIncident) -> int | None:
        """None when an open incident of the key exists (the partial unique index)."""
        if incident.state.status != "resolved" and await self.open_for(
            incident.source, incident.dedup_key
        ):
            return None
        new_id = self._store.new_row_id("incidents")
        record = IncidentRecord(
            **{
                **{name: getattr(incident, name) for name in NewIncident.__dataclass_fields__},
                "state": _stored_state(incident.state),
                "opened_at": instant(incident.opened_at),
                "labels": as_json(incident.labels),
                "annotations": as_json(incident.annotations),
                "links": as_json(incident.links),
            },
            id=new_id,
        )
        self._store.incidents[new_id] = IncidentRow(record)
        return new_id

    async def save_state(self, incident_id: int, state: IncidentState) -> None:
        row = self._store.incidents.get(incident_id)
        if row is not None:
            row.record = replace(row.record, state=_stored_state(state))

    async def resolved_alerts(
        self, source: str, alerts: Sequence[NewAlert], since: datetime
    ) -> int:
        def recent(incident_id: int) -> bool:
            state = self._store.incidents[incident_id].record.state
            return (
                state.status == "resolved"
                and state.resolved_at is not None
                and (instant(state.resolved_at) >= instant(since))
            )

        resolved = {
            (a.fingerprint, a.starts_at)
            for a in self._store.alerts
            if a.source == source
            and a.incident_id in self._store.incidents
            and recent(a.incident_id)
        }
        return len({(a.fingerprint, instant(a.starts_at)) for a in alerts} & resolved)

    async def upsert_alerts(
        self, incident_id: int, source: str, alerts: Sequence[NewAlert], now: datetime
    ) -> int:
        """Known alerts are found by (source, fingerprint, starts_at) whatever their incident;
        new ones are inserted (the last of a repeated identity wins); known ones updated only
        where status or ends_at changed. Returns how many were new."""
        if not alerts:
            return 0
        now = instant(now)
        known = {
            (a.fingerprint, a.starts_at): a
            for a in self._store.alerts
            if a.source == source and a.fingerprint in {x.fingerprint for x in alerts}
        }
        seen = {key: (a.status, a.ends_at) for key, a in known.items()}
        fresh: dict[tuple[str, datetime], NewAlert] = {}
        for alert in alerts:
            identity = (alert.fingerprint, instant(alert.starts_at))
            if identity not in known:
                fresh[identity] = alert
        if fresh:
            self._need(incident_id)
        for (fingerprint, starts_at), alert in fresh.items():
            self._store.alerts.append(
                AlertRow(
                    id=self._store.new_row_id("alerts"),
                    incident_id=incident_id,
                    source=source,
                    fingerprint=fingerprint,
                    status=alert.status,
                    starts_at=starts_at,
                    ends_at=maybe_instant(alert.ends_at),
                    labels=as_json(alert.labels),
                    annotations=as_json(alert.annotations),
                    generator_url=alert.generator_url,
                    first_seen_at=now,
                    last_seen_at=now,
                )
            )
        for alert in alerts:
            identity = (alert.fingerprint, instant(alert.starts_at))
            ends_at = maybe_instant(alert.ends_at)
            if identity in known and seen[identity] != (alert.status, ends_at):
                row = known[identity]
                row.status, row.ends_at, row.last_seen_at = alert.status, ends_at, now
        return len(fresh)

    async def add_event(
        self, incident_id: int, at: datetime, kind: str, actor: str | None, detail: dict[str, Any]
    ) -> int:
        self._need(incident_id)
        new_id = self._store.new_row_id("incident_events")
        self._store.events.append(
            EventRow(new_id, incident_id, instant(at), kind, actor, as_json(detail))
        )
        return new_id

    async def events(
        self, incident_id: int
    ) -> list[tuple[datetime, str, str | None, dict[str, Any]]]:
        return [
            (e.at, e.kind, e.actor, copy.deepcopy(e.detail))
            for e in self._store.events
            if e.incident_id == incident_id
        ]

    async def events_between(
        self, start: datetime, end: datetime, kinds: Sequence[str] | None = None
    ) -> list[tuple[int, datetime, str, str | None, dict[str, Any]]]:
        chosen = [
            e
            for e in self._store.events
            if instant(start) <= e.at < instant(end) and (kinds is None or e.kind in kinds)
        ]
        chosen.sort(key=lambda e: (e.at, e.id))
        return [(e.incident_id, e.at, e.kind, e.actor, copy.deepcopy(e.detail)) for e in chosen]

    def _finish(self, incident_id: int, kind: str | None, now: datetime, outcome: str) -> None:
        for step in self._store.steps:
            mine = step.incident_id == incident_id and kind in (None, step.kind)
            if mine and step.done_at is None:
                step.done_at, step.outcome = instant(now), outcome

    async def schedule_step(
        self, incident_id: int, kind: str, due_at: datetime, tier: int, cycle: int, now: datetime
    ) -> None:
        self._finish(incident_id, kind, now, "replaced")
        self._need(incident_id)
        new_id = self._store.new_row_id("pending_steps")
        self._store.steps.append(
            StepRow(new_id, incident_id, kind, instant(due_at), tier, cycle, instant(now))
        )

    async def cancel_steps(self, incident_id: int, now: datetime) -> None:
        self._finish(incident_id, None, now, "cancelled")

    async def claim_due(self, now: datetime, limit: int, worker: str) -> list[PendingStep]:
        """Due steps not done, oldest due first (then by id), marked done by ``worker``."""
        now = instant(now)
        due = sorted(
            (s for s in self._store.steps if s.done_at is None and s.due_at <= now),
            key=lambda s: (s.due_at, s.id),
        )[: max(limit, 0)]
        for step in due:
            step.done_at, step.done_by, step.outcome = now, worker, "fired"
        return [PendingStep(s.id, s.incident_id, s.kind, s.due_at, s.tier, s.cycle) for s in due]

    async def listing(
        self,
        include_resolved: bool = True,
        limit: int = 50,
        *,
        statuses: Collection[str] | None = None,
        before_id: int | None = None,
    ) -> list[IncidentRecord]:
        """Like SQL: filtered by status and ``before_id``, highest id first, ``limit`` kept."""
        wanted = set(statuses) if statuses is not None else None

        def chosen(record: IncidentRecord) -> bool:
            status = record.state.status
            if wanted is not None:
                kept = status in wanted
            else:
                kept = include_resolved or status != "resolved"
            return kept and (before_id is None or record.id < before_id)

        rows = [row for row in self._store.incidents.values() if chosen(row.record)]
        rows.sort(key=lambda row: row.record.id, reverse=True)
        return [self._read(row) for row in rows[: max(limit, 0)]]


def _stored_state(state: IncidentState) -> IncidentState:
    return replace(
        state,
        snoozed_until=maybe_instant(state.snoozed_until),
        acknowledged_at=maybe_instant(state.acknowledged_at),
        resolved_at=maybe_instant(state.resolved_at),
    )
