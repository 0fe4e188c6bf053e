"""The scheduling loop: an APScheduler ``AsyncIOScheduler`` used only as a clock.

Every second the tick calls each registered job with ``now``; the jobs claim due work from the
database (escalations, hand-overs, gap checks, outbox messages). Nothing that matters lives in
the scheduler's memory, so a restart loses nothing. Misfired ticks are never dropped: a tick
that could not run on time runs as soon as it can, and late ticks coalesce into one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from core.ports import Clock

log = logging.getLogger(__name__)
TickJob = Callable[[datetime], Awaitable[None]]


@dataclass
class _Job:
    name: str
    run: TickJob


class SchedulerLoop:
    """Runs registered jobs on every tick; a failing job is logged and never stops the others."""

    def __init__(self, clock: Clock, *, tick: timedelta = timedelta(seconds=1)) -> None:
        self._clock = clock
        self._tick = tick
        self._jobs: list[_Job] = []
        self._scheduler: AsyncIOScheduler | None = None
        self.last_tick: datetime | None = None
        self.ticks = 0
        self._busy = asyncio.Lock()
        self._stopping = False

    def add(self, name: str, job: TickJob) -> None:
        """Run ``job(now)`` on every tick, after the jobs added before it."""
        self._jobs.append(_Job(name, job))

    def start(self) -> None:
        """Start ticking on the running event loop."""
        scheduler = AsyncIOScheduler(timezone=UTC)
        scheduler.add_job(
            self.tick_once,
            "interval",
            seconds=self._tick.total_seconds(),
            id="tick",
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,
            next_run_time=self._clock.now(),
        )
        scheduler.start()
        self._scheduler = scheduler

    async def tick_once(self) -> None:
        """One tick: every job in order, each isolated from the others' failures."""
        if self._stopping:
            return
        async with self._busy:
            if self._stopping:
                return
            now = self._clock.now()
            for job in self._jobs:
                try:
                    await job.run(now)
                except Exception:
                    log.exception("scheduled job %s failed; it runs again next tick", job.name)
            self.last_tick = now
            self.ticks += 1

    @property
    def running(self) -> bool:
        """True while the scheduler is started."""
        return self._scheduler is not None and self._scheduler.running

    def healthy(self, now: datetime) -> bool:
        """Running, and the last tick finished within ten ticks of ``now``."""
        if not self.running or self.last_tick is None:
            return False
        return now - self.last_tick <= self._tick * 10

    async def stop(self) -> None:
        """Stop ticking. A tick under way finishes first, so its work is committed or rolled
        back whole; only then is the scheduler shut down (which would cancel a running tick)."""
        self._stopping = True
        async with self._busy:
            if self._scheduler is not None and self._scheduler.running:
                self._scheduler.shutdown(wait=False)
            self._scheduler = None
