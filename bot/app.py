"""The composition root: builds the aiohttp application and wires every part together.

Only this module (and the CLI) knows every adapter; the parts it wires get what they need
passed in (settings values, the engine, the clock), never the environment.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Protocol

from aiohttp import web
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.settings import Settings
from core.incidents.ports import AlertBatch
from core.ports import Clock
from integrations.alerts.endpoints import MAX_BODY_BYTES
from storage.uow import SqlUnitOfWork, session_factory
from storage.write_priority import WritePriority
from web.health import healthz, readiness_handler

log = logging.getLogger("oncall")


class BackgroundWork(Protocol):
    """Whoever works off the inbox and runs the scheduling loop: the worker process under
    ``oncall serve`` (:class:`bot.worker_process.WorkerProcess`), or :class:`bot.worker.Background`
    in the same process (tests)."""

    def kick(self) -> None:
        """Deliveries are waiting in the inbox."""

    def problem(self, now: datetime) -> str | None:
        """None while it runs well; else what is wrong."""

    def tick_age(self) -> float | None:
        """Seconds since the scheduling loop last ticked; None before its first tick."""


@dataclass
class Runtime:
    """What the running process holds; handlers reach it through ``app[RUNTIME]``."""

    settings: Settings
    engine: AsyncEngine
    clock: Clock
    background: BackgroundWork
    priority: WritePriority | None = None

    @cached_property
    def sessions(self) -> async_sessionmaker[AsyncSession]:
        """The one session factory of this process's engine."""
        return session_factory(self.engine)

    def intake_unit(self) -> SqlUnitOfWork:
        """A unit of the alert endpoint: on SQLite, background writers give way to it."""
        return SqlUnitOfWork(self.sessions, priority=self.priority)

    def write_unit(self) -> SqlUnitOfWork:
        """A unit of work of a chat click or command (writes through the use cases)."""
        return SqlUnitOfWork(self.sessions)

    def read_unit(self) -> SqlUnitOfWork:
        """A unit of work that only reads (never waits for writers on SQLite)."""
        return SqlUnitOfWork(self.sessions, write=False)


RUNTIME = web.AppKey("runtime", Runtime)
SLACK = web.AppKey("slack", object)
TEAMS = web.AppKey("teams", object)


def build_app(runtime: Runtime) -> web.Application:
    """The one aiohttp application with every endpoint of CONTRACT.md that exists so far."""
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app[RUNTIME] = runtime

    async def database_ready() -> str | None:
        async with runtime.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return None

    async def scheduler_ready() -> str | None:
        return runtime.background.problem(runtime.clock.now())

    from integrations.alerts.endpoints import add_routes as add_alert_routes
    from integrations.alerts.endpoints import inbox_store
    from integrations.alerts.heartbeat import add_heartbeat_route
    from integrations.alerts.inbox_writer import InboxWriter
    from integrations.calendar.feeds import add_routes as add_calendar_routes

    token = (
        runtime.settings.alert_token.get_secret_value() if runtime.settings.alert_token else None
    )
    store = inbox_store(InboxWriter(runtime.intake_unit), runtime.background.kick)
    add_alert_routes(app, token, store, runtime.clock)
    add_heartbeat_route(app, token, runtime.intake_unit, runtime.clock)
    add_calendar_routes(app, runtime.read_unit, runtime.clock)

    async def open_alert(batch: AlertBatch) -> int:
        """``/oncall page`` from chat: the same inbox as the alert endpoints."""
        return await store(batch, runtime.clock.now())

    if runtime.settings.slack_enabled:
        from bot.handlers.slack.app import SlackSurface

        slack = SlackSurface(
            runtime.settings,
            new_unit=runtime.write_unit,
            read_unit=runtime.read_unit,
            clock=runtime.clock,
            open_alert=open_alert,
        )
        slack.add_routes(app)
        app[SLACK] = slack

        async def socket_mode(_app: web.Application) -> AsyncIterator[None]:
            await slack.start_socket_mode()
            yield
            await slack.close()

        app.cleanup_ctx.append(socket_mode)
    if runtime.settings.teams_enabled:
        from bot.handlers.teams.app import TeamsSurface

        teams = TeamsSurface(
            runtime.settings,
            new_unit=runtime.write_unit,
            read_unit=runtime.read_unit,
            clock=runtime.clock,
            open_alert=open_alert,
        )
        teams.add_routes(app)
        app[TEAMS] = teams
    from web.app import add_dashboard
    from web.deps import WebDeps

    settings = runtime.settings
    add_dashboard(
        app,
        WebDeps(
            read_unit=runtime.read_unit,
            write_unit=runtime.write_unit,
            clock=runtime.clock,
            public_url=settings.base_url,
            token=settings.dashboard_token.get_secret_value() if settings.dashboard_token else None,
            secure_cookies=settings.base_url.startswith("https://"),
            tick_age=runtime.background.tick_age,
        ),
    )
    app.router.add_get("/healthz", healthz)
    app.router.add_get(
        "/readyz", readiness_handler({"database": database_ready, "scheduler": scheduler_ready})
    )
    return app


def log_surfaces(settings: Settings) -> None:
    """One line per chat surface that is off, saying how to turn it on."""
    if not settings.slack_enabled:
        log.info(
            "Slack is off: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (and point the app's "
            "Request URL at %s/slack/events), or SLACK_BOT_TOKEN and SLACK_APP_TOKEN for "
            "Socket Mode, to turn it on (slack/manifest.yaml creates the app)",
            settings.base_url,
        )
    elif settings.slack_app_token is not None:
        log.info("Slack is on, over Socket Mode")
    else:
        log.info("Slack is on: its Request URL is %s/slack/events", settings.base_url)
    if not settings.teams_enabled:
        log.info(
            "Teams is off: set MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD (messaging endpoint "
            "%s/api/messages) to turn it on",
            settings.base_url,
        )
    else:
        log.info("Teams is on: its messaging endpoint is %s/api/messages", settings.base_url)
