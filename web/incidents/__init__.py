"""The dashboard's incidents: its models, queries, API operations and pages."""

from __future__ import annotations

from aiohttp import web

from web.openapi import Api


def register(app: web.Application, api: Api) -> None:
    """Add this area's pages to ``app`` and its operations to ``api``."""
