"""The outbox sender: delivers outbox rows at least once, through registered destinations.

Each tick claims ready rows with a lease, delivers them outside any transaction, then records
the outcome. A crash between delivery and record means the row is delivered again when its
lease runs out: at least once, never lost. The row's ``key`` travels with the message so a
destination can drop a repeat. Retries back off exponentially with jitter, honouring a
``Retry-After`` the destination reports; a destination may also be rate-limited per key (Slack
allows about one message a second per channel).
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from core.incidents.ports import ClaimedMessage
from core.ports import Clock, UnitOfWork

log = logging.getLogger("oncall.outbox")
STORM_KEEPS_CARDS = 3  # cards a storm leaves booked: the first incidents keep their own


@dataclass(frozen=True)
class Delivered:
    pass


@dataclass(frozen=True)
class Retry:
    error: str
    after: timedelta | None = None  # the destination's Retry-After, when it gave one


@dataclass(frozen=True)
class Failed:
    """Permanent: retrying cannot help (the channel does not exist, say)."""

    error: str


@dataclass(frozen=True)
class Deferred:
    """Not tried: the destination's rate limit leaves room only later (no attempt counted)."""


Outcome = Delivered | Retry | Failed | Deferred


class Destination(Protocol):
    """Somewhere messages go: Slack, Teams, a ticket tracker, the log."""

    def rate_key(self, message: ClaimedMessage) -> tuple[str, timedelta] | None:
        """A key and the least time between two messages of that key; None: no limit."""
        ...

    async def deliver(self, message: ClaimedMessage) -> Outcome: ...


@runtime_checkable
class Digesting(Protocol):
    """A destination that can show many new messages of one rate key as one digest.

    When more messages wait for a rate key than its spacing clears within
    :attr:`OutboxSender.digest_window`, the sender stops reserving a slot for each: the rest
    wait for one shared slot and are handed over together to :meth:`deliver_digest`, which
    shows them with one post (or by updating a digest posted earlier) and answers for each.
    A message it answers :class:`Deferred` waits for the key's next digest slot.
    """

    def digest_key(self, message: ClaimedMessage) -> str | None:
        """The group a message may be shown in a digest with; None: never digested."""
        ...

    async def deliver_digest(self, messages: list[ClaimedMessage]) -> dict[int, Outcome]:
        """Show ``messages`` (one digest key) using at most one post; an outcome per id."""
        ...


