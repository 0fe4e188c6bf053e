"""The outbox sender claims on while lanes wait: one slow channel (or person) never holds up
the rows behind it, digests of different people go at once, two digests of one key are a
spacing apart, and a page waits for its person's slot about a second at most. Time is
passed, never read; the slow lane is an event the test releases."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from itertools import pairwise

import pytest

from core.incidents.ports import ClaimedMessage, OutboxMessage
from scheduling.outbox import Delivered, OutboxSender, Outcome
from tests.fakes import FakeUnitOfWork, Store
from tests.unit.oncall.common import at

T0 = at("2026-03-02 10:00")
SECOND = timedelta(seconds=1)
TICK = SECOND / 10


class People:
    """One rate key and digest key per person (``payload["p"]``); ``held`` people's deliveries
    wait for :attr:`release`. Records what was shown, when, as cards or digests."""

    def __init__(self, held: frozenset[str] = frozenset()) -> None:
        self.now = T0
        self.held = held
        self.release = asyncio.Event()
        self.shown: list[tuple[str, str, datetime, list[int]]] = []  # (way, person, at, ns)

    def rate_key(self, message: ClaimedMessage) -> tuple[str, timedelta]:
        return f"person:{message.payload['p']}", SECOND

    def digest_key(self, message: ClaimedMessage) -> str:
        return f"person:{message.payload['p']}"

    async def _hold(self, person: str) -> None:
        if person in self.held:
            await self.release.wait()

    async def deliver(self, message: ClaimedMessage) -> Outcome:
        await self._hold(message.payload["p"])
        self.shown.append(("card", message.payload["p"], self.now, [message.payload["n"]]))
        return Delivered()

    async def deliver_digest(self, messages: list[ClaimedMessage]) -> dict[int, Outcome]:
        person = messages[0].payload["p"]
        await self._hold(person)
        self.shown.append(("digest", person, self.now, sorted(m.payload["n"] for m in messages)))
        return {m.id: Delivered() for m in messages}


async def write(store: Store, *messages: tuple[int, str, datetime]) -> None:
    async with FakeUnitOfWork(store) as uow:
        await uow.outbox.add_many(
            [OutboxMessage(f"m{n}", "chat", "page", {"n": n, "p": p}, at) for n, p, at in messages]
        )
        await uow.commit()


def sender(store: Store, people: People, batch: int = 50) -> OutboxSender:
    return OutboxSender(
        lambda: FakeUnitOfWork(store), {"chat": people}, batch=batch, jitter=lambda: 0.0
    )


async def until(condition: object, task: asyncio.Task[None], turns: int = 2000) -> None:
    """Let the loop run until ``condition()`` holds (or the task ends, or many turns pass)."""
    for _ in range(turns):
        if condition() or task.done():  # type: ignore[operator]
            return
        await asyncio.sleep(0)


async def test_a_lane_that_waits_does_not_hold_up_the_messages_claimed_after_it() -> None:
    store = Store()
    await write(store, (0, "slow", T0), *((n, f"p{n}", T0) for n in range(1, 8)))
    people = People(held=frozenset({"slow"}))
    job = asyncio.create_task(sender(store, people, batch=2).run_once_job(T0))
    await until(lambda: len(people.shown) == 7, job)
    # Claimed two at a time, yet everyone behind the waiting lane went out meanwhile.
    assert sorted(n for *_, ns in people.shown for n in ns) == list(range(1, 8))
    assert not job.done()
    people.release.set()
    await job
    assert people.shown[-1][1] == "slow"
    assert all(r.status == "sent" for r in store.outbox.values())


async def test_digests_of_different_people_go_at_once() -> None:
    store = Store()
    await write(store, *((n, "bob" if n % 2 else "ann", T0) for n in range(20)))
    people = People(held=frozenset({"ann"}))
    people.release.set()
    send = sender(store, people)
    for tick in range(10):  # a card each now; the rest wait for each one's digest at 1 s
        people.now = T0 + tick * TICK
        await send.run_once_job(people.now)
    assert [(way, p) for way, p, *_ in people.shown] == [("card", "ann"), ("card", "bob")]
    people.release.clear()
    people.now = T0 + SECOND
    job = asyncio.create_task(send.run_once_job(people.now))
    await until(lambda: len(people.shown) == 3, job)
    assert people.shown[2][:2] == ("digest", "bob")  # bob's went while ann's waits
    assert not job.done()
    people.release.set()
    await job
    assert people.shown[3][:2] == ("digest", "ann")
    assert all(r.status == "sent" for r in store.outbox.values())


async def test_a_page_waits_about_a_second_and_one_persons_digests_are_a_second_apart() -> None:
    """Ten pages to one person, one every 0.4 s (faster than one a second): two cards, then
    a digest a second with what came meanwhile; none waits two seconds."""
    store = Store()
    people = People()
    send = sender(store, people)
    created: dict[int, datetime] = {}
    for step in range(80):
        now = T0 + step * TICK
        if step % 4 == 0 and step // 4 < 10:
            created[step // 4] = now
            await write(store, (step // 4, "ann", now))
        people.now = now
        await send.run_once_job(now)
    shown = {n: when for _, _, when, ns in people.shown for n in ns}
    assert sorted(shown) == list(range(10))  # every page, once
    assert all(shown[n] - created[n] < 2 * SECOND for n in shown)
    times = [when for _, _, when, _ in people.shown]
    assert all(b - a >= SECOND for a, b in pairwise(times))
    assert [way for way, *_ in people.shown][:2] == ["card", "card"]
    assert {way for way, *_ in people.shown[2:]} == {"digest"}


async def test_a_message_that_waited_in_its_lane_past_half_its_lease_goes_back_unsent() -> None:
    """Another instance may claim a message whose lease ran out; the one that waited behind a
    slow delivery of its lane for that long is put back, ready at once, no attempt counted."""
    store = Store()
    await write(store, (0, "slow", T0), (1, "slow", T0))
    people = People(held=frozenset({"slow"}))
    clock = [0.0]
    send = sender(store, people)
    send.monotonic = lambda: clock[0]
    job = asyncio.create_task(send.run_once_job(T0))
    await until(lambda: False, job, turns=50)  # the first is being delivered, and waits
    clock[0] = send.lease.total_seconds() / 2 + 1
    people.release.set()
    await job
    assert [ns for *_, ns in people.shown] == [[0]]
    first, second = store.outbox.values()
    assert first.status == "sent"
    assert (second.status, second.attempts, second.next_attempt_at) == ("pending", 0, T0)


async def test_a_stopping_sender_delivers_what_it_claimed_and_claims_nothing_more() -> None:
    store = Store()
    await write(store, *((n, f"p{n}", T0) for n in range(10)))
    people = People(held=frozenset({"p0"}))
    send = sender(store, people, batch=2)
    send.in_flight = 1  # no claim while p0 waits
    job = asyncio.create_task(send.run_once_job(T0))
    await until(lambda: False, job, turns=50)  # p0's delivery waits; the claims wait for room
    send.stop_claiming()
    people.release.set()
    await job
    sent = sorted(r.payload["n"] for r in store.outbox.values() if r.status == "sent")
    assert sent == [0, 1]  # the first claim went out; then no claim
    waiting = [r for r in store.outbox.values() if r.status != "sent"]
    assert all(r.status == "pending" and r.attempts == 0 for r in waiting)
    assert sorted(n for *_, ns in people.shown for n in ns) == sent


async def test_a_failed_claim_lets_the_lanes_end_their_deliveries_before_it_is_raised() -> None:
    """The database goes away between two claims: the delivery under way is not cut off in
    the middle (a connection left mid-query); the failure is raised once it has ended."""
    store = Store()
    await write(store, *((n, f"p{n}", T0) for n in range(4)))
    people = People(held=frozenset({"p0"}))
    claims = [0]

    class Unit(FakeUnitOfWork):
        async def __aenter__(self) -> FakeUnitOfWork:
            unit = await super().__aenter__()
            claim = unit.outbox.claim

            async def failing(*args: object, **kwargs: object) -> list[ClaimedMessage]:
                claims[0] += 1
                if claims[0] > 1:
                    raise ConnectionError("the database went away")
                return await claim(*args, **kwargs)  # type: ignore[arg-type]

            unit.outbox.claim = failing  # type: ignore[method-assign]
            return unit

    send = OutboxSender(lambda: Unit(store), {"chat": people}, batch=2, jitter=lambda: 0.0)
    job = asyncio.create_task(send.run_once_job(T0))
    await until(lambda: claims[0] > 1, job)  # p0 waits; p1 went; the next claim failed
    assert not job.done()  # ...and the job waits for p0's delivery to end
    people.release.set()
    with pytest.raises(ConnectionError):
        await job
    assert sorted(n for *_, ns in people.shown for n in ns) == [0, 1]
