"""``GET /metrics``: the Prometheus exposition."""

from __future__ import annotations

from aiohttp import web


def register(app: web.Application) -> None:
    """Add ``GET /metrics`` to ``app``."""
