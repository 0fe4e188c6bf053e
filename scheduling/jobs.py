"""Jobs the scheduling loop runs. Each is a core use case over a fresh unit of work."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from core.incidents.service import fire_due
from core.ports import Clock, UnitOfWork
from scheduling.loop import TickJob


def every(period: timedelta, job: TickJob) -> TickJob:
    """Run ``job`` at most once per ``period`` (at the first tick, then when it has passed).

    The last run is kept in memory: after a restart the job runs at once, which the jobs
    allow (each is idempotent).
    """
    last: list[datetime] = []

    async def throttled(now: datetime) -> None:
        if last and now - last[0] < period:
            return
        await job(now)
        last[:] = [now]

    return throttled


def escalation_job(
    new_unit: Callable[[], UnitOfWork],
    worker: str,
    clock: Clock,
    *,
    batch: int = 10,
    pause: float = 0.0,
    fired: Callable[[], None] | None = None,
) -> TickJob:
    """Fire every due escalation and snooze end, ``batch`` per transaction, until none is due.

    Each batch reads the clock afresh, so what is recorded (when a step fired, when its page
    was written) is the true time, and steps falling due during a long tick are taken too.
    Between batches the job sleeps ``pause`` seconds: on SQLite, where one process writes at
    a time, that is when the others (the alert endpoint storing deliveries) get their turn.
    ``fired`` is called after a batch fired something (its pages wait in the outbox).
    """

    async def run(now: datetime) -> None:
        while True:
            count = await fire_due(new_unit(), now, worker=worker, limit=batch)
            if count and fired is not None:
                fired()
            if count < batch:
                return
            await asyncio.sleep(pause)
            now = clock.now()

    return run


def read_then_write_job(
    use_case: Callable[..., Awaitable[object]],
    new_unit: Callable[[], UnitOfWork],
    read_unit: Callable[[], UnitOfWork],
) -> TickJob:
    """Run ``use_case(unit, now, read=reader)``: it computes in a unit that only reads and
    writes the outcome in a short write unit (the checkpoints and the gap warnings, whose
    computation must not hold SQLite's one write lock)."""

    async def run(now: datetime) -> None:
        await use_case(new_unit(), now, read=read_unit())

    return run
