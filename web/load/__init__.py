"""The dashboard's load: per person hours on call, pages, off-hours minutes and rest granted,
compared across a team as bars (``GET /load``), and ``GET /api/v1/report`` and
``GET /api/v1/load``."""

from __future__ import annotations

from aiohttp import web

from web.load import api as load_api
from web.load import pages
from web.openapi import Api


def register(app: web.Application, api: Api) -> None:
    """Add this area's pages to ``app`` and its operations to ``api``."""
    load_api.register(api)
    app.router.add_get("/load", pages.load_page)
