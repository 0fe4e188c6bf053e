"""What the dashboard, the JSON API and ``/metrics`` are given by the composition root.

``web/`` imports core and storage only; everything else it needs (units of work, the clock,
the dashboard token) arrives here, built by :mod:`bot.app` from the one Settings object.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web

from core.ports import Clock, UnitOfWork


@dataclass(frozen=True)
class WebDeps:
    """The dashboard's view of the running process.

    ``token`` is ``ONCALL_DASHBOARD_TOKEN``: when set, every page, API call and ``/metrics``
    needs it (a bearer token, or the session cookie the login form sets); when None (only
    allowed on a loopback address, which ``oncall serve`` enforces) they answer without.
    ``secure_cookies`` is True when the dashboard is reached over HTTPS (``ONCALL_PUBLIC_URL``).
    ``tick_age`` answers how many seconds ago the scheduling loop last ticked (None: not yet,
    or unknown in this process).
    """

    read_unit: Callable[[], UnitOfWork]
    write_unit: Callable[[], UnitOfWork]
    clock: Clock
    public_url: str
    token: str | None = None
    secure_cookies: bool = False
    tick_age: Callable[[], float | None] = lambda: None


WEB = web.AppKey("web", WebDeps)


def deps_of(request: web.Request) -> WebDeps:
    """The :class:`WebDeps` of the application serving ``request``."""
    return request.app[WEB]
