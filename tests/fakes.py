"""In-memory implementations of core's ports, for core tests without I/O.

Writes go to a staging copy and become visible to later units only on ``commit``, so a use
case that raises half-way leaves the store as it was, as a database transaction would.
"""

from __future__ import annotations

import copy
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import TracebackType

from core.config.model import Configuration
from core.incidents.ports import OutboxMessage
from core.ports import (
    AuditEntry,
    Revision,
    StoredCheckpoint,
    StoredOverride,
    StoredTimeOff,
    SwapRequest,
)


@dataclass
class Store:
    """Everything the fake database holds."""

    revisions: list[Revision] = field(default_factory=list)
    overrides: list[StoredOverride] = field(default_factory=list)
    time_off: list[StoredTimeOff] = field(default_factory=list)
    swaps: dict[int, SwapRequest] = field(default_factory=dict)
    checkpoints: dict[tuple[int, str, str], StoredCheckpoint] = field(default_factory=dict)
    outbox: dict[str, OutboxMessage] = field(default_factory=dict)
    audit: list[AuditEntry] = field(default_factory=list)
    next_id: int = 1

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id - 1


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


class FakeOutbox:
    """Only ``add`` (keys unique); delivery is tested against the real tables."""

    def __init__(self, store: Store) -> None:
        self._store = store

    async def add(self, message: OutboxMessage) -> bool:
        if message.key in self._store.outbox:
            return False
        self._store.outbox[message.key] = message
        return True

    async def add_many(self, messages: Sequence[OutboxMessage]) -> int:
        return sum([await self.add(m) for m in messages])


class FakeUnitOfWork:
    """A unit of work over a :class:`Store`; leaving it without ``commit`` discards writes."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.commits = 0

    async def __aenter__(self) -> FakeUnitOfWork:
        self._staged = copy.deepcopy(self.store)
        self.config = FakeConfigRepository(self._staged)
        self.audit = FakeAuditLog(self._staged)
        self.schedules = FakeScheduleState(self._staged)
        self.outbox = FakeOutbox(self._staged)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._staged = Store()

    async def commit(self) -> None:
        self.store.__dict__.update(copy.deepcopy(self._staged).__dict__)
        self.commits += 1


class FrozenClock:
    """A clock that says what it is told; ``advance`` moves it on."""

    def __init__(self, now: datetime) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now

    def advance(self, **delta: float) -> None:
        from datetime import timedelta

        self._now += timedelta(**delta)
