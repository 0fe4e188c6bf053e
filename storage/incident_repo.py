"""Incidents, alerts, timeline, pending steps and the outbox over SQL.

Claims: on PostgreSQL, due rows are locked with ``FOR UPDATE SKIP LOCKED``, so two instances
never take the same row and neither waits for the other. On SQLite (one writer at a time) a
claim is a conditional ``UPDATE … WHERE done_at IS NULL`` whose row count says who won.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.incidents.lifecycle import IncidentState
from core.incidents.ports import (
    ClaimedMessage,
    IncidentRecord,
    NewAlert,
    NewIncident,
    OutboxMessage,
    PendingStep,
)
from storage.incident_tables import (
    AlertRow,
    IncidentEventRow,
    IncidentRow,
    OutboxRow,
    PendingStepRow,
)

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


def _insert(session: AsyncSession, table: Any) -> Any:
    """The dialect's INSERT, which knows ``ON CONFLICT DO NOTHING``."""
    if session.bind.dialect.name == "postgresql":
        return postgresql_insert(table)
    return sqlite_insert(table)


def _record(row: IncidentRow, alert_count: int) -> IncidentRecord:
    assert row.id is not None
    state = IncidentState(**{name: getattr(row, name) for name in _STATE_FIELDS})
    return IncidentRecord(
        source=row.source,
        dedup_key=row.dedup_key,
        title=row.title,
        service_id=row.service_id,
        team_id=row.team_id,
        policy_id=row.policy_id,
        severity=row.severity,
        state=state,
        opened_at=row.opened_at,
        labels=dict(row.labels),
        annotations=dict(row.annotations),
        links=dict(row.links),
        id=row.id,
        alert_count=alert_count,
    )


