"""In-memory configuration revisions, audit log and schedule state (overrides, time off,
swaps, checkpoints), on a fake :class:`~tests.fake_store.Store`."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from datetime import datetime

from core.config.model import Configuration
from core.ports import (
    AuditEntry,
    Revision,
    StoredCheckpoint,
    StoredOverride,
    StoredTimeOff,
    SwapRequest,
)
from tests.fake_store import Store


class FakeConfigRepository:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def load(self) -> Configuration | None:
        return self._store.revisions[-1].config if self._store.revisions else None

    async def save(self, config: Configuration, *, at: datetime, actor: str, source: str) -> int:
        revision = Revision(id=self._store.new_id(), applied_at=at, config=config)
        self._store.revisions.append(revision)
        return revision.id


class FakeAuditLog:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def append(self, entry: AuditEntry) -> None:
        self._store.audit.append(entry)

    async def between(
        self, start: datetime, end: datetime, actions: Collection[str] | None = None
    ) -> list[AuditEntry]:
        """Like SqlAuditLog.between: in time order, then in the order written."""
        chosen = [
            (e.at, n, e)
            for n, e in enumerate(self._store.audit)
            if start <= e.at < end and (actions is None or e.action in actions)
        ]
        return [e for _, _, e in sorted(chosen, key=lambda t: (t[0], t[1]))]


class FakeScheduleState:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def overrides(
        self, start: datetime, end: datetime, schedule_ids: Collection[str] | None = None
    ) -> list[StoredOverride]:
        return [
            o
            for o in self._store.overrides
            if o.start < end
            and o.end > start
            and (schedule_ids is None or o.schedule_id in schedule_ids)
        ]

    async def add_override(self, *, source: str = "override", **fields: object) -> int:
        new_id = self._store.new_id()
        self._store.overrides.append(StoredOverride(id=new_id, source=source, **fields))  # type: ignore[arg-type]
        return new_id

    async def time_off(
        self, start: datetime, end: datetime, person_ids: Collection[str] | None = None
    ) -> list[StoredTimeOff]:
        return [
            t
            for t in self._store.time_off
            if t.start < end and t.end > start and (person_ids is None or t.person_id in person_ids)
        ]

    async def add_time_off(self, **fields: object) -> int:
        new_id = self._store.new_id()
        self._store.time_off.append(StoredTimeOff(id=new_id, **fields))  # type: ignore[arg-type]
        return new_id

    async def add_swap(self, swap: SwapRequest) -> int:
        new_id = self._store.new_id()
        self._store.swaps[new_id] = replace(swap, id=new_id)
        return new_id

    async def swap(self, swap_id: int) -> SwapRequest | None:
        return self._store.swaps.get(swap_id)

    async def set_swap_status(self, swap_id: int, status: str, decided_at: datetime) -> None:
        self._store.swaps[swap_id] = replace(
            self._store.swaps[swap_id], status=status, decided_at=decided_at
        )

    async def revisions(self, start: datetime, end: datetime) -> list[Revision]:
        revisions = self._store.revisions
        if not revisions:
            return []
        first = max((i for i, r in enumerate(revisions) if r.applied_at <= start), default=0)
        return [
            r for i, r in enumerate(revisions) if i == first or (i > first and r.applied_at < end)
        ]

    async def checkpoints(self, revision_ids: Collection[int]) -> list[StoredCheckpoint]:
        return [c for c in self._store.checkpoints.values() if c.revision_id in revision_ids]

    async def save_checkpoint(self, checkpoint: StoredCheckpoint) -> None:
        key = (checkpoint.revision_id, checkpoint.schedule_id, checkpoint.layer_id)
        self._store.checkpoints[key] = checkpoint

    async def drop_checkpoints_after(self, moment: datetime) -> int:
        doomed = [k for k, c in self._store.checkpoints.items() if c.turn_start > moment]
        for key in doomed:
            del self._store.checkpoints[key]
        return len(doomed)