class LogDestination:
    """Writes what would be sent as one JSON line: the whole path runs without Slack or Teams."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.delivered: list[ClaimedMessage] = []

    def rate_key(self, message: ClaimedMessage) -> tuple[str, timedelta] | None:
        return None

    async def deliver(self, message: ClaimedMessage) -> Outcome:
        summary = {
            "to": self.name,
            "kind": message.kind,
            "key": message.key,
            "incident": message.incident_id,
        }
        log.info("would send %s", json.dumps(summary, sort_keys=True))
        self.delivered.append(message)
        return Delivered()


@dataclass
class OutboxSender:
    """Delivers ready outbox rows; one instance per process."""

    new_unit: Callable[[], UnitOfWork]
    destinations: dict[str, Destination]
    batch: int = 50
    lease: timedelta = timedelta(seconds=60)
    max_attempts: int = 12
    base_delay: timedelta = timedelta(seconds=2)
    max_delay: timedelta = timedelta(minutes=10)
    jitter: Callable[[], float] = field(default_factory=lambda: random.Random().random)
    _next_allowed: dict[str, datetime] = field(default_factory=dict)
    _reserved: dict[str, datetime] = field(default_factory=dict)  # message key -> its slot
    digest_window: timedelta = timedelta(seconds=10)
    page_digest_window: timedelta = timedelta(seconds=1)  # a page waits at most about this
    _digest_slot: dict[str, datetime] = field(default_factory=dict)  # rate key -> next flush
    _digest_members: set[str] = field(default_factory=set)  # message keys waiting for one
    storm_calm: timedelta = timedelta(seconds=30)
    _storm_until: dict[str, datetime] = field(default_factory=dict)  # rate key -> digest mode
    _digest_last: dict[str, datetime] = field(default_factory=dict)  # rate key -> last flush
    _card_slots: dict[str, list[str]] = field(default_factory=dict)  # rate key -> booked cards
    concurrency: int = 48  # lanes delivering at once (most of them wait out Slack's spacing)
    in_flight: int = 200  # claimed messages without an outcome before the next claim waits
    monotonic: Callable[[], float] = time.monotonic  # how long a claimed message waited
    clock: Clock | None = None
    _spawned: bool = False  # a batch went through a fan-out (scheduling.fanout): claim again
    _closing: bool = False  # stop_claiming() was called

    def attempts_for(self, message: ClaimedMessage) -> int:
        """How many attempts ``message`` gets: its destination's ``max_attempts`` when it has
        one (a ticket tracker may be down for a day: its tickets wait), else the sender's."""
        destination = self.destinations.get(message.destination)
        own = getattr(destination, "max_attempts", None)
        return own if isinstance(own, int) and own > 0 else self.max_attempts

    def backoff(self, attempts: int, after: timedelta | None) -> timedelta:
        """Exponential with full jitter between 50% and 100%, never shorter than ``after``."""
        growth: int = 2 ** max(attempts - 1, 0)
        delay: timedelta = min(self.base_delay * growth, self.max_delay)
        delay = delay * (0.5 + 0.5 * self.jitter())
        return max(delay, after) if after is not None else delay

    async def run_once_job(self, now: datetime) -> None:
        """The tick job: claim and deliver until a claim comes back short.

        Claiming does not wait for a whole batch to be delivered: as soon as fewer than
        :attr:`batch` claimed messages are still waiting to go out, the next batch is claimed
        and its messages join the lanes already running (a lane is one rate key: one Slack
        channel, one person's DMs), so one channel waiting out Slack's spacing never holds up
        the rows behind it. Outcomes are recorded before each claim and at the end. Deferred
        messages count as claimed: they are put back for later, so the next claim reaches the
        rows behind them. With a :attr:`clock`, each claim reads the time anew. A batch that
        went through a fan-out (``spawns``) claims once more, for the rows it wrote.
        """
        flight = _Flight(self)
        try:
            while True:
                claimed = [] if self._closing else await self._claim(now)
                flight.dispatch(claimed, now)
                if len(claimed) < self.batch:
                    await flight.drain()
                    await self._record(flight.take())
                    if not self._spawned:
                        return
                    self._spawned = False
                else:
                    await flight.room(self.in_flight)
                    await self._record(flight.take())
                if self.clock is not None:
                    now = self.clock.now()
        except asyncio.CancelledError:
            await flight.cancel()
            raise
        except Exception:  # a claim or a record failed (the database went away, say):
            await flight.settle()  # the lanes end their deliveries, never cut mid-query;
            raise  # what was not recorded is delivered again after its lease

    def stop_claiming(self) -> None:
        """On the way out: a tick under way claims nothing more; what it claimed is delivered
        and recorded, then it ends (under a storm it would otherwise claim on for minutes, and
        a stop waits for the tick). The rest waits in the database for the next worker."""
        self._closing = True

    async def run_once(self, now: datetime) -> int:
        """Claim, deliver and record one batch; returns how many were delivered."""
        claimed = await self._claim(now)
        if not claimed:
            return 0
        flight = _Flight(self)
        flight.dispatch(claimed, now)
        await flight.drain()
        return await self._record(flight.take())

    async def _claim(self, now: datetime) -> list[ClaimedMessage]:
        uow = self.new_unit()
        async with uow:
            claimed = await uow.outbox.claim(now, self.batch, self.lease)
            await uow.commit()
        return claimed

    async def _record(self, results: list[_Result]) -> int:
        """Record outcomes in one transaction; returns how many were delivered."""
        if not results:
            return 0
        now = self.clock.now() if self.clock is not None else results[-1][3]
        delivered = 0
        uow = self.new_unit()
        async with uow:
            for message, outcome, wait_until, _ in results:
                if isinstance(outcome, Delivered):
                    await uow.outbox.sent(message.id, now)
                    delivered += 1
                elif isinstance(outcome, Deferred):
                    await uow.outbox.defer(message.id, wait_until or now)
                elif isinstance(outcome, Failed) or message.attempts >= self.attempts_for(message):
                    log.error(
                        "message %s given up after %d attempts: %s",
                        message.key,
                        message.attempts,
                        getattr(outcome, "error", ""),
                    )
                    await uow.outbox.failed(
                        message.id, now, getattr(outcome, "error", "rate limited")
                    )
                else:
                    at = now + self.backoff(message.attempts, outcome.after)
                    await uow.outbox.retry(message.id, at, outcome.error)
            await uow.commit()
        return delivered

    async def close(self) -> None:
        """Let go of what destinations hold open (HTTP sessions), on the way out."""
        for destination in self.destinations.values():
            aclose = getattr(destination, "aclose", None)
            if aclose is not None:
                await aclose()

    def _lane(self, message: ClaimedMessage) -> str:
        """The rate key of a message, or its own key when it has none."""
        destination = self.destinations.get(message.destination)
        limit = destination.rate_key(message) if destination is not None else None
        return f"{message.destination}:{limit[0]}" if limit else f"message:{message.key}"

    def _digest_due(self, message: ClaimedMessage, now: datetime) -> bool:
        """A digest member whose shared slot has come."""
        reserved = self._reserved.get(message.key)
        return message.key in self._digest_members and (reserved is None or reserved <= now)

    def _digest_slot_for(self, key: str, spacing: timedelta, now: datetime) -> datetime:
        """The key's pending digest slot, or a new one: a spacing after the key's last digest
        (a digest mostly fills the one posted before, which is no post at all; when it does
        post, the destination's own pacing keeps Slack's spacing), else the next free slot."""
        slot = self._digest_slot.get(key)
        if slot is None or slot <= now:  # a slot that has come is being flushed: the next one
            last = self._digest_last.get(key)
            slot = max(now, self._next_allowed.get(key, now))
            if last is not None and self._storm_until.get(key, now) > now:
                slot = max(slot, last + spacing)
            self._next_allowed[key] = slot + spacing
            self._digest_slot[key] = self._digest_last[key] = slot
        return slot

    def _enter_storm(self, key: str, now: datetime) -> None:
        """A storm begins for ``key``: the cards booked for it that are not due within the
        first few slots join the digest instead, and the digest takes the first slot freed."""
        booked = [m for m in self._card_slots.pop(key, []) if self._reserved.get(m, now) > now]
        booked.sort(key=lambda m: self._reserved[m])
        freed = booked[STORM_KEEPS_CARDS:]
        for message_key in freed:
            self._digest_members.add(message_key)  # back at its slot, it joins the digest
        if freed:
            self._digest_slot[key] = self._digest_last[key] = self._reserved[freed[0]]

    async def _deliver_digests(
        self, name: str, members: list[ClaimedMessage], now: datetime
    ) -> list[tuple[ClaimedMessage, Outcome, datetime | None]]:
        destination = self.destinations.get(name)
        groups: dict[str, list[ClaimedMessage]] = {}
        for message in members:
            self._reserved.pop(message.key, None)
            self._digest_members.discard(message.key)
            key = destination.digest_key(message) if isinstance(destination, Digesting) else None
            groups.setdefault(key or "", []).append(message)
        out: list[tuple[ClaimedMessage, Outcome, datetime | None]] = []
        for group in groups.values():
            try:
                assert isinstance(destination, Digesting)
                outcomes = await destination.deliver_digest(group)
            except Exception as exc:  # like a single delivery: retry, never lose
                outcomes = {m.id: Retry(f"{type(exc).__name__}: {exc}") for m in group}
            for message in group:
                outcome = outcomes.get(message.id, Retry("the digest gave no answer"))
                if isinstance(outcome, Deferred):  # no room in this flush: the next one
                    limit = destination.rate_key(message) if destination else None
                    key, spacing = limit or (message.key, timedelta(seconds=1))
                    slot = self._digest_slot_for(key, spacing, now + timedelta(microseconds=1))
                    self._reserved[message.key] = slot
                    self._digest_members.add(message.key)
                    out.append((message, outcome, slot))
                else:
                    out.append((message, outcome, None))
        return out

    async def _deliver(
        self, message: ClaimedMessage, now: datetime
    ) -> tuple[ClaimedMessage, Outcome, datetime | None]:
        destination = self.destinations.get(message.destination)
        if destination is None:
            return message, Retry(f"no destination {message.destination!r} is registered"), None
        limit = destination.rate_key(message)
        reserved = self._reserved.pop(message.key, None)
        if reserved is not None and now < reserved:
            self._reserved[message.key] = reserved  # back early: keep its place
            return message, Deferred(), reserved
        if limit is not None and reserved is None:
            key, spacing = limit
            slot = max(now, self._next_allowed.get(key, now))
            digestible = (
                isinstance(destination, Digesting) and destination.digest_key(message) is not None
            )
            storming = self._storm_until.get(key, now) > now
            window = self.page_digest_window if message.kind == "page" else self.digest_window
            if digestible and (storming or slot - now >= window):
                # More wait than the rate clears in the window: one shared slot for the rest,
                # and digests for this key until it has been calm for a while.
                if not storming:
                    self._enter_storm(key, now)
                self._storm_until[key] = now + self.storm_calm
                slot = self._digest_slot_for(key, spacing, now)
                self._digest_members.add(message.key)
                self._reserved[message.key] = slot
                return message, Deferred(), slot
            self._next_allowed[key] = slot + spacing  # take the slot, so a burst spreads out
            if slot > now:
                self._reserved[message.key] = slot
                if digestible:
                    cards = self._card_slots.setdefault(key, [])
                    if len(cards) >= 64:  # forget cards already sent
                        cards[:] = [m for m in cards if m in self._reserved]
                    cards.append(message.key)
                return message, Deferred(), slot
        self._spawned = self._spawned or getattr(destination, "spawns", False)
        try:
            outcome = await destination.deliver(message)
        except Exception as exc:  # a destination's bug or a network fault: retry, never lose
            outcome = Retry(f"{type(exc).__name__}: {exc}")
        return message, outcome, None


