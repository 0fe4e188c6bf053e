"""The outbox sender's storm rule on the in-memory unit of work, with a recording destination:
one post a second per channel; past what that clears in the window, digests; when a storm
begins, the cards booked beyond the first few join the digest. Time is passed, never read."""

from __future__ import annotations

from datetime import timedelta

from core.incidents.ports import ClaimedMessage, OutboxMessage
from scheduling.outbox import STORM_KEEPS_CARDS, Delivered, OutboxSender, Outcome
from tests.fakes import FakeUnitOfWork, Store
from tests.unit.oncall.common import at

T0 = at("2026-03-02 10:00")
SECOND = timedelta(seconds=1)


class Channel:
    """Posts cards one by one and digests whole; records which incidents went which way."""

    def __init__(self) -> None:
        self.cards: list[int] = []
        self.digests: list[list[int]] = []

    def rate_key(self, message: ClaimedMessage) -> tuple[str, timedelta]:
        return "channel:C0OPS", SECOND

    def digest_key(self, message: ClaimedMessage) -> str:
        return "channel:C0OPS"

    async def deliver(self, message: ClaimedMessage) -> Outcome:
        self.cards.append(message.payload["n"])
        return Delivered()

    async def deliver_digest(self, messages: list[ClaimedMessage]) -> dict[int, Outcome]:
        self.digests.append(sorted(m.payload["n"] for m in messages))
        return {m.id: Delivered() for m in messages}


async def storm(n: int) -> tuple[Channel, Store]:
    store = Store()
    async with FakeUnitOfWork(store) as uow:
        await uow.outbox.add_many(
            [OutboxMessage(f"m{i}", "chat", "incident.triggered", {"n": i}, T0) for i in range(n)]
        )
        await uow.commit()
    channel = Channel()
    sender = OutboxSender(lambda: FakeUnitOfWork(store), {"chat": channel}, jitter=lambda: 0.0)
    for tick in range(30):  # the loop's one-second ticks
        await sender.run_once_job(T0 + tick * SECOND)
    return channel, store


async def test_a_burst_within_the_window_is_all_cards_one_a_second() -> None:
    channel, store = await storm(8)
    assert channel.cards == list(range(8)) and channel.digests == []
    assert all(r.status == "sent" for r in store.outbox.values())


async def test_a_storm_keeps_the_first_cards_and_digests_the_rest_early() -> None:
    channel, store = await storm(60)
    assert channel.cards == list(range(STORM_KEEPS_CARDS + 1))  # due now, then the kept ones
    shown = sorted(n for digest in channel.digests for n in digest)
    assert shown == list(range(STORM_KEEPS_CARDS + 1, 60))  # every other one, once
    assert len(channel.digests) <= 10  # a few flushes, not a card a second
    assert all(r.status == "sent" for r in store.outbox.values())
    first_flush = min(
        r.sent_at for r in store.outbox.values() if r.payload["n"] > STORM_KEEPS_CARDS
    )
    assert first_flush <= T0 + (STORM_KEEPS_CARDS + 1) * SECOND  # a freed slot, not 10 s later
