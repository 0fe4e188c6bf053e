"""The generic ticket webhook: each ticket event as a signed JSON POST to
``ONCALL_TICKET_WEBHOOK_URL`` (docs/ticketing.md shows how to verify it).

Signed like Slack's requests: ``X-Oncall-Request-Timestamp: <unix seconds>`` and
``X-Oncall-Signature: v0=<hex HMAC-SHA256 of "v0:<timestamp>:<body>">`` keyed with
``ONCALL_TICKET_WEBHOOK_SECRET``. ``X-Oncall-Idempotency-Key`` (one per incident) and
``X-Oncall-Delivery`` (one per event; a redelivery repeats it) let the receiver drop repeats.
The answer to ``open`` may name the ticket: ``{"key": "...", "url": "https://..."}``; else
the ticket's key is the idempotency key and it has no URL. ``resolve`` is one event (the
closing comment and the close together).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from core.ports import Clock
from core.tickets.document import Document
from core.tickets.markup import clean, markdown, safe_url
from core.tickets.ports import TicketRecord
from integrations.ticketing.http import TIMEOUT, TrackerClient
from integrations.ticketing.tracker import Created, TicketEvent


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``v0=<hex>``: HMAC-SHA256 of ``v0:<timestamp>:<body>`` keyed with ``secret``."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


class WebhookTracker:
    system = "webhook"

    def __init__(self, url: str, secret: str, clock: Clock, *, timeout: Any = TIMEOUT) -> None:
        parts = urlsplit(url)
        self._path = urlunsplit(("", "", parts.path or "/", parts.query, ""))
        base = urlunsplit((parts.scheme, parts.netloc, "", "", ""))
        self._client = TrackerClient(
            base,
            {"Content-Type": "application/json"},
            clock,
            secrets=[secret],
            timeout=timeout,
            name="ticket webhook",
        )
        self._secret = secret
        self._clock = clock

    async def _post(self, event: TicketEvent, extra: dict[str, Any]) -> Any:
        document = {
            "event": event.kind,
            "delivery": event.key,
            "idempotency_key": event.idempotency_key,
            "incident": dict(event.snapshot),
            "incident_url": event.incident_url,
            "actor": event.payload.get("actor"),
            "review": event.payload.get("review"),
            **extra,
        }
        body = json.dumps(document, sort_keys=True, separators=(",", ":")).encode()
        timestamp = str(int(self._clock.now().timestamp()))
        headers = {
            "X-Oncall-Request-Timestamp": timestamp,
            "X-Oncall-Signature": signature(self._secret, timestamp, body),
            "X-Oncall-Idempotency-Key": event.idempotency_key,
            "X-Oncall-Delivery": event.key,
        }
        _, answer = await self._client.call("POST", self._path, data=body, headers=headers)
        return answer

    async def find(self, event: TicketEvent) -> Created | None:
        return None  # the receiver drops a repeated open by its idempotency key

    async def create(self, event: TicketEvent) -> Created:
        text = event.text
        assert text is not None
        answer = await self._post(
            event,
            {
                "ticket": None,
                "summary": text.summary,
                "priority": text.priority,
                "assignee": text.assignee,
                "text": markdown(text.body),
            },
        )
        named = answer if isinstance(answer, dict) else {}
        key = clean(named.get("key"), 100) if isinstance(named.get("key"), str) else ""
        return Created(key or event.idempotency_key, safe_url(named.get("url")), assigned=True)

    async def comment(self, ticket: TicketRecord, event: TicketEvent, body: Document) -> str | None:
        link = {"system": ticket.system, "key": ticket.key, "url": ticket.url}
        await self._post(event, {"ticket": link, "text": markdown(body)})
        return None

    async def assign(self, ticket: TicketRecord, event: TicketEvent, person_id: str) -> bool:
        return True  # the event just sent names the incident's assignee

    async def close(self, ticket: TicketRecord, event: TicketEvent) -> None:
        return None  # the resolve event closed it

    async def aclose(self) -> None:
        await self._client.aclose()
