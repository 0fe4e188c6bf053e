"""The inbox processor: works off stored alert deliveries as soon as they arrive.

A delivery wakes it (``kick``); it also looks every second, so deliveries stored by another
instance, or left by a crash, are processed too. One instance at a time works the inbox (the
order of one group's deliveries matters: a resolve must not overtake its firing).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from core.incidents.service import drain_inbox
from core.ports import Clock, UnitOfWork
from scheduling.failures import RepeatedFailures

log = logging.getLogger(__name__)


class InboxProcessor:
    """A background task that drains the inbox whenever kicked, and at least every second."""

    def __init__(
        self,
        new_unit: Callable[[], UnitOfWork],
        exclusive: Callable[[], AbstractAsyncContextManager[bool]],
        clock: Clock,
        *,
        interval: float = 1.0,
        pause: float = 0.0,
        lanes: int = 1,
        processed: Callable[[], None] | None = None,
    ) -> None:
        """``pause``: seconds to sleep between two deliveries, so that on SQLite, where one
        process writes at a time, the others (the alert endpoint) get their turn. ``lanes``:
        groups worked at once (one on SQLite; on PostgreSQL a storm of many groups is turned
        into incidents several at a time, each group's deliveries still in order).
        ``processed`` is called after each drain that processed deliveries (their pages
        wait in the outbox; one drain takes up to 100 deliveries)."""
        self._new_unit = new_unit
        self._exclusive = exclusive
        self._clock = clock
        self._interval = interval
        self._pause = pause
        self._lanes = lanes
        self._processed = processed
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self.processed = 0
        self._failures = RepeatedFailures(log)

    def kick(self) -> None:
        """Something was stored: drain soon."""
        self._wake.set()

    def start(self) -> None:
        """Start the background task on the running loop."""
        self._task = asyncio.create_task(self._run(), name="alert inbox")

    async def stop(self) -> None:
        """Finish the delivery under way, then stop."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            await self._task
            self._task = None

    async def drain(self) -> int:
        """Process everything pending (if this instance holds the inbox); returns how many."""
        total = 0
        async with self._exclusive() as held:
            if not held:
                return 0
            while not self._stopping:
                done = await drain_inbox(
                    self._new_unit, self._clock, between=self._between, lanes=self._lanes
                )
                total += done
                if done and self._processed is not None:
                    self._processed()
                if done == 0:
                    break
        self.processed += total
        return total

    async def _between(self) -> None:
        await asyncio.sleep(self._pause)

    async def _run(self) -> None:
        while not self._stopping:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._interval)
            self._wake.clear()
            if self._stopping:
                break
            try:
                await self.drain()
            except Exception:
                self._failures.failed(
                    "inbox", "the alert inbox could not be worked off; trying again shortly"
                )
            else:
                self._failures.succeeded("inbox")
