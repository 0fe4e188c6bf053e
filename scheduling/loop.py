"""The scheduling loop: an APScheduler ``AsyncIOScheduler`` used only as a clock.

Every second each lane's jobs are called, in order, with ``now``; the jobs claim due work from
the database (escalations, hand-overs, gap checks, outbox messages). Lanes run side by side,
so slow deliveries in the outbox lane never hold up escalations in the main lane. Nothing
that matters lives in the scheduler's memory, so a restart loses nothing.

A tick that cannot start because the lane's previous tick is still running is skipped: the
work is in the database, and the running tick or the next one claims all of it (late ticks
coalesce). So nothing due is ever dropped, only picked up by the next tick.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from core.ports import Clock
from scheduling.failures import RepeatedFailures

log = logging.getLogger(__name__)
TickJob = Callable[[datetime], Awaitable[None]]
MAIN = "main"


@dataclass
class _Lane:
    name: str
    jobs: list[tuple[str, TickJob]] = field(default_factory=list)
    busy: asyncio.Lock = field(default_factory=asyncio.Lock)
    last_tick: datetime | None = None
    ticks: int = 0
    again: bool = False  # kicked while a tick ran: tick once more when it ends


class SchedulerLoop:
    """Runs registered jobs on every tick; a failing job is logged and never stops the others."""

    def __init__(self, clock: Clock, *, tick: timedelta = timedelta(seconds=1)) -> None:
        self._clock = clock
        self._tick = tick
        self._lanes: dict[str, _Lane] = {MAIN: _Lane(MAIN)}
        self._scheduler: AsyncIOScheduler | None = None
        self._stopping = False
        self._kicked: set[asyncio.Task[None]] = set()
        self._failures = RepeatedFailures(log)

    def add(self, name: str, job: TickJob, *, lane: str = MAIN) -> None:
        """Run ``job(now)`` on every tick of ``lane``, after the jobs added to it before."""
        self._lanes.setdefault(lane, _Lane(lane)).jobs.append((name, job))

    def start(self) -> None:
        """Start ticking on the running event loop."""
        scheduler = AsyncIOScheduler(timezone=UTC)
        for lane in self._lanes:
            scheduler.add_job(
                self.tick_once,
                "interval",
                args=(lane,),
                seconds=self._tick.total_seconds(),
                id=f"tick-{lane}",
                coalesce=True,
                max_instances=1,
                misfire_grace_time=None,
                next_run_time=self._clock.now(),
            )
        scheduler.start()
        self._scheduler = scheduler

    async def tick_once(self, lane: str = MAIN) -> None:
        """One tick of ``lane``: its jobs in order, each isolated from the others' failures."""
        current = self._lanes[lane]
        if self._stopping:
            return
        async with current.busy:
            while not self._stopping:
                current.again = False
                for name, job in current.jobs:
                    try:
                        await job(self._clock.now())
                    except Exception:
                        self._failures.failed(
                            name, f"scheduled job {name} failed; it runs again next tick"
                        )
                    else:
                        self._failures.succeeded(name)
                current.last_tick = self._clock.now()
                current.ticks += 1
                if not current.again:
                    break

    def kick(self, lane: str) -> None:
        """Tick ``lane`` now rather than at its next second (new work was just written: the
        messages of a new incident, say). A lane in the middle of a tick ticks once more when
        it ends, so work written after its jobs looked is not left for the next second."""
        current = self._lanes.get(lane)
        if current is None or self._stopping or not self.running:
            return
        if current.busy.locked():
            current.again = True
            return
        self._kicked.add(asyncio.create_task(self.tick_once(lane)))
        for task in [t for t in self._kicked if t.done()]:
            self._kicked.discard(task)

    @property
    def last_tick(self) -> datetime | None:
        """When the main lane last finished a tick."""
        return self._lanes[MAIN].last_tick

    @property
    def ticks(self) -> int:
        """How many ticks the main lane finished."""
        return self._lanes[MAIN].ticks

    @property
    def running(self) -> bool:
        """True while the scheduler is started."""
        return self._scheduler is not None and self._scheduler.running

    def healthy(self, now: datetime) -> bool:
        """Running, and every lane finished a tick within ten ticks of ``now``."""
        if not self.running:
            return False
        limit = self._tick * 10
        return all(
            lane.last_tick is not None and now - lane.last_tick <= limit
            for lane in self._lanes.values()
        )

    async def stop(self) -> None:
        """Stop ticking. Ticks under way finish first, so their work is committed or rolled
        back whole; only then is the scheduler shut down (which would cancel a running tick)."""
        self._stopping = True
        for lane in self._lanes.values():
            await lane.busy.acquire()
        try:
            if self._scheduler is not None and self._scheduler.running:
                self._scheduler.shutdown(wait=False)
            self._scheduler = None
        finally:
            for lane in self._lanes.values():
                lane.busy.release()
        await asyncio.gather(*self._kicked, return_exceptions=True)  # each returns at once
        self._kicked.clear()
