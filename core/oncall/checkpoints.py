"""Keeping the fair queue's checkpoints current, so views never replay years of turns.

The scheduling loop calls :func:`advance_checkpoints` now and then. For every layer of the
configuration in force, it stores the queue just before the turn under way, resuming from the
stored checkpoint (or the layer's start). Results never depend on checkpoints: a view without
one replays from the start and gets the same answer, only slower.
"""

from __future__ import annotations

from datetime import datetime

from core.oncall.views import load_state
from core.ports import StoredCheckpoint, UnitOfWork
from core.schedule.fairqueue import queue_at
from core.schedule.model import QueueCheckpoint
from core.schedule.turns import turn_index_at, turn_start


async def advance_checkpoints(uow: UnitOfWork, now: datetime) -> int:
    """Store each layer's queue before its current turn; returns how many were written.

    Layers before their start, and layers whose stored checkpoint is current, are skipped, so
    calling this often costs a read and nothing more.
    """
    written = 0
    async with uow:
        state = await load_state(uow, now, now)
        revision = state.in_force(now)
        if revision is None:
            return 0
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
                await uow.schedules.save_checkpoint(
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
                written += 1
        await uow.commit()
    return written
