"""Jobs the scheduling loop runs. Each is a core use case over a fresh unit of work."""

from __future__ import annotations

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


def escalation_job(new_unit: Callable[[], UnitOfWork], worker: str, clock: Clock) -> TickJob:
    """Fire every due escalation and snooze end, in batches until none is due.

    Each batch reads the clock afresh, so what is recorded (when a step fired, when its page
    was written) is the true time, and steps falling due during a long tick are taken too.
    """

    async def run(now: datetime) -> None:
        while await fire_due(new_unit(), now, worker=worker) > 0:
            now = clock.now()

    return run


def unit_job(
    use_case: Callable[[UnitOfWork, datetime], Awaitable[object]],
    new_unit: Callable[[], UnitOfWork],
) -> TickJob:
    """Run a core use case ``use_case(unit, now)`` on a fresh unit of work each tick.

    Used for the queue checkpoints, hand-over announcements and coverage-gap warnings, each
    idempotent, so a tick run twice (after a restart, or on two instances) changes nothing.
    """

    async def run(now: datetime) -> None:
        await use_case(new_unit(), now)

    return run
