"""Posts into one Slack channel spaced by at least Slack's one a second, as Slack sees them.

The outbox sender spreads messages of a channel over one-second slots, but a slot is when a
message may start, not when its post reaches Slack: database work before the post varies, so
two posts could land closer than a second and the second be refused with 429. The pacer
holds a post to a channel until the spacing has passed since the previous post to it was
answered (so however the network or the load delays requests, Slack receives them at least
the spacing apart); posts to one channel go one at a time.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class Pacer:
    def __init__(self, spacing_seconds: float) -> None:
        self._spacing = max(spacing_seconds, 0.0)
        self._answered: dict[str, float] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    @asynccontextmanager
    async def post(self, channel: str) -> AsyncIterator[None]:
        """Around one post to ``channel``: waits out the spacing first."""
        lock = self._locks.setdefault(channel, asyncio.Lock())
        async with lock:
            wait = self._answered.get(channel, -1e9) + self._spacing - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                yield
            finally:
                self._answered[channel] = time.monotonic()
        if len(self._answered) > 10_000:  # forget channels long quiet
            cutoff = time.monotonic() - 60
            self._answered = {c: t for c, t in self._answered.items() if t > cutoff}
            self._locks = {c: lk for c, lk in self._locks.items() if c in self._answered}
