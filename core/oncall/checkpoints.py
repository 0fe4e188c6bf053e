"""Keeping the fair queue's checkpoints current, so views never replay years of turns.

The scheduling loop calls :func:`advance_checkpoints` now and then. For every layer of the
configuration in force, it stores the queue just before the turn under way, resuming from the
stored checkpoint (or the layer's start). Results never depend on checkpoints: a view without
one replays from the start and gets the same answer, only slower.
"""

from __future__ import annotations

from datetime import datetime

from core.oncall.views import ScheduleState, load_state
from core.ports import StoredCheckpoint, UnitOfWork
from core.schedule.fairqueue import queue_at
from core.schedule.model import QueueCheckpoint
from core.schedule.turns import turn_index_at, turn_start


async def advance_checkpoints(
    uow: UnitOfWork, now: datetime, *, read: UnitOfWork | None = None
) -> int:
    """Store each layer's queue before its current turn; returns how many were written.

    Layers before their start, and layers whose stored checkpoint is current, are skipped, so
    calling this often costs a read and nothing more.

    With ``read`` (a unit that only reads), the queues are computed there, outside ``uow``'s
    transaction, so a long replay (the first run after a configuration change walks every
    turn since the layer's start) never holds SQLite's one write lock; ``uow`` then writes
    them only if what they were computed from (revisions, time off, stored checkpoints) is
    still what the database holds, and otherwise writes nothing: the next run computes again.
    """
    if read is None:
        async with uow:
            state = await load_state(uow, now, now)
            pending = _pending(state, now)
            for checkpoint in pending:
                await uow.schedules.save_checkpoint(checkpoint)
            await uow.commit()
        return len(pending)
    async with read:
        state = await load_state(read, now, now)
        pending = _pending(state, now)
    if not pending:
        return 0
    async with uow:
        if _inputs(await load_state(uow, now, now)) != _inputs(state):
            return 0
        for checkpoint in pending:
            await uow.schedules.save_checkpoint(checkpoint)
        await uow.commit()
    return len(pending)


def _inputs(state: ScheduleState) -> tuple[object, ...]:
    """What checkpoints are computed from."""
    return (
        tuple(r.id for r in state.revisions),
        state.time_off,
        tuple(sorted(state.checkpoints, key=lambda c: (c.revision_id, c.schedule_id, c.layer_id))),
    )


def _pending(state: ScheduleState, now: datetime) -> list[StoredCheckpoint]:
    """The checkpoints to store: one per layer whose stored one is not of the turn at ``now``."""
    revision = state.in_force(now)
    if revision is None:
        return []
    out = []
    for schedule in revision.config.schedules:
        spec, roster = state.inputs(revision, schedule.id)
        stored = state.engine_checkpoints(revision, schedule.id)
        for layer in spec.layers:
            index = turn_index_at(layer, now)
            previous = stored.get(layer.id)
            if index is None or (previous is not None and previous.turn_index == index):
                continue
            resume = previous if previous is not None and previous.turn_index < index else None
            checkpoint: QueueCheckpoint = queue_at(layer, roster, index, resume)
            out.append(
                StoredCheckpoint(
                    revision_id=revision.id,
                    schedule_id=schedule.id,
                    layer_id=layer.id,
                    turn_index=checkpoint.turn_index,
                    turn_start=turn_start(layer, checkpoint.turn_index),
                    queue=tuple(checkpoint.order),
                    computed_at=now,
                )
            )
    return out