_Result = tuple[ClaimedMessage, Outcome, datetime | None, datetime]  # (…, wait until, claimed at)
# (single, digest members, claimed at, claimed at on the monotonic clock)
_Item = tuple[ClaimedMessage | None, list[ClaimedMessage], datetime, float]


class _Flight:
    """Claimed messages on their way out: lanes of one rate key each, run at once (at most
    :attr:`OutboxSender.concurrency`), each in order; a lane's task ends when its queue is
    empty, and messages claimed later for a key whose lane still runs join its queue.

    Digest members due together travel as one item in their rate key's lane, after the
    cards of that key claimed before them, so a digest and a card of one channel never go at
    once while digests of different channels (or people) do.
    """

    def __init__(self, sender: OutboxSender) -> None:
        self._sender = sender
        self._gate = asyncio.Semaphore(sender.concurrency)
        self._queues: dict[str, deque[_Item]] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._results: list[_Result] = []
        self._waiting = 0  # claimed messages not yet delivered (or deferred, or failed)
        self._changed = asyncio.Event()

    def dispatch(self, claimed: list[ClaimedMessage], now: datetime) -> None:
        sender = self._sender
        digests: dict[str, list[ClaimedMessage]] = {}
        for message in claimed:
            if sender._digest_due(message, now):
                digests.setdefault(sender._lane(message), []).append(message)
            else:
                self._push(sender._lane(message), (message, [], now, sender.monotonic()), 1)
        for lane, members in digests.items():
            self._push(lane, (None, members, now, sender.monotonic()), len(members))

    def _push(self, lane: str, item: _Item, count: int) -> None:
        self._waiting += count
        queue = self._queues.get(lane)
        if queue is None:
            queue = self._queues[lane] = deque()
        queue.append(item)
        if lane not in self._tasks:
            self._tasks[lane] = asyncio.create_task(self._lane(lane, queue))

    async def _lane(self, lane: str, queue: deque[_Item]) -> None:
        """Deliver the lane's items in order. An item that waited in the lane longer than half
        its lease is put back unsent (ready at once, no attempt counted): another instance may
        claim it once the lease runs out, and must not find it delivered here meanwhile."""
        sender = self._sender
        stale = sender.lease.total_seconds() / 2
        try:
            async with self._gate:
                while queue:
                    single, members, now, claimed = queue.popleft()
                    batch = [single] if single is not None else members
                    done: list[tuple[ClaimedMessage, Outcome, datetime | None]]
                    try:
                        if sender.monotonic() - claimed > stale:  # its lease may run out
                            done = [(m, Deferred(), None) for m in batch]
                        elif single is not None:
                            done = [await sender._deliver(single, now)]
                        else:
                            done = await sender._deliver_digests(
                                members[0].destination, members, now
                            )
                    except Exception as exc:  # the sender's own bug: retry, never lose
                        log.exception("delivering %s failed", [m.key for m in batch])
                        error = Retry(f"{type(exc).__name__}: {exc}")
                        done = [(m, error, None) for m in batch]
                    self._results.extend((m, outcome, wait, now) for m, outcome, wait in done)
                    self._waiting -= len(batch)
                    self._changed.set()
        finally:  # no await between the empty queue and leaving: a later push starts anew
            del self._tasks[lane]
            del self._queues[lane]
            self._changed.set()

    async def room(self, batch: int) -> None:
        """Until fewer than ``batch`` claimed messages wait to go out."""
        while self._waiting >= batch and self._tasks:
            self._changed.clear()
            await self._changed.wait()

    async def drain(self) -> None:
        """Until every claimed message has an outcome."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks.values()))

    def take(self) -> list[_Result]:
        results, self._results = self._results, []
        return results

    async def settle(self) -> None:
        """Until every lane has ended, whatever its end (on the way out after a failure)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks.values()), return_exceptions=True)

    async def cancel(self) -> None:
        """On the way out when cancelled: stop the lanes; their messages' leases run out and
        they are delivered again (at least once)."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
