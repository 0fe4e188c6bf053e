"""The dashboard's incidents: its models, queries, API operations and pages.

Pages: ``GET /incidents``, ``GET /incidents/{id}`` and its acknowledge and resolve forms
(:mod:`web.incidents.pages`). API: ``/api/v1/incidents[...]`` (:mod:`web.incidents.api`).
"""

from __future__ import annotations

from aiohttp import web

from web.incidents import api as incidents_api
from web.incidents import pages
from web.openapi import Api


def register(app: web.Application, api: Api) -> None:
    """Add this area's pages to ``app`` and its operations to ``api``."""
    pages.add_routes(app)
    incidents_api.register(api)
