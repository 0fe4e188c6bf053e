"""The dashboard's readiness: its models, queries, API operations and pages.

``GET /`` (:mod:`web.readiness.pages`) and ``/api/v1/services``, ``/api/v1/oncall``,
``/api/v1/gaps`` (:mod:`web.readiness.api`), both answered from :mod:`web.readiness.data`.
"""

from __future__ import annotations

from aiohttp import web

from web.openapi import Api
from web.readiness import api as readiness_api
from web.readiness import pages


def register(app: web.Application, api: Api) -> None:
    """Add this area's pages to ``app`` and its operations to ``api``."""
    pages.add_routes(app)
    readiness_api.register(api)
