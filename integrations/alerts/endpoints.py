"""``POST /alerts/alertmanager`` and ``POST /alerts/generic``.

Checks, in order: the bearer token (503 while ``ONCALL_ALERT_TOKEN`` is unset, 401 when wrong,
compared in constant time), the body size (413 over 1 MiB), JSON (400: through
:func:`integrations.json_body.decode_json`, so invalid UTF-8, nesting deeper than 64 levels,
``NaN``, huge numbers and strings PostgreSQL cannot store are refused too), required fields (400
naming the field). Alertmanager does not retry a 4xx, so only a fault of ours (the database
out of reach) answers 5xx, which it does retry. Nothing is stored before every check passed.

A good delivery is stored in the inbox as it came (group-committed with the deliveries that
arrive with it) and answered ``202 {"status": "accepted", "id": N}`` at once; the inbox
processor turns it into incidents moments later, in order.
"""

from __future__ import annotations

import hmac
import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import SQLAlchemyError

from core.incidents.inbox import batch_to_json
from core.incidents.ports import AlertBatch
from core.ports import Clock
from integrations.alerts.inbox_writer import InboxWriter
from integrations.alerts.payloads import AlertmanagerPayload, GenericAlert
from integrations.alerts.refusals import Refusals
from integrations.json_body import BadJSON, decode_json
from integrations.json_body import read_body as read_within  # read_body here is ours

log = logging.getLogger(__name__)
MAX_BODY_BYTES = 1024 * 1024
INTAKE_OFF = "alert intake is off: set ONCALL_ALERT_TOKEN and send it as a bearer token"
Handler = Callable[[web.Request], Awaitable[web.Response]]


def _error(status: int, message: str, **extra: Any) -> web.Response:
    return web.json_response({"error": message, **extra}, status=status)


def _field(error: dict[str, Any]) -> str:
    out = ""
    for part in error["loc"]:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "body"


async def _read_json(request: web.Request, token: str | None) -> Any:
    """The body as JSON after the token and size checks; raises a ready-made error response."""
    return decoded(await read_body(request, token))


async def read_body(request: web.Request, token: str | None) -> bytes:
    """The raw body after the token and size checks (503, 401, 413 as ready-made responses;
    408 when it takes longer than ``integrations.json_body.BODY_READ_SECONDS`` to arrive);
    the heartbeat endpoint, whose body is optional, shares them."""
    if not token:
        raise web.HTTPServiceUnavailable(
            text=json.dumps({"error": INTAKE_OFF}),
            content_type="application/json",
        )
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        given.strip().encode(), token.encode()
    ):
        raise web.HTTPUnauthorized(
            text=json.dumps({"error": "missing or wrong bearer token"}),
            content_type="application/json",
            headers={"WWW-Authenticate": 'Bearer realm="oncall alerts"'},
        )
    try:
        return await read_within(request)
    except web.HTTPRequestEntityTooLarge:
        raise web.HTTPRequestEntityTooLarge(
            max_size=MAX_BODY_BYTES,
            actual_size=request.content_length or 0,
            text=json.dumps({"error": "the body is larger than 1 MiB"}),
            content_type="application/json",
        ) from None


def decoded(body: bytes) -> Any:
    """``body`` as JSON (400 as a ready-made response when it is not)."""
    try:
        return decode_json(body)
    except BadJSON as exc:
        raise web.HTTPBadRequest(
            text=json.dumps({"error": f"the body is not JSON: {exc}"}),
            content_type="application/json",
        ) from None


def _validate(model: type[BaseModel], data: Any) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        field = _field(first)
        message = f"{field}: {first['msg']}"
        raise web.HTTPBadRequest(
            text=json.dumps({"error": message, "field": field}), content_type="application/json"
        ) from None


Stored = Callable[[AlertBatch, datetime], Awaitable[int]]


def inbox_store(writer: InboxWriter, on_stored: Callable[[], None]) -> Stored:
    """Store a delivery through ``writer``, then wake whoever works off the inbox."""

    async def store(batch: AlertBatch, received_at: datetime) -> int:
        delivery_id = await writer.store(batch.source, received_at, batch_to_json(batch))
        on_stored()
        return delivery_id

    return store


async def _store(
    batch: AlertBatch, store: Stored, clock: Clock, refusals: Refusals
) -> web.Response:
    """Store and answer 202; 503 with Retry-After when the database cannot take it (out of
    reach, or SQLite's disk full), logged once per run of refusals (``refusals``)."""
    try:
        delivery_id = await store(batch, clock.now())
    except (SQLAlchemyError, OSError) as exc:
        return refusals.refuse(exc)
    refusals.stored()
    return web.json_response({"status": "accepted", "id": delivery_id}, status=202)


def alertmanager_handler(
    token: str | None, store: Stored, clock: Clock, refusals: Refusals | None = None
) -> Handler:
    """The Alertmanager webhook receiver."""
    counted = refusals or Refusals()

    async def handler(request: web.Request) -> web.Response:
        data = await _read_json(request, token)
        payload: AlertmanagerPayload = _validate(AlertmanagerPayload, data)
        return await _store(payload.to_batch(), store, clock, counted)

    return handler


def generic_handler(
    token: str | None, store: Stored, clock: Clock, refusals: Refusals | None = None
) -> Handler:
    """The simple JSON alert receiver."""
    counted = refusals or Refusals()

    async def handler(request: web.Request) -> web.Response:
        data = await _read_json(request, token)
        alert: GenericAlert = _validate(GenericAlert, data)
        if alert.status == "resolved" and alert.dedup_key is None:
            return _error(400, "dedup_key: required to resolve an alert", field="dedup_key")
        batch = alert.to_batch(clock.now(), f"generic-{uuid.uuid4().hex}")
        return await _store(batch, store, clock, counted)

    return handler


def add_routes(app: web.Application, token: str | None, store: Stored, clock: Clock) -> None:
    """Mount both alert endpoints; they share one count of refusals (one log per outage)."""
    refusals = Refusals()
    app.router.add_post("/alerts/alertmanager", alertmanager_handler(token, store, clock, refusals))
    app.router.add_post("/alerts/generic", generic_handler(token, store, clock, refusals))
