"""``oncall serve``: the HTTP endpoints in this process, the background work in a worker.

Start-up order: connect to the database (one clear line when it cannot), migrate, apply
``ONCALL_CONFIG`` when set, listen, then start the worker process (``oncall worker``: the
alert inbox, escalations, the outbox, hand-overs and gap warnings; :mod:`bot.worker`), which
``serve`` watches and restarts if it dies. SIGTERM and SIGINT stop both cleanly: the listener
closes first, the worker finishes its work under way and exits, the engine is disposed.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal

from aiohttp import web

from bot.app import Runtime, build_app, log_surfaces
from bot.clock import SystemClock
from bot.config_apply import apply_to_engine, prepare_database
from bot.errors import StartupError
from bot.logs import configure_logging
from bot.settings import DEFAULT_DATABASE_URL, Settings
from bot.worker_process import WorkerProcess
from integrations.config_repo.loader import load_configuration
from storage.write_priority import write_priority

log = logging.getLogger("oncall")


async def serve(settings: Settings) -> int:
    """Run until SIGTERM or SIGINT; returns the exit status."""
    configure_logging(settings.log_level)
    if not settings.loopback and settings.dashboard_token is None:
        raise StartupError(
            f"ONCALL_HOST={settings.host} is not a loopback address, so the dashboard and API "
            "would be open to the network: set ONCALL_DASHBOARD_TOKEN (the token people and "
            "scrapers must present), or listen on 127.0.0.1"
        )
    clock = SystemClock()
    engine = await prepare_database(settings, checkpoints=False)  # the worker's commits do them
    runner: web.AppRunner | None = None
    worker = WorkerProcess(os.environ)
    priority = write_priority(engine)
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
        runtime = Runtime(
            settings=settings, engine=engine, clock=clock, background=worker, priority=priority
        )
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
        worker.start()  # only once we listen: a failed start leaves no worker behind
        log_surfaces(settings)
        log.info("listening on http://%s:%d", settings.host, settings.port)
        services = [s.id for s in (config.services if config else ()) if s.importance == "critical"]
        announce(settings, services)
        await _until_signalled()
        log.info("stopping")
        worker.stopping()  # at once: the worker winds down while the listener closes
        return 0
    finally:
        try:
            if runner is not None:
                await runner.cleanup()
        finally:
            try:
                await worker.stop()
            finally:
                if priority is not None:
                    priority.close()
                await engine.dispose()


def announce(settings: Settings, services: list[str]) -> None:
    """What a person who just typed ``make run`` needs: where to look, what to try.

    The alert token is printed only under ``make run`` (``ONCALL_DEMO``), where it is the demo
    token that ``make run`` set itself.
    """
    base = settings.base_url
    lines = [
        "",
        "  On-call bot is running.",
        f"  Dashboard:     {base}/",
        f"  API:           {base}/api/v1/openapi.json",
        f"  Metrics:       {base}/metrics",
        f"  Health:        {base}/healthz",
    ]
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
