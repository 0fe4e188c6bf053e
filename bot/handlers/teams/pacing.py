"""Teams' rate limits, kept by the sender: per conversation, and for the app as a whole.

Teams allows a bot about seven messages a second in one conversation (and fewer over longer
windows), and every conversation together stays under a per-app ceiling. The outbox sender
spreads messages of one conversation over slots of its own spacing, but a slot is when a
message may start, not when Teams receives it, so the pacer holds a call to a conversation
until ``spacing`` has passed since the previous call to it was answered, one call per
conversation at a time; and every call takes a token from one bucket refilled at
``per_second`` (bursts of up to ``per_second``), so many conversations at once stay under the
app's ceiling. A thread of a channel (``<channel>;messageid=<id>``) counts as the channel.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from core.incidents.ports import ClaimedMessage

FORGET_AFTER = 60.0  # seconds: conversations quiet this long are forgotten (past 10,000)


class TokenBucket:
    """At most ``rate`` acquisitions a second on average, bursts of ``burst`` (default the
    rate, at least one). Waiters are served in the order they came. ``rate`` <= 0: no limit."""

    def __init__(
        self,
        rate: float,
        burst: float | None = None,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._rate = rate
        self._burst = max(burst if burst is not None else rate, 1.0)
        self._tokens = self._burst
        self._monotonic = monotonic
        self._sleep = sleep
        self._stamp = monotonic()
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        if self._rate <= 0:
            return
        async with self._lock:
            self._refill()
            if self._tokens < 1:  # wait for the missing part, once (no loop on float dust)
                await self._sleep((1 - self._tokens) / self._rate)
                self._refill()
            self._tokens = max(self._tokens - 1, 0.0)

    def _refill(self) -> None:
        now = self._monotonic()
        self._tokens = min(self._burst, self._tokens + (now - self._stamp) * self._rate)
        self._stamp = now


def conversation_key(conversation_id: str) -> str:
    """The conversation a call counts against: a channel thread's id cut at ``;``."""
    return conversation_id.split(";", 1)[0]


class Pacer:
    """Around each connector call: the conversation's spacing, then a token of the app's."""

    def __init__(
        self,
        spacing_seconds: float,
        per_second: float,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._spacing = max(spacing_seconds, 0.0)
        self._monotonic = monotonic
        self._sleep = sleep
        self._bucket = TokenBucket(per_second, monotonic=monotonic, sleep=sleep)
        self._answered: dict[str, float] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    @asynccontextmanager
    async def call(self, conversation_id: str) -> AsyncIterator[None]:
        """Hold one call to ``conversation_id`` until both limits allow it."""
        key = conversation_key(conversation_id)
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            wait = self._answered.get(key, -1e18) + self._spacing - self._monotonic()
            if wait > 0:
                await self._sleep(wait)
            await self._bucket.acquire()
            try:
                yield
            finally:
                self._answered[key] = self._monotonic()
        if len(self._answered) > 10_000:
            cutoff = self._monotonic() - FORGET_AFTER
            self._answered = {k: t for k, t in self._answered.items() if t > cutoff}
            self._locks = {k: lk for k, lk in self._locks.items() if k in self._answered}


def rate_key_of(message: ClaimedMessage, spacing: timedelta) -> tuple[str, timedelta] | None:
    """The outbox rate key of a Teams message and its spacing: a page, gap warning, swap
    request or a swap answer to one person by that person (their personal chat, or where they
    are mentioned instead); a hand-over by its team channel (else the incoming person); a
    channel card or swap note by ``teams_channel``; None for the rest (updates of cards in
    personal chats, kinds Teams does not show)."""
    payload = message.payload

    def person(value: Any) -> tuple[str, timedelta] | None:
        found = value.get("id") if isinstance(value, dict) else value
        return (f"teams:person:{found}", spacing) if found else None

    if message.kind == "page":
        return person(payload.get("person"))
    if message.kind == "handover":
        channel = payload.get("teams_channel")
        if channel:
            return f"teams:conversation:{channel}", spacing
        return person(payload.get("incoming"))
    if message.kind == "coverage_gap":
        return person(payload.get("manager"))
    if message.kind == "swap.requested":
        return person(payload.get("counterpart"))
    if message.kind == "swap.decided":
        audience = payload.get("audience")
        if audience in ("counterpart", "requester"):
            return person(payload.get(audience))
    channel = payload.get("teams_channel")
    if channel and (payload.get("channel") or message.kind == "swap.decided"):
        return f"teams:conversation:{channel}", spacing
    return None
