"""The alert intake's answer when a delivery cannot be stored, and its log, once per outage.

The database out of reach (PostgreSQL stopped, a network cut) or refusing the write (SQLite's
disk full) is our fault, not the sender's: the answer is ``503`` with ``Retry-After`` so
Alertmanager (which retries any 5xx) and other senders come back, never a ``500``. During an
outage every delivery fails the same way, hundreds a second in an alert storm, so the reason
is logged once when refusals start (an ERROR naming the cause, e.g. "database or disk is
full") and once when a delivery is stored again (a WARNING with how many were refused and for
how long); the refusals in between are only counted.
"""

from __future__ import annotations

import logging
import time

from aiohttp import web
from sqlalchemy.exc import DBAPIError

log = logging.getLogger("integrations.alerts.endpoints")
RETRY_AFTER_SECONDS = 5
NOT_STORED = "the alert could not be stored; retry"


def reason(exc: BaseException) -> str:
    """One short line saying why: the driver's own first line (no SQL, no parameters), else
    the exception's type."""
    cause: BaseException | None = exc.orig if isinstance(exc, DBAPIError) else exc
    if isinstance(exc, DBAPIError) and not isinstance(cause, BaseException):
        cause = None
    text = str(cause).strip().splitlines()[0][:200] if cause is not None and str(cause) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class Refusals:
    """Counts refused deliveries of one server; see the module docstring for what is logged."""

    def __init__(self, *, retry_after: int = RETRY_AFTER_SECONDS) -> None:
        self.retry_after = retry_after
        self.refused = 0
        self._since: float | None = None

    def refuse(self, exc: BaseException) -> web.Response:
        """The 503 answer for a delivery that was not stored because of ``exc``."""
        if self.refused == 0:
            self._since = time.monotonic()
            log.error(
                "alerts are not being stored (%s); senders are answered 503 with Retry-After "
                "%d s and will retry",
                reason(exc),
                self.retry_after,
            )
        self.refused += 1
        return web.json_response(
            {"error": NOT_STORED},
            status=503,
            headers={"Retry-After": str(self.retry_after)},
        )

    def stored(self) -> None:
        """A delivery was stored: ends a run of refusals (logged) if there was one."""
        if self.refused == 0:
            return
        lasted = time.monotonic() - (self._since or time.monotonic())
        log.warning("alerts are stored again, after %d refused over %.1f s", self.refused, lasted)
        self.refused = 0
        self._since = None
