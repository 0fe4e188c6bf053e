"""Liveness and readiness endpoints."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from aiohttp import web

ReadinessCheck = Callable[[], Awaitable[str | None]]


async def healthz(_request: web.Request) -> web.Response:
    """Liveness: the process answers. Never touches the database."""
    return web.json_response({"status": "ok"})


def readiness_handler(
    checks: dict[str, ReadinessCheck], *, within: float = 2.0
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """Readiness: every check returns None when fine, or a short reason.

    A check that takes longer than ``within`` seconds counts as failed. The answer is 200 with
    ``{"status": "ready", "checks": {...: "ok"}}``, or 503 naming what is not ready.
    """

    async def readyz(_request: web.Request) -> web.Response:
        results: dict[str, str] = {}
        for name, check in checks.items():
            try:
                async with asyncio.timeout(within):
                    problem = await check()
            except TimeoutError:
                problem = f"no answer within {within:g}s"
            except Exception as exc:
                problem = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
            results[name] = problem or "ok"
        ready = all(value == "ok" for value in results.values())
        return web.json_response(
            {"status": "ready" if ready else "not ready", "checks": results},
            status=200 if ready else 503,
        )

    return readyz
