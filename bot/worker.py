"""The background work: the scheduling loop and the alert inbox processor, composed.

``oncall serve`` runs this in a worker process of its own (``oncall worker``, started and
watched by :mod:`bot.worker_process`), so turning alerts into incidents, firing escalations
and delivering the outbox never compete with answering HTTP requests for the event loop; the
database is the only state the two processes share. Tests compose the same :class:`Background`
inside their own process.

The control channel, when the worker runs under ``oncall serve``: every byte on stdin means
"deliveries are waiting in the inbox" (it is drained at once instead of at the next poll);
end of file means the parent is gone, and the worker stops as on SIGTERM. On stdout the worker
writes one line ``tick`` after every tick of its scheduling loop that left it healthy, which is
how the parent answers ``/readyz``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import sys
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import SystemClock
from bot.settings import Settings
from core.incidents.ports import ClaimedMessage
from core.oncall.checkpoints import advance_checkpoints
from core.oncall.notices import announce_handovers, warn_about_gaps
from core.ports import Clock
from scheduling.fanout import Fanout
from scheduling.heartbeats import heartbeat_job, maintenance_job
from scheduling.inbox import InboxProcessor
from scheduling.jobs import escalation_job, every, read_then_write_job
from scheduling.loop import SchedulerLoop
from scheduling.outbox import (
    Delivered,
    Destination,
    Failed,
    LogDestination,
    OutboxSender,
    Outcome,
    Retry,
)
from storage.blocking import BlockingSessions
from storage.engine import is_postgres
from storage.locks import exclusive
from storage.uow import SqlUnitOfWork, session_factory

log = logging.getLogger("oncall.worker")
HEARTBEAT = b"tick\n"
SQLITE_PAUSE = 0.001  # seconds; twice what a waiting writer sleeps between tries (storage.engine)
INBOX_LANES = 4  # groups turned into incidents at once on PostgreSQL (scheduling.inbox)
STRAGGLERS_WITHIN = 10.0  # seconds a stopping worker waits for tasks it did not start itself


def destinations(
    settings: Settings,
    new_unit: Callable[[], SqlUnitOfWork],
    read_unit: Callable[[], SqlUnitOfWork],
    clock: Clock,
) -> dict[str, Destination]:
    """Where outbox messages go: chat messages to Slack and to Teams, as configured (to the
    log when neither is, so the whole path runs without them); tickets to the tracker
    ``ONCALL_TICKETING`` names (builtin by default). With both, ``chat`` splits each message
    into one per platform (:mod:`scheduling.fanout`), delivered as ``chat.slack`` and
    ``chat.teams``."""
    platforms: dict[str, Destination] = {}
    if settings.slack_enabled:
        from bot.handlers.slack.client import web_client
        from bot.handlers.slack.destination import SlackDestination

        platforms["chat.slack"] = SlackDestination(
            web_client(settings), new_unit, read_unit, clock, settings.base_url
        )
    if settings.teams_enabled:
        from bot.handlers.teams.outbox import teams_destination

        platforms["chat.teams"] = teams_destination(settings, new_unit, read_unit, clock)
    chat: Destination = LogDestination("chat")
    if len(platforms) == 1:
        chat = next(iter(platforms.values()))
    elif platforms:
        chat = Fanout(new_unit, tuple(platforms), clock)
    # Both names stay registered: rows split earlier are delivered after a restart with
    # one platform turned off (they go to the log then).
    for name in ("chat.slack", "chat.teams"):
        platforms.setdefault(name, LogDestination(name))
    return {"chat": chat, **platforms, "ticket": TicketOutbox(settings, new_unit, clock)}


class TicketOutbox:
    """The ``ticket`` destination: the tracker ``ONCALL_TICKETING`` names
    (:mod:`integrations.ticketing`), its results as the outbox's outcomes (integrations do
    not import ``scheduling``).

    A tracker that is down delays its tickets and never loses them: with the sender's backoff
    (at most ten minutes apart) :attr:`max_attempts` keeps a ticket waiting about three days,
    where chat messages are given up after an hour."""

    max_attempts = 450

    def __init__(self, settings: Settings, new_unit: Callable[[], SqlUnitOfWork], clock: Clock):
        from integrations.ticketing.compose import ticket_destination

        self.inner = ticket_destination(settings, new_unit, clock)

    def rate_key(self, message: ClaimedMessage) -> tuple[str, timedelta] | None:
        return self.inner.rate_key(message)

    async def deliver(self, message: ClaimedMessage) -> Outcome:
        result = await self.inner.deliver(message)
        if result.ok:
            return Delivered()
        if result.retry:
            return Retry(result.error or "try again", result.after)
        return Failed(result.error or "refused")

    async def aclose(self) -> None:
        await self.inner.aclose()


class Background:
    """The scheduling loop (escalations, outbox, checkpoints, hand-overs, gap warnings) and
    the alert inbox processor over one engine."""

    def __init__(self, engine: AsyncEngine, settings: Settings, clock: Clock) -> None:
        # SQLite: sessions in this thread (no hop to the driver's thread per statement);
        # PostgreSQL: the engine's own async sessions (storage.blocking says why).
        sessions = session_factory(engine) if is_postgres(engine) else BlockingSessions(engine)
        self._sessions = sessions

        def new_unit() -> SqlUnitOfWork:
            return SqlUnitOfWork(sessions)

        def read_unit() -> SqlUnitOfWork:
            return SqlUnitOfWork(sessions, write=False)

        # SQLite has one writer at a time: pausing between transactions lets the alert
        # endpoint (another process) store deliveries within milliseconds, not after a run
        # of transactions. PostgreSQL locks rows, so nobody waits there.
        pause = 0.0 if is_postgres(engine) else SQLITE_PAUSE
        self.clock = clock
        self.scheduler = SchedulerLoop(clock)
        # New pages go out at once, not at the outbox lane's next second.
        self.inbox = InboxProcessor(
            new_unit,
            lambda: exclusive(engine, "alert-inbox"),
            clock,
            pause=pause,
            lanes=1 if pause else INBOX_LANES,
            processed=self._send_now,
        )
        worker = f"{socket.gethostname()}:{os.getpid()}"

        sender = OutboxSender(
            new_unit, destinations(settings, new_unit, read_unit, clock), clock=clock
        )
        self._sender = sender
        escalations = escalation_job(new_unit, worker, clock, pause=pause, fired=self._send_now)
        self.scheduler.add("escalations", escalations)
        self.scheduler.add("outbox", sender.run_once_job, lane="outbox")
        hourly, half_minute = timedelta(hours=1), timedelta(seconds=30)
        checkpoints = read_then_write_job(advance_checkpoints, new_unit, read_unit)
        self.scheduler.add("queue checkpoints", every(hourly, checkpoints))
        handovers = read_then_write_job(announce_handovers, new_unit, read_unit)
        self.scheduler.add("hand-overs", every(half_minute, handovers))
        gaps = read_then_write_job(warn_about_gaps, new_unit, read_unit)
        self.scheduler.add("coverage gaps", every(hourly, gaps))
        self.scheduler.add("heartbeats", heartbeat_job(new_unit, read_unit, changed=self._send_now))
        self.scheduler.add("maintenance holds", maintenance_job(new_unit, read_unit))

    def _send_now(self) -> None:
        self.scheduler.kick("outbox")

    def tick_age(self) -> float | None:
        """Seconds (on this loop's clock) since the scheduling loop last finished a tick; None
        before its first tick (or when it is not running, as in tests)."""
        last = self.scheduler.last_tick
        if last is None:
            return None
        return max(0.0, (self.clock.now() - last).total_seconds())

    def start(self) -> None:
        """Start the inbox processor and the scheduling loop on the running event loop."""
        self.inbox.start()
        self.scheduler.start()

    async def stop(self) -> None:
        """Let the work under way finish (committed or rolled back whole), then stop. No new
        work is taken on meanwhile: the outbox sender claims no more rows (what it claimed is
        delivered and recorded), the inbox finishes the drain under way."""
        self._sender.stop_claiming()
        await self.inbox.stop()
        await self.scheduler.stop()
        await self._sender.close()
        if isinstance(self._sessions, BlockingSessions):
            self._sessions.dispose()

    def kick(self) -> None:
        """Deliveries are waiting in the inbox: drain it now."""
        self.inbox.kick()

    def problem(self, now: datetime) -> str | None:
        """None while the scheduling loop ticks; else what is wrong (for ``/readyz``)."""
        if self.scheduler.healthy(now):
            return None
        return "not running" if not self.scheduler.running else "no recent tick"


async def run_worker(settings: Settings, *, controlled: bool) -> int:
    """``oncall worker``: run the background work until SIGTERM, SIGINT or, when
    ``controlled`` (started by ``oncall serve``), the end of stdin. Returns the exit status."""
    from bot.config_apply import prepare_database
    from bot.logs import configure_logging

    configure_logging(settings.log_level)
    clock = SystemClock()
    engine = await prepare_database(settings)
    background = Background(engine, settings, clock)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    def signalled() -> None:
        if stop.is_set():
            log.info("worker %d is already stopping", os.getpid())
        stop.set()

    # The handlers stay until the stop is done: a second SIGTERM or SIGINT meanwhile must not
    # end the process (SIGTERM's default) or raise KeyboardInterrupt (SIGINT's), after which
    # asyncio.run cancels every task, queries in the middle included.
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, signalled)
    heartbeat: asyncio.Task[None] | None = None
    try:
        background.start()
        if controlled:
            await _listen(sys.stdin.fileno(), background.kick, stop.set)
            heartbeat = asyncio.create_task(_beat(background, clock, stop))
        log.info("worker %d started", os.getpid())
        await stop.wait()
        return 0
    finally:
        try:
            if heartbeat is not None:
                heartbeat.cancel()
            await background.stop()
            await _others_done(STRAGGLERS_WITHIN)
            await engine.dispose()
        finally:
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(sig)
        log.info("worker %d stopped", os.getpid())


async def _others_done(within: float) -> None:
    """Wait (up to ``within`` seconds) for the tasks still running besides this one: a
    safety net for work a component started and did not wait for (the inbox's and the
    outbox's lanes are waited for by their owners). asyncio.run would cancel them, in the
    middle of a query perhaps, which leaves the connection busy for the pool to reset from
    another task."""
    others = {t for t in asyncio.all_tasks() if t is not asyncio.current_task()}
    if not others:
        return
    _, pending = await asyncio.wait(others, timeout=within)
    if pending:
        names = sorted({t.get_name() for t in pending})
        log.warning("%d task(s) still running as the worker stops: %s", len(pending), names)


async def _listen(fd: int, on_work: Callable[[], None], on_end: Callable[[], None]) -> None:
    """Read the parent's pipe: any bytes mean work, end of file means stop."""

    class Reader(asyncio.Protocol):
        def data_received(self, data: bytes) -> None:
            on_work()

        def eof_received(self) -> bool:
            on_end()
            return False

        def connection_lost(self, exc: Exception | None) -> None:
            on_end()

    pipe = os.fdopen(fd, "rb", buffering=0, closefd=False)
    await asyncio.get_running_loop().connect_read_pipe(Reader, pipe)


async def _beat(background: Background, clock: Clock, stop: asyncio.Event) -> None:
    """Tell the parent, once a second, that the scheduling loop is healthy."""
    out = sys.stdout.buffer
    while not stop.is_set():
        if background.problem(clock.now()) is None:
            try:
                out.write(HEARTBEAT)
                out.flush()
            except (BrokenPipeError, ValueError):
                stop.set()  # the parent is gone
                return
        await asyncio.sleep(1.0)