class SqlIncidentRepository:
    """Implements :class:`core.incidents.ports.IncidentRepository`."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def _with_count(self, row: IncidentRow | None) -> IncidentRecord | None:
        if row is None:
            return None
        count = await self._session.scalar(
            select(func.count()).select_from(AlertRow).where(AlertRow.incident_id == row.id)  # type: ignore[arg-type]
        )
        return _record(row, int(count or 0))

    async def open_for(self, source: str, key: str) -> IncidentRecord | None:
        query = select(IncidentRow).where(
            IncidentRow.source == source,  # type: ignore[arg-type]
            IncidentRow.dedup_key == key,  # type: ignore[arg-type]
            IncidentRow.status != "resolved",  # type: ignore[arg-type]
        )
        return await self._with_count((await self._session.execute(query)).scalars().first())

    async def get(self, incident_id: int) -> IncidentRecord | None:
        return await self._with_count(
            await self._session.get(IncidentRow, incident_id, populate_existing=True)
        )

    async def create(self, incident: NewIncident) -> int | None:
        row = IncidentRow(
            source=incident.source,
            dedup_key=incident.dedup_key,
            title=incident.title,
            service_id=incident.service_id,
            team_id=incident.team_id,
            policy_id=incident.policy_id,
            severity=incident.severity,
            opened_at=incident.opened_at,
            labels=incident.labels,
            annotations=incident.annotations,
            links=incident.links,
            **{name: getattr(incident.state, name) for name in _STATE_FIELDS},
        )
        try:
            async with self._session.begin_nested():
                self._session.add(row)
                await self._session.flush()
        except IntegrityError:
            return None  # the partial unique index: an open incident of this key exists
        return row.id

    async def save_state(self, incident_id: int, state: IncidentState) -> None:
        values = {name: getattr(state, name) for name in _STATE_FIELDS}
        statement = update(IncidentRow).where(IncidentRow.id == incident_id)  # type: ignore[arg-type]
        await self._session.execute(
            statement.values(**values).execution_options(synchronize_session=False)
        )

    async def upsert_alerts(
        self, incident_id: int, source: str, alerts: Sequence[NewAlert], now: datetime
    ) -> int:
        """One query for the known alerts, one insert for the new ones (a concurrent delivery
        that inserted one first wins quietly), and updates only where something changed."""
        if not alerts:
            return 0
        known_rows = (
            await self._session.execute(
                select(
                    AlertRow.id,
                    AlertRow.fingerprint,
                    AlertRow.starts_at,
                    AlertRow.status,
                    AlertRow.ends_at,
                ).where(
                    AlertRow.source == source,  # type: ignore[arg-type]
                    AlertRow.fingerprint.in_({a.fingerprint for a in alerts}),  # type: ignore[attr-defined]
                )
            )
        ).all()
        known = {(r.fingerprint, r.starts_at): r for r in known_rows}
        fresh = [a for a in alerts if (a.fingerprint, a.starts_at) not in known]
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
                for a in {(a.fingerprint, a.starts_at): a for a in fresh}.values()
            ]
            statement = _insert(self._session, AlertRow).values(rows)
            statement = statement.on_conflict_do_nothing(
                index_elements=["source", "fingerprint", "starts_at"]
            )
            new = max(int((await self._session.execute(statement)).rowcount or 0), 0)  # type: ignore[attr-defined]
        for alert in alerts:
            row = known.get((alert.fingerprint, alert.starts_at))
            if row is not None and (row.status, row.ends_at) != (alert.status, alert.ends_at):
                await self._session.execute(
                    update(AlertRow)
                    .where(AlertRow.id == row.id)  # type: ignore[arg-type]
                    .values(status=alert.status, ends_at=alert.ends_at, last_seen_at=now)
                    .execution_options(synchronize_session=False)
                )
        return new

    async def add_event(
        self, incident_id: int, at: datetime, kind: str, actor: str | None, detail: dict[str, Any]
    ) -> int:
        row = IncidentEventRow(
            incident_id=incident_id, at=at, kind=kind, actor=actor, detail=detail
        )
        self._session.add(row)
        await self._session.flush()
        assert row.id is not None
        return row.id

    async def events(
        self, incident_id: int
    ) -> list[tuple[datetime, str, str | None, dict[str, Any]]]:
        query = (
            select(IncidentEventRow)
            .where(IncidentEventRow.incident_id == incident_id)
            .order_by(IncidentEventRow.id)
        )  # type: ignore[arg-type]
        return [
            (r.at, r.kind, r.actor, r.detail)
            for r in (await self._session.execute(query)).scalars()
        ]

    async def schedule_step(
        self, incident_id: int, kind: str, due_at: datetime, tier: int, cycle: int, now: datetime
    ) -> None:
        await self._session.execute(
            update(PendingStepRow)
            .where(
                PendingStepRow.incident_id == incident_id,  # type: ignore[arg-type]
                PendingStepRow.kind == kind,  # type: ignore[arg-type]
                PendingStepRow.done_at.is_(None),  # type: ignore[union-attr]
            )
            .values(done_at=now, outcome="replaced")
            .execution_options(synchronize_session=False)
        )
        self._session.add(
            PendingStepRow(
                incident_id=incident_id,
                kind=kind,
                due_at=due_at,
                tier=tier,
                cycle=cycle,
                created_at=now,
            )
        )
        await self._session.flush()

    async def cancel_steps(self, incident_id: int, now: datetime) -> None:
        await self._session.execute(
            update(PendingStepRow)
            .where(PendingStepRow.incident_id == incident_id, PendingStepRow.done_at.is_(None))  # type: ignore[arg-type, union-attr]
            .values(done_at=now, outcome="cancelled")
            .execution_options(synchronize_session=False)
        )

    async def claim_due(self, now: datetime, limit: int, worker: str) -> list[PendingStep]:
        due = (
            select(PendingStepRow)
            .where(PendingStepRow.done_at.is_(None), PendingStepRow.due_at <= now)  # type: ignore[union-attr, arg-type, operator]
            .order_by(PendingStepRow.due_at, PendingStepRow.id)  # type: ignore[arg-type]
            .limit(limit)
        )
        postgres = self._session.bind.dialect.name == "postgresql"
        if postgres:
            due = due.with_for_update(skip_locked=True)
        rows = list((await self._session.execute(due)).scalars())
        claimed: list[PendingStep] = []
        for row in rows:
            result = await self._session.execute(
                update(PendingStepRow)
                .where(PendingStepRow.id == row.id, PendingStepRow.done_at.is_(None))  # type: ignore[arg-type, union-attr]
                .values(done_at=now, done_by=worker, outcome="fired")
                .execution_options(synchronize_session=False)
            )
            if result.rowcount == 1:  # type: ignore[attr-defined]
                assert row.id is not None
                claimed.append(
                    PendingStep(row.id, row.incident_id, row.kind, row.due_at, row.tier, row.cycle)
                )
        return claimed

    async def listing(self, include_resolved: bool, limit: int) -> list[IncidentRecord]:
        query = (
            select(IncidentRow)
            .order_by(IncidentRow.opened_at.desc(), IncidentRow.id.desc())
            .limit(limit)
        )  # type: ignore[attr-defined, union-attr]
        if not include_resolved:
            query = query.where(IncidentRow.status != "resolved")  # type: ignore[arg-type]
        rows = list((await self._session.execute(query)).scalars())
        counts: dict[int, int] = {}
        if rows:
            grouped = (
                select(AlertRow.incident_id, func.count())
                .where(AlertRow.incident_id.in_([r.id for r in rows]))  # type: ignore[attr-defined]
                .group_by(AlertRow.incident_id)
            )
            counts = {i: int(n) for i, n in (await self._session.execute(grouped)).all()}
        return [_record(r, counts.get(r.id or 0, 0)) for r in rows]


class SqlOutbox:
    """Implements :class:`core.incidents.ports.OutboxRepository`."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, message: OutboxMessage) -> bool:
        statement = _insert(self._session, OutboxRow).values(
            key=message.key,
            destination=message.destination,
            kind=message.kind,
            incident_id=message.incident_id,
            payload=message.payload,
            status="pending",
            attempts=0,
            created_at=message.created_at,
            next_attempt_at=message.created_at,
        )
        result = await self._session.execute(
            statement.on_conflict_do_nothing(index_elements=["key"])
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    async def claim(self, now: datetime, limit: int, lease: timedelta) -> list[ClaimedMessage]:
        ready = (
            select(OutboxRow)
            .where(
                OutboxRow.status == "pending",  # type: ignore[arg-type]
                OutboxRow.next_attempt_at <= now,  # type: ignore[arg-type, operator]
                or_(OutboxRow.lease_until.is_(None), OutboxRow.lease_until <= now),  # type: ignore[union-attr, operator]
            )
            .order_by(OutboxRow.id)  # type: ignore[arg-type]
            .limit(limit)
        )
        if self._session.bind.dialect.name == "postgresql":
            ready = ready.with_for_update(skip_locked=True)
        out = []
        for row in list((await self._session.execute(ready)).scalars()):
            attempts = row.attempts  # read before the update below refreshes the object
            result = await self._session.execute(
                update(OutboxRow)
                .where(
                    and_(
                        OutboxRow.id == row.id,  # type: ignore[arg-type]
                        OutboxRow.status == "pending",  # type: ignore[arg-type]
                        or_(OutboxRow.lease_until.is_(None), OutboxRow.lease_until <= now),  # type: ignore[union-attr, operator]
                    )
                )
                .values(lease_until=now + lease, attempts=OutboxRow.attempts + 1)
                .execution_options(synchronize_session=False)
            )
            if result.rowcount == 1:  # type: ignore[attr-defined]
                assert row.id is not None
                out.append(
                    ClaimedMessage(
                        row.id,
                        row.key,
                        row.destination,
                        row.kind,
                        row.payload,
                        attempts + 1,
                        row.incident_id,
                    )
                )
        return out

    async def sent(self, message_id: int, now: datetime) -> None:
        await self._session.execute(
            update(OutboxRow)
            .where(OutboxRow.id == message_id)
            .values(status="sent", sent_at=now, lease_until=None)
            .execution_options(synchronize_session=False)  # type: ignore[arg-type]
        )

    async def retry(self, message_id: int, at: datetime, error: str) -> None:
        await self._session.execute(
            update(OutboxRow)
            .where(OutboxRow.id == message_id)  # type: ignore[arg-type]
            .values(next_attempt_at=at, last_error=error[:1000], lease_until=None)
            .execution_options(synchronize_session=False)
        )

    async def defer(self, message_id: int, at: datetime) -> None:
        await self._session.execute(
            update(OutboxRow)
            .where(OutboxRow.id == message_id)  # type: ignore[arg-type]
            .values(next_attempt_at=at, lease_until=None, attempts=OutboxRow.attempts - 1)
            .execution_options(synchronize_session=False)
        )

    async def failed(self, message_id: int, now: datetime, error: str) -> None:
        await self._session.execute(
            update(OutboxRow)
            .where(OutboxRow.id == message_id)  # type: ignore[arg-type]
            .values(status="failed", last_error=error[:1000], lease_until=None, sent_at=None)
            .execution_options(synchronize_session=False)
        )
