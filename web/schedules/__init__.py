"""The dashboard's schedules: every schedule's page and the schedules API.

``models`` (the API's pydantic models), ``data`` (what is read, through the core use cases),
``api`` (the operations) and ``pages`` (the server-rendered pages).
"""

from __future__ import annotations

from aiohttp import web

from web.openapi import Api
from web.schedules import api as schedules_api
from web.schedules import pages


def register(app: web.Application, api: Api) -> None:
    """Add this area's pages to ``app`` and its operations to ``api``."""
    pages.add_routes(app)
    schedules_api.register(api)
