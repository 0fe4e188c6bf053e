"""``GET /metrics``: the Prometheus exposition, read from the database at scrape time.

The HTTP process and the worker are separate processes, and several instances may share one
database, so nothing is counted in memory: each scrape reads the figures in one read-only
unit of work (a few aggregate queries, :mod:`storage.metrics_queries`) and exposes them
through a custom collector in a fresh registry (:mod:`web.metrics_families`). The schedule
figures (coverage-gap hours in the next 14 days, people on call now) cost a schedule
computation, so they are kept for :data:`AHEAD_TTL` seconds per process.

Edge cases: an empty (migrated) database scrapes fine: zero counters, empty histograms, and
families without samples. Behind ``ONCALL_DASHBOARD_TOKEN`` when it is set
(:mod:`web.access`): ``Authorization: Bearer <token>``, else 401.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from core.oncall.views import coverage_gaps, load_state, who_for
from core.ports import UnitOfWork
from storage.metrics_queries import read_figures
from web.deps import deps_of
from web.metrics_families import Ahead, ScrapeCollector, Snapshot

AHEAD_TTL = 60.0
AHEAD_WINDOW = timedelta(days=14)


@dataclass
class AheadCache:
    """The last schedule figures and when (monotonic seconds) they were computed."""

    value: Ahead | None = None
    computed: float = 0.0
    lock: asyncio.Lock | None = None


CACHE = web.AppKey("metrics_ahead", AheadCache)


async def compute_ahead(uow: UnitOfWork, now: datetime) -> Ahead:
    """Gap hours in ``[now, now + 14 days)`` per configured service (with its importance) and
    people on call at ``now`` per configured schedule (1, or 0 in a gap), inside the entered
    unit ``uow``. No configuration applied: both empty."""
    state = await load_state(uow, now, now + AHEAD_WINDOW)
    config = state.config
    gaps: dict[tuple[str, str], float] = {}
    for service in config.services:
        found = coverage_gaps(state, service.id, now, now + AHEAD_WINDOW)
        seconds = sum((g.end - g.start).total_seconds() for g in found)
        gaps[(service.id, service.importance)] = round(seconds / 3600, 4)
    on_call = {s.id: int(who_for(state, s.id, now) is not None) for s in config.schedules}
    return Ahead(gaps, on_call)


async def _ahead(request: web.Request, uow: UnitOfWork, now: datetime) -> Ahead:
    cache = request.app[CACHE]
    if cache.lock is None:
        cache.lock = asyncio.Lock()
    async with cache.lock:  # one computation at a time; the others use its result
        fresh = time.monotonic() - cache.computed < AHEAD_TTL
        if cache.value is None or not fresh:
            cache.value = await compute_ahead(uow, now)
            cache.computed = time.monotonic()
        return cache.value


async def exposition(request: web.Request) -> web.Response:
    """The scrape: read, collect into a fresh registry, write the text format."""
    deps = deps_of(request)
    now = deps.clock.now()
    async with deps.read_unit() as uow:
        figures = await read_figures(uow)
        ahead = await _ahead(request, uow, now)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(ScrapeCollector(Snapshot(figures, ahead, now, deps.tick_age())))
    response = web.Response(body=generate_latest(registry))
    response.headers["Content-Type"] = CONTENT_TYPE_LATEST
    response.headers["Cache-Control"] = "no-store"
    return response


def register(app: web.Application) -> None:
    """Add ``GET /metrics`` to ``app``."""
    app[CACHE] = AheadCache()
    app.router.add_get("/metrics", exposition)
