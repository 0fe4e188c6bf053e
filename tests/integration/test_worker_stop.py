"""A worker that stops takes on no new work: the outbox sender delivers and records what it has
claimed, claims nothing more, and its tick ends, so the stop is done once the work under way
is (committed or rolled back whole), not once the whole outbox has been worked off.

Before, the sender's tick claimed on while the stop waited for it: under a storm a stop took
as long as the whole backlog (20-50 s measured), past ``oncall serve``'s 30 s, which then
killed the worker in the middle of its transactions.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.settings import Settings
from bot.worker import Background
from core.incidents.ports import OutboxMessage
from storage.incident_tables import OutboxRow
from storage.uow import SqlUnitOfWork, session_factory
from tests.fakes import FrozenClock

NOW = datetime(2026, 3, 4, 11, 0, tzinfo=UTC)
MESSAGES = 400  # eight of the sender's claims


class StopOnFirstSend(logging.Handler):
    """Starts the worker's stop as the log outbox sends its first message (mid-tick)."""

    def __init__(self, background: Background) -> None:
        super().__init__(logging.INFO)
        self.background = background
        self.stopping: asyncio.Task[None] | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if self.stopping is None and record.getMessage().startswith("would send"):
            self.stopping = asyncio.get_running_loop().create_task(self.background.stop())


async def test_a_stop_mid_tick_delivers_what_was_claimed_and_claims_no_more(
    engine: AsyncEngine,
) -> None:
    async with SqlUnitOfWork(session_factory(engine)) as uow:
        await uow.outbox.add_many(
            [
                OutboxMessage(f"note/{i}", "chat", "note", {"text": f"note {i}"}, NOW)
                for i in range(MESSAGES)
            ]
        )
        await uow.commit()
    background = Background(engine, Settings(), FrozenClock(NOW))
    outbox_log = logging.getLogger("oncall.outbox")
    watcher = StopOnFirstSend(background)
    level = outbox_log.level
    outbox_log.setLevel(logging.INFO)
    outbox_log.addHandler(watcher)
    try:
        await background.scheduler.tick_once("outbox")  # the tick the stop waits for
        assert watcher.stopping is not None, "nothing was sent"
        await watcher.stopping
    finally:
        outbox_log.removeHandler(watcher)
        outbox_log.setLevel(level)
        if watcher.stopping is None:
            await background.stop()
    async with engine.connect() as conn:
        rows = (await conn.execute(select(OutboxRow.status, OutboxRow.lease_until))).all()
    sent = [r for r in rows if r.status == "sent"]
    assert 0 < len(sent) < MESSAGES, "the stopping worker claimed on until the outbox was empty"
    # Every claimed message was delivered and recorded; the rest were never claimed, so the
    # next worker takes them at once (no lease to wait out).
    assert [r for r in rows if r.status != "sent" and r.lease_until is not None] == []
    assert {r.status for r in rows} == {"sent", "pending"}
