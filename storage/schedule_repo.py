"""Overrides, time off, swaps and configuration history over SQL."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.config.model import Configuration
from core.ports import (
    Revision,
    StoredCheckpoint,
    StoredOverride,
    StoredTimeOff,
    SwapRequest,
)
from storage.config_repo import CONFIG_CACHE, remember
from storage.tables import (
    ConfigRevisionRow,
    OverrideRow,
    QueueCheckpointRow,
    SwapRow,
    TimeOffRow,
)

# The reads of every page (who is on call now), built once; see storage.statements.
_O: Table = OverrideRow.__table__  # type: ignore[attr-defined]
_T: Table = TimeOffRow.__table__  # type: ignore[attr-defined]
_R: Table = ConfigRevisionRow.__table__  # type: ignore[attr-defined]
_C: Table = QueueCheckpointRow.__table__  # type: ignore[attr-defined]


def _overlapping(table: Table) -> Any:
    """Rows of ``table`` (not cancelled) overlapping ``[:start, :end)``, oldest first."""
    return (
        select(table)
        .where(
            table.c.starts_at < bindparam("end"),
            table.c.ends_at > bindparam("start"),
            table.c.cancelled_at.is_(None),
        )
        .order_by(table.c.id)
    )


_OVERRIDES = _overlapping(_O)
_OVERRIDES_OF = _OVERRIDES.where(_O.c.schedule_id.in_(bindparam("schedule_ids", expanding=True)))
_TIME_OFF = _overlapping(_T)
_TIME_OFF_OF = _TIME_OFF.where(_T.c.person_id.in_(bindparam("person_ids", expanding=True)))
# The revision in force at the start (the first one ever also stands for the past), and every
# one applied after it before the end.
_FIRST_IN_FORCE = func.coalesce(
    select(func.max(_R.c.id)).where(_R.c.applied_at <= bindparam("start")).scalar_subquery(),
    select(func.min(_R.c.id)).scalar_subquery(),
)
_REVISIONS = (
    select(_R.c.id, _R.c.applied_at, _R.c.digest)
    .where(
        _R.c.id >= _FIRST_IN_FORCE,
        or_(_R.c.id == _FIRST_IN_FORCE, _R.c.applied_at < bindparam("end")),
    )
    .order_by(_R.c.id)
)
_REVISION_DOCUMENT = select(_R.c.document).where(_R.c.id == bindparam("revision"))
_CHECKPOINTS = select(_C).where(_C.c.revision_id.in_(bindparam("revisions", expanding=True)))


class SqlScheduleStateRepository:
    """Implements :class:`core.ports.ScheduleStateRepository` on one session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def overrides(
        self, start: datetime, end: datetime, schedule_ids: Collection[str] | None = None
    ) -> list[StoredOverride]:
        """Overrides (not cancelled) overlapping ``[start, end)``, in creation order."""
        params: dict[str, Any] = {"start": start, "end": end}
        query = _OVERRIDES
        if schedule_ids is not None:
            query, params["schedule_ids"] = _OVERRIDES_OF, list(schedule_ids)
        rows = await self._session.execute(query, params)
        return [
            StoredOverride(
                id=r.id or 0,
                schedule_id=r.schedule_id,
                person_id=r.person_id,
                start=r.starts_at,
                end=r.ends_at,
                source=r.source,
                created_at=r.created_at,
                created_by=r.created_by,
                reason=r.reason,
                swap_id=r.swap_id,
            )
            for r in rows
        ]

    async def add_override(
        self,
        *,
        schedule_id: str,
        person_id: str,
        start: datetime,
        end: datetime,
        created_at: datetime,
        created_by: str,
        reason: str | None = None,
        source: str = "override",
        swap_id: int | None = None,
    ) -> int:
        """Insert an override and return its id."""
        row = OverrideRow(
            schedule_id=schedule_id,
            person_id=person_id,
            starts_at=start,
            ends_at=end,
            source=source,
            swap_id=swap_id,
            reason=reason,
            created_at=created_at,
            created_by=created_by,
        )
        self._session.add(row)
        await self._session.flush()
        assert row.id is not None
        return row.id

    async def time_off(
        self, start: datetime, end: datetime, person_ids: Collection[str] | None = None
    ) -> list[StoredTimeOff]:
        """Time off (not cancelled) overlapping ``[start, end)``."""
        params: dict[str, Any] = {"start": start, "end": end}
        query = _TIME_OFF
        if person_ids is not None:
            query, params["person_ids"] = _TIME_OFF_OF, list(person_ids)
        return [
            StoredTimeOff(
                id=r.id or 0,
                person_id=r.person_id,
                start=r.starts_at,
                end=r.ends_at,
                created_at=r.created_at,
                created_by=r.created_by,
                reason=r.reason,
            )
            for r in await self._session.execute(query, params)
        ]

    async def add_time_off(
        self,
        *,
        person_id: str,
        start: datetime,
        end: datetime,
        created_at: datetime,
        created_by: str,
        reason: str | None = None,
    ) -> int:
        """Insert time off and return its id."""
        row = TimeOffRow(
            person_id=person_id,
            starts_at=start,
            ends_at=end,
            reason=reason,
            created_at=created_at,
            created_by=created_by,
        )
        self._session.add(row)
        await self._session.flush()
        assert row.id is not None
        return row.id

    async def add_swap(self, swap: SwapRequest) -> int:
        """Insert a swap request and return its id."""
        row = SwapRow(
            schedule_id=swap.schedule_id,
            requester=swap.requester,
            counterpart=swap.counterpart,
            give_start=swap.give_start,
            give_end=swap.give_end,
            take_start=swap.take_start,
            take_end=swap.take_end,
            status=swap.status,
            created_at=swap.created_at,
            reason=swap.reason,
        )
        self._session.add(row)
        await self._session.flush()
        assert row.id is not None
        return row.id

    async def swap(self, swap_id: int) -> SwapRequest | None:
        """The swap request with ``swap_id``, or None."""
        row = await self._session.get(SwapRow, swap_id)
        if row is None:
            return None
        return SwapRequest(
            id=swap_id,
            schedule_id=row.schedule_id,
            requester=row.requester,
            counterpart=row.counterpart,
            give_start=row.give_start,
            give_end=row.give_end,
            take_start=row.take_start,
            take_end=row.take_end,
            status=row.status,
            created_at=row.created_at,
            decided_at=row.decided_at,
            reason=row.reason,
        )

    async def set_swap_status(self, swap_id: int, status: str, decided_at: datetime) -> None:
        """Record a decision on a swap request."""
        await self._session.execute(
            update(SwapRow)
            .where(SwapRow.id == swap_id)  # type: ignore[arg-type]
            .values(status=status, decided_at=decided_at)
        )

    async def revisions(self, start: datetime, end: datetime) -> list[Revision]:
        """Revisions in force during ``[start, end)``, oldest first.

        The first revision ever applied also defines the past, so it is in force before its
        own ``applied_at`` too. A revision's document is read only when its configuration is
        not in the cache already (by digest).
        """
        rows = (await self._session.execute(_REVISIONS, {"start": start, "end": end})).all()
        out = []
        for row in rows:
            config = CONFIG_CACHE.get(row.digest)
            if config is None:
                document = await self._session.scalar(_REVISION_DOCUMENT, {"revision": row.id})
                config = Configuration.model_validate(document)
                remember(row.digest, config)
            out.append(Revision(id=row.id, applied_at=row.applied_at, config=config))
        return out

    async def checkpoints(self, revision_ids: Collection[int]) -> list[StoredCheckpoint]:
        """Stored checkpoints of these revisions."""
        rows = await self._session.execute(_CHECKPOINTS, {"revisions": list(revision_ids)})
        return [
            StoredCheckpoint(
                revision_id=r.revision_id,
                schedule_id=r.schedule_id,
                layer_id=r.layer_id,
                turn_index=r.turn_index,
                turn_start=r.turn_start,
                queue=tuple(r.queue),
                computed_at=r.computed_at,
            )
            for r in rows
        ]

    async def save_checkpoint(self, checkpoint: StoredCheckpoint) -> None:
        """Insert or replace the checkpoint of its revision, schedule and layer."""
        await self._session.merge(
            QueueCheckpointRow(
                revision_id=checkpoint.revision_id,
                schedule_id=checkpoint.schedule_id,
                layer_id=checkpoint.layer_id,
                turn_index=checkpoint.turn_index,
                turn_start=checkpoint.turn_start,
                queue=list(checkpoint.queue),
                computed_at=checkpoint.computed_at,
            )
        )

    async def drop_checkpoints_after(self, moment: datetime) -> int:
        """Delete checkpoints whose turn starts after ``moment``."""
        result = await self._session.execute(
            delete(QueueCheckpointRow).where(QueueCheckpointRow.turn_start > moment)  # type: ignore[arg-type]
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
