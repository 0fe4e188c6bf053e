"""Incidents, alerts, timeline and pending steps over SQL.

Every statement of the alert path is built once (``storage.statements``) and run with
parameters. Claims: on PostgreSQL, due rows are locked with ``FOR UPDATE SKIP LOCKED``, so two
instances never take the same row and neither waits for the other. On SQLite (one writer at a
time) a claim is a conditional ``UPDATE … WHERE done_at IS NULL`` whose row count says who won.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.incidents.lifecycle import IncidentState
from core.incidents.ports import IncidentRecord, NewAlert, NewIncident, PendingStep
from storage.incident_tables import OPEN_INCIDENT
from storage.statements import ALERTS, EVENTS, INCIDENTS, STEPS, insert_for, per_dialect

_STATE_FIELDS = (
    "status",
    "tier",
    "cycle",
    "start_tier",
    "pages",
    "exhausted",
    "assignee",
    "snoozed_until",
    "acknowledged_at",
    "acknowledged_by",
    "resolved_at",
    "resolved_by",
)

_COUNT = (
    select(func.count())
    .where(ALERTS.c.incident_id == INCIDENTS.c.id)
    .correlate(INCIDENTS)
    .scalar_subquery()
    .label("alert_count")
)
_SELECT = select(INCIDENTS, _COUNT)
_OPEN_FOR = _SELECT.where(
    INCIDENTS.c.source == bindparam("source"),
    INCIDENTS.c.dedup_key == bindparam("key"),
    INCIDENTS.c.status != "resolved",
)
_GET = _SELECT.where(INCIDENTS.c.id == bindparam("incident_id"))
_SAVE_STATE = (
    update(INCIDENTS)
    .where(INCIDENTS.c.id == bindparam("incident_id"))
    .values({name: bindparam(f"new_{name}") for name in _STATE_FIELDS})
)
_KNOWN_ALERTS = select(
    ALERTS.c.id, ALERTS.c.fingerprint, ALERTS.c.starts_at, ALERTS.c.status, ALERTS.c.ends_at
).where(
    ALERTS.c.source == bindparam("source"),
    ALERTS.c.fingerprint.in_(bindparam("fingerprints", expanding=True)),
)
_RESOLVED_ALERTS = (
    select(ALERTS.c.fingerprint, ALERTS.c.starts_at)
    .join(INCIDENTS, INCIDENTS.c.id == ALERTS.c.incident_id)
    .where(
        ALERTS.c.source == bindparam("source"),
        ALERTS.c.fingerprint.in_(bindparam("fingerprints", expanding=True)),
        INCIDENTS.c.status == "resolved",
        INCIDENTS.c.resolved_at >= bindparam("since"),
    )
)
_ALERT_CHANGED = (
    update(ALERTS)
    .where(ALERTS.c.id == bindparam("alert_id"))
    .values(
        status=bindparam("new_status"),
        ends_at=bindparam("new_ends_at"),
        last_seen_at=bindparam("now"),
    )
)
_ADD_EVENT = EVENTS.insert().returning(EVENTS.c.id)
_STEPS_OF = (
    STEPS.c.incident_id == bindparam("of_incident"),
    STEPS.c.done_at.is_(None),
)


def _ending_steps(dialect: str, outcome: str, *, of_kind: bool) -> Any:
    """End the incident's pending steps (of one kind). On PostgreSQL a step locked by a worker
    firing it right now is left to that worker, which takes the incident's row after us and
    finds the step stale; waiting for it instead would deadlock with the worker, which holds
    the step and waits for the incident."""
    where = [*_STEPS_OF, *([STEPS.c.kind == bindparam("step_kind")] if of_kind else [])]
    if dialect == "postgresql":
        free = select(STEPS.c.id).where(*where).with_for_update(skip_locked=True)
        where = [STEPS.c.id.in_(free.scalar_subquery())]
    return update(STEPS).where(*where).values(done_at=bindparam("now"), outcome=outcome)


_ADD_STEP = STEPS.insert()
_DUE = (
    select(STEPS)
    .where(STEPS.c.done_at.is_(None), STEPS.c.due_at <= bindparam("now"))
    .order_by(STEPS.c.due_at, STEPS.c.id)
    .limit(bindparam("limit"))
)
_CLAIM = (
    update(STEPS)
    .where(STEPS.c.id.in_(bindparam("step_ids", expanding=True)), STEPS.c.done_at.is_(None))
    .values(done_at=bindparam("now"), done_by=bindparam("worker"), outcome="fired")
    .returning(STEPS.c.id)
)


def _locked_get(dialect: str) -> Any:
    return _GET.with_for_update() if dialect == "postgresql" else _GET


def _due_statement(dialect: str) -> Any:
    """Due steps, oldest first; on PostgreSQL locked, skipping rows another worker holds."""
    return _DUE.with_for_update(skip_locked=True) if dialect == "postgresql" else _DUE


def _create_statement(dialect: str) -> Any:
    """Insert an incident unless one of its key is open (the partial unique index)."""
    return (
        insert_for(dialect, INCIDENTS)
        .on_conflict_do_nothing(
            index_elements=["source", "dedup_key"], index_where=text(OPEN_INCIDENT)
        )
        .returning(INCIDENTS.c.id)
    )


def _add_alerts_statement(dialect: str) -> Any:
    """Insert alerts; one a concurrent delivery inserted first is skipped quietly."""
    return (
        insert_for(dialect, ALERTS)
        .on_conflict_do_nothing(index_elements=["source", "fingerprint", "starts_at"])
        .returning(ALERTS.c.id)
    )


def _record(row: Mapping[str, Any]) -> IncidentRecord:
    state = IncidentState(**{name: row[name] for name in _STATE_FIELDS})
    return IncidentRecord(
        source=row["source"],
        dedup_key=row["dedup_key"],
        title=row["title"],
        service_id=row["service_id"],
        team_id=row["team_id"],
        policy_id=row["policy_id"],
        severity=row["severity"],
        state=state,
        opened_at=row["opened_at"],
        labels=dict(row["labels"]),
        annotations=dict(row["annotations"]),
        links=dict(row["links"]),
        id=row["id"],
        alert_count=int(row["alert_count"] or 0),
    )


class SqlIncidentRepository:
    """Implements :class:`core.incidents.ports.IncidentRepository`."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def _one(self, statement: Any, params: dict[str, Any]) -> IncidentRecord | None:
        row = (await self._session.execute(statement, params)).mappings().first()
        return _record(row) if row is not None else None

    async def open_for(self, source: str, key: str) -> IncidentRecord | None:
        return await self._one(_OPEN_FOR, {"source": source, "key": key})

    async def get(self, incident_id: int, *, for_update: bool = False) -> IncidentRecord | None:
        statement = _GET
        if for_update:
            statement = per_dialect(self._session, "incident for update", _locked_get)
        return await self._one(statement, {"incident_id": incident_id})

    async def create(self, incident: NewIncident) -> int | None:
        params = {
            "source": incident.source,
            "dedup_key": incident.dedup_key,
            "title": incident.title,
            "service_id": incident.service_id,
            "team_id": incident.team_id,
            "policy_id": incident.policy_id,
            "severity": incident.severity,
            "opened_at": incident.opened_at,
            "labels": incident.labels,
            "annotations": incident.annotations,
            "links": incident.links,
            **{name: getattr(incident.state, name) for name in _STATE_FIELDS},
        }
        statement = per_dialect(self._session, "create incident", _create_statement)
        new_id = (await self._session.execute(statement, params)).scalar()
        return int(new_id) if new_id is not None else None

    async def save_state(self, incident_id: int, state: IncidentState) -> None:
        params = {f"new_{name}": getattr(state, name) for name in _STATE_FIELDS}
        await self._session.execute(_SAVE_STATE, {"incident_id": incident_id, **params})

    async def resolved_alerts(
        self, source: str, alerts: Sequence[NewAlert], since: datetime
    ) -> int:
        """How many of ``alerts`` (by fingerprint and start) belong to incidents resolved at
        or after ``since``."""
        if not alerts:
            return 0
        fingerprints = sorted({a.fingerprint for a in alerts})
        rows = await self._session.execute(
            _RESOLVED_ALERTS, {"source": source, "fingerprints": fingerprints, "since": since}
        )
        found = {(r.fingerprint, r.starts_at) for r in rows}
        return len({(a.fingerprint, a.starts_at) for a in alerts} & found)

    async def upsert_alerts(
        self, incident_id: int, source: str, alerts: Sequence[NewAlert], now: datetime
    ) -> int:
        """One query for the known alerts, one insert for the new ones (a concurrent delivery
        that inserted one first wins quietly), and updates only where something changed."""
        if not alerts:
            return 0
        fingerprints = sorted({a.fingerprint for a in alerts})
        known_rows = (
            await self._session.execute(
                _KNOWN_ALERTS, {"source": source, "fingerprints": fingerprints}
            )
        ).all()
        known = {(r.fingerprint, r.starts_at): r for r in known_rows}
        fresh = {
            (a.fingerprint, a.starts_at): a
            for a in alerts
            if (a.fingerprint, a.starts_at) not in known
        }
        new = 0
        if fresh:
            rows = [
                {
                    "incident_id": incident_id,
                    "source": source,
                    "fingerprint": a.fingerprint,
                    "status": a.status,
                    "starts_at": a.starts_at,
                    "ends_at": a.ends_at,
                    "labels": dict(a.labels),
                    "annotations": dict(a.annotations),
                    "generator_url": a.generator_url,
                    "first_seen_at": now,
                    "last_seen_at": now,
                }
                for a in fresh.values()
            ]
            statement = per_dialect(self._session, "add alerts", _add_alerts_statement)
            new = len((await self._session.execute(statement, rows)).all())
        changed = []
        for alert in alerts:
            row = known.get((alert.fingerprint, alert.starts_at))
            if row is not None and (row.status, row.ends_at) != (alert.status, alert.ends_at):
                changed.append(
                    {
                        "alert_id": row.id,
                        "new_status": alert.status,
                        "new_ends_at": alert.ends_at,
                        "now": now,
                    }
                )
        if changed:
            await self._session.execute(_ALERT_CHANGED, changed)
        return new

    async def add_event(
        self, incident_id: int, at: datetime, kind: str, actor: str | None, detail: dict[str, Any]
    ) -> int:
        params = {
            "incident_id": incident_id,
            "at": at,
            "kind": kind,
            "actor": actor,
            "detail": detail,
        }
        return int((await self._session.execute(_ADD_EVENT, params)).scalar_one())

    async def events(
        self, incident_id: int
    ) -> list[tuple[datetime, str, str | None, dict[str, Any]]]:
        query = (
            select(EVENTS.c.at, EVENTS.c.kind, EVENTS.c.actor, EVENTS.c.detail)
            .where(EVENTS.c.incident_id == incident_id)
            .order_by(EVENTS.c.id)
        )
        return [(r.at, r.kind, r.actor, r.detail) for r in await self._session.execute(query)]

    async def events_between(
        self, start: datetime, end: datetime, kinds: Sequence[str] | None = None
    ) -> list[tuple[int, datetime, str, str | None, dict[str, Any]]]:
        """See the port (read-only)."""
        columns = (EVENTS.c.incident_id, EVENTS.c.at, EVENTS.c.kind, EVENTS.c.actor)
        query = select(*columns, EVENTS.c.detail).where(EVENTS.c.at >= start, EVENTS.c.at < end)
        if kinds is not None:
            query = query.where(EVENTS.c.kind.in_(list(kinds)))
        query = query.order_by(EVENTS.c.at, EVENTS.c.id)
        rows = await self._session.execute(query)
        return [(r.incident_id, r.at, r.kind, r.actor, r.detail) for r in rows]

    async def schedule_step(
        self, incident_id: int, kind: str, due_at: datetime, tier: int, cycle: int, now: datetime
    ) -> None:
        replace_steps = per_dialect(
            self._session, "replace steps", lambda d: _ending_steps(d, "replaced", of_kind=True)
        )
        await self._session.execute(
            replace_steps, {"of_incident": incident_id, "step_kind": kind, "now": now}
        )
        await self._session.execute(
            _ADD_STEP,
            {
                "incident_id": incident_id,
                "kind": kind,
                "due_at": due_at,
                "tier": tier,
                "cycle": cycle,
                "created_at": now,
            },
        )

    async def cancel_steps(self, incident_id: int, now: datetime) -> None:
        cancel = per_dialect(
            self._session, "cancel steps", lambda d: _ending_steps(d, "cancelled", of_kind=False)
        )
        await self._session.execute(cancel, {"of_incident": incident_id, "now": now})

    async def claim_due(self, now: datetime, limit: int, worker: str) -> list[PendingStep]:
        """The due rows are selected (and, on PostgreSQL, locked) in this transaction, so no
        one else can take them before it ends; the update still claims only rows not done,
        and what it returns is what was claimed."""
        rows = (
            await self._session.execute(
                per_dialect(self._session, "due steps", _due_statement),
                {"now": now, "limit": limit},
            )
        ).all()
        if not rows:
            return []
        params = {"step_ids": [r.id for r in rows], "now": now, "worker": worker}
        won = set((await self._session.execute(_CLAIM, params)).scalars())
        return [
            PendingStep(r.id, r.incident_id, r.kind, r.due_at, r.tier, r.cycle)
            for r in rows
            if r.id in won
        ]

    async def listing(
        self,
        include_resolved: bool = True,
        limit: int = 50,
        *,
        statuses: Collection[str] | None = None,
        before_id: int | None = None,
    ) -> list[IncidentRecord]:
        """The port's listing: ``WHERE status IN (…) AND id < :before ORDER BY id DESC
        LIMIT :limit`` (the primary key's index serves the order and the cursor)."""
        if limit < 1 or (statuses is not None and not statuses):
            return []
        query = _SELECT.order_by(INCIDENTS.c.id.desc()).limit(limit)
        if statuses is not None:
            query = query.where(INCIDENTS.c.status.in_(sorted(set(statuses))))
        elif not include_resolved:
            query = query.where(INCIDENTS.c.status != "resolved")
        if before_id is not None:
            query = query.where(INCIDENTS.c.id < before_id)
        return [_record(row) for row in (await self._session.execute(query)).mappings()]
