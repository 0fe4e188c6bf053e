"""Reading request bodies within a time limit, for the dashboard's forms and API posts.

A client that sends its headers and then a byte a second must not hold a connection and a
handler for as long as it likes (``integrations.json_body.read_body`` does the same for the
alert, Slack and Teams endpoints; ``web/`` may not import ``integrations``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

from aiohttp import web

BODY_READ_SECONDS = 10.0
"""How long a dashboard request's body may take to arrive."""

T = TypeVar("T")


async def within_limit(reading: Awaitable[T], seconds: float | None = None) -> T:
    """``reading`` (``request.read()``, ``request.post()``) done within ``seconds`` (default
    :data:`BODY_READ_SECONDS`, looked up at call time); else 408 and the connection closed."""
    try:
        async with asyncio.timeout(BODY_READ_SECONDS if seconds is None else seconds):
            return await reading
    except TimeoutError:
        raise web.HTTPRequestTimeout(
            text="the request body did not arrive in time", headers={"Connection": "close"}
        ) from None
