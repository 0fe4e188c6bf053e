"""``POST /alerts/heartbeat/<name>``: a beat of a configured heartbeat.

Checks, in order, the alert endpoints' own (:func:`integrations.alerts.endpoints.read_body`):
the bearer token (503 while ``ONCALL_ALERT_TOKEN`` is unset, 401 when wrong), the body size
(413 over 1 MiB); then the body, which is optional: an empty one is fine, anything else must be
JSON (400 otherwise, through :func:`integrations.json_body.decode_json`; what it says is not
kept). Then the name: one no heartbeat of the stored configuration has is 404 with a JSON error.
Nothing is stored before every check passed.

A good beat is committed before the answer (``200 {"status": "ok", ...}``), through an
asynchronous unit of work, so the event loop never waits on the database; the database out of
reach answers 503, which a sender retries. The worker's next heartbeat check resolves the
heartbeat's silence incident, if it had one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from core.heartbeats.service import record_beat
from core.ports import Clock, UnitOfWork
from integrations.alerts.endpoints import Handler, decoded, read_body
from integrations.alerts.refusals import RETRY_AFTER_SECONDS

log = logging.getLogger(__name__)
PATH = "/alerts/heartbeat/{name}"


def heartbeat_handler(
    token: str | None, new_unit: Callable[[], UnitOfWork], clock: Clock
) -> Handler:
    """The heartbeat receiver; ``new_unit`` gives the unit of work each beat is stored in."""

    async def handler(request: web.Request) -> web.Response:
        body = await read_body(request, token)
        if body.strip():
            decoded(body)
        name = request.match_info["name"]
        now = clock.now()
        try:
            known = await record_beat(new_unit(), name, now)
        except (SQLAlchemyError, OSError) as exc:
            log.error("heartbeat not stored, the sender should retry: %s", type(exc).__name__)
            return web.json_response(
                {"error": "the beat could not be stored; retry"},
                status=503,
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
        if not known:
            return web.json_response(
                {"error": f"no heartbeat named {name!r} is configured", "heartbeat": name},
                status=404,
            )
        return web.json_response({"status": "ok", "heartbeat": name, "at": now.isoformat()})

    return handler


def add_heartbeat_route(
    app: web.Application, token: str | None, new_unit: Callable[[], UnitOfWork], clock: Clock
) -> None:
    """Mount ``POST /alerts/heartbeat/<name>``."""
    app.router.add_post(PATH, heartbeat_handler(token, new_unit, clock))
