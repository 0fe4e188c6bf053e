"""Overrides, time off, swaps and configuration history over SQL."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import delete, select, update
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


class SqlScheduleStateRepository:
    """Implements :class:`core.ports.ScheduleStateRepository` on one session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def overrides(
        self, start: datetime, end: datetime, schedule_ids: Collection[str] | None = None
    ) -> list[StoredOverride]:
        """Overrides (not cancelled) overlapping ``[start, end)``, in creation order."""
        query = select(OverrideRow).where(
            OverrideRow.starts_at < end,  # type: ignore[arg-type]
            OverrideRow.ends_at > start,  # type: ignore[arg-type]
            OverrideRow.cancelled_at.is_(None),  # type: ignore[union-attr]
        )
        if schedule_ids is not None:
            query = query.where(OverrideRow.schedule_id.in_(list(schedule_ids)))  # type: ignore[attr-defined]
        rows = (await self._session.execute(query.order_by(OverrideRow.id))).scalars()  # type: ignore[arg-type]
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
        query = select(TimeOffRow).where(
            TimeOffRow.starts_at < end,  # type: ignore[arg-type]
            TimeOffRow.ends_at > start,  # type: ignore[arg-type]
            TimeOffRow.cancelled_at.is_(None),  # type: ignore[union-attr]
        )
        if person_ids is not None:
            query = query.where(TimeOffRow.person_id.in_(list(person_ids)))  # type: ignore[attr-defined]
        rows = (await self._session.execute(query.order_by(TimeOffRow.id))).scalars()  # type: ignore[arg-type]
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
            for r in rows
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
        own ``applied_at`` too.
        """
        at_start = (
            select(ConfigRevisionRow.id)
            .where(ConfigRevisionRow.applied_at <= start)  # type: ignore[arg-type]
            .order_by(ConfigRevisionRow.id.desc())  # type: ignore[union-attr]
            .limit(1)
        )
        first_id = (await self._session.execute(at_start)).scalar()
        if first_id is None:
            earliest = select(ConfigRevisionRow.id).order_by(ConfigRevisionRow.id).limit(1)  # type: ignore[arg-type]
            first_id = (await self._session.execute(earliest)).scalar()
            if first_id is None:
                return []
        query = (
            select(ConfigRevisionRow)
            .where(
                ConfigRevisionRow.id >= first_id,  # type: ignore[operator]
                (ConfigRevisionRow.id == first_id) | (ConfigRevisionRow.applied_at < end),  # type: ignore[arg-type, operator]
            )
            .order_by(ConfigRevisionRow.id)  # type: ignore[arg-type]
        )
        out = []
        for row in (await self._session.execute(query)).scalars():
            assert row.id is not None
            config = CONFIG_CACHE.get(row.digest)
            if config is None:
                config = Configuration.model_validate(row.document)
                remember(row.digest, config)
            out.append(Revision(id=row.id, applied_at=row.applied_at, config=config))
        return out

    async def checkpoints(self, revision_ids: Collection[int]) -> list[StoredCheckpoint]:
        """Stored checkpoints of these revisions."""
        query = select(QueueCheckpointRow).where(
            QueueCheckpointRow.revision_id.in_(list(revision_ids))  # type: ignore[attr-defined]
        )
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
            for r in (await self._session.execute(query)).scalars()
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
