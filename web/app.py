"""The dashboard, the JSON API and ``/metrics``, added to the one aiohttp application.

:func:`add_dashboard` is called by the composition root (:mod:`bot.app`). The areas
(:mod:`web.readiness`, :mod:`web.schedules`, :mod:`web.incidents`, :mod:`web.load`) each add
their pages and declare their API operations on one :class:`web.openapi.Api`, which serves
``/api/v1/openapi.json``.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from web import access, incidents, load, login, metrics, readiness, schedules
from web.deps import WEB, WebDeps
from web.openapi import Api
from web.problems import api_problems

STATIC = Path(__file__).with_name("static")


def add_dashboard(app: web.Application, deps: WebDeps) -> Api:
    """Add every page, API operation, ``/metrics``, the login form and the style sheet to
    ``app`` (before it starts); returns the API registry (its document is what
    ``/api/v1/openapi.json`` serves)."""
    app[WEB] = deps
    app.middlewares.append(access.guard)
    app.middlewares.append(api_problems)
    api = Api()
    for area in (readiness, schedules, incidents, load):
        area.register(app, api)
    api.add_routes(app)
    metrics.register(app)
    login.add_routes(app)
    app.router.add_static("/static/", STATIC, append_version=False)
    return api
