"""``oncall serve``: one process, one aiohttp server, one asyncio loop.

Start-up order: connect to the database (one clear line when it cannot), migrate, apply
``ONCALL_CONFIG`` when set, start the scheduler, then listen. SIGTERM and SIGINT stop it
cleanly: the listener closes first, the scheduler stops, the engine is disposed.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import sys
from datetime import timedelta

from aiohttp import web

from bot.app import Runtime, build_app, log_surfaces
from bot.clock import SystemClock
from bot.config_apply import apply_to_engine, prepare_database
from bot.errors import StartupError
from bot.settings import DEFAULT_DATABASE_URL, Settings
from core.oncall.checkpoints import advance_checkpoints
from core.oncall.notices import announce_handovers, warn_about_gaps
from integrations.config_repo.loader import load_configuration
from scheduling.jobs import escalation_job, every, unit_job
from scheduling.loop import SchedulerLoop
from scheduling.outbox import Destination, LogDestination, OutboxSender
from storage.uow import SqlUnitOfWork, session_factory

log = logging.getLogger("oncall")


def configure_logging(level: str) -> None:
    """Plain lines on stderr: time, level, logger, message."""
    logging.basicConfig(
        level=level.upper(),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    # APScheduler warns at every skipped tick; a skipped tick loses nothing (scheduling.loop).
    logging.getLogger("apscheduler").setLevel(logging.ERROR)


async def serve(settings: Settings) -> int:
    """Run until SIGTERM or SIGINT; returns the exit status."""
    configure_logging(settings.log_level)
    clock = SystemClock()
    engine = await prepare_database(settings)
    runner: web.AppRunner | None = None
    scheduler = SchedulerLoop(clock)
    try:
        config = None
        if settings.config_path:
            config = load_configuration(settings.config_path)
            outcome = await apply_to_engine(
                engine, config, source=settings.config_path, actor="serve", clock=clock
            )
            if outcome.written:
                log.info(
                    "applied %s: %d change(s), revision %s",
                    settings.config_path,
                    len(outcome.diff.changes),
                    outcome.revision,
                )
            else:
                log.info("configuration %s is already applied", settings.config_path)
        sessions = session_factory(engine)

        def new_unit() -> SqlUnitOfWork:
            return SqlUnitOfWork(sessions)

        worker = f"{socket.gethostname()}:{os.getpid()}"
        sender = OutboxSender(new_unit, destinations(settings))
        scheduler.add("escalations", escalation_job(new_unit, worker, clock))
        scheduler.add("outbox", sender.run_once_job, lane="outbox")
        hourly, half_minute = timedelta(hours=1), timedelta(seconds=30)
        scheduler.add("queue checkpoints", every(hourly, unit_job(advance_checkpoints, new_unit)))
        scheduler.add("hand-overs", every(half_minute, unit_job(announce_handovers, new_unit)))
        scheduler.add("coverage gaps", every(hourly, unit_job(warn_about_gaps, new_unit)))
        runtime = Runtime(settings=settings, engine=engine, clock=clock, scheduler=scheduler)
        runner = web.AppRunner(build_app(runtime), handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, settings.host, settings.port)
        try:
            await site.start()
        except OSError as exc:
            reason = exc.strerror or str(exc)
            where = f"{settings.host}:{settings.port}"
            raise StartupError(
                f"cannot listen on {where}: {reason} (set PORT or ONCALL_HOST)"
            ) from None
        scheduler.start()  # only once we listen: a failed start leaves no tick half-way
        log_surfaces(settings)
        log.info("listening on http://%s:%d", settings.host, settings.port)
        services = [s.id for s in (config.services if config else ()) if s.importance == "critical"]
        announce(settings, services)
        await _until_signalled()
        log.info("stopping")
        return 0
    finally:
        if runner is not None:
            await runner.cleanup()
        await scheduler.stop()
        await engine.dispose()


def destinations(settings: Settings) -> dict[str, Destination]:
    """Where outbox messages go. Until the Slack, Teams and ticketing adapters are registered
    here, chat and ticket messages are written to the log, so the whole path runs."""
    return {"chat": LogDestination("chat"), "ticket": LogDestination("ticket")}


def announce(settings: Settings, services: list[str]) -> None:
    """What a person who just typed ``make run`` needs: where to look, what to try.

    The alert token is printed only under ``make run`` (``ONCALL_DEMO``), where it is the demo
    token that ``make run`` set itself.
    """
    base = settings.base_url
    lines = ["", "  On-call bot is running.", f"  Health:        {base}/healthz"]
    if services:
        token = "$ONCALL_ALERT_TOKEN"
        if settings.demo and settings.alert_token is not None:
            token = settings.alert_token.get_secret_value()
        env = [f"ONCALL_ALERT_TOKEN={token}", f"PORT={settings.port}"]
        if settings.database_url != DEFAULT_DATABASE_URL:
            env.append(f"ONCALL_DATABASE_URL={settings.database_url}")
        lines += [
            "  Fire a sample alert (in another terminal, from this folder):",
            f"    {' '.join(env)} .venv/bin/oncall alert test --service {services[0]}",
            "  Then: .venv/bin/oncall incidents    .venv/bin/oncall who",
        ]
    print("\n".join([*lines, ""]), flush=True)


async def _until_signalled() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
