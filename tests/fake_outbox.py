"""The in-memory outbox and alert inbox, like ``storage/outbox_repo.py`` and
``storage/inbox_repo.py``, on a fake :class:`~tests.fake_store.Store`."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from core.incidents.inbox import PendingDelivery
from core.incidents.ports import ClaimedMessage, MessageStatus, OutboxMessage
from tests.fake_store import InboxRow, OutboxRow, Store, as_json, instant


class FakeOutbox:
    """Implements :class:`core.incidents.ports.OutboxRepository` like SqlOutbox: keys are
    unique, a claim leases ready messages and counts the attempt, ``defer`` uncounts it."""

    def __init__(self, store: Store) -> None:
        self._store = store

    async def add(self, message: OutboxMessage) -> bool:
        return await self.add_many([message]) == 1

    async def for_incident(self, incident_id: int) -> list[MessageStatus]:
        return [
            MessageStatus(
                r.kind,
                r.destination,
                r.status,
                r.attempts,
                r.created_at,
                r.sent_at,
                r.last_error,
                r.payload.get("person") if r.kind == "page" else None,
            )
            for r in sorted(self._store.outbox.values(), key=lambda r: r.id)
            if r.incident_id == incident_id
        ]

    async def add_many(self, messages: Sequence[OutboxMessage]) -> int:
        new = 0
        for m in messages:
            if m.key in self._store.outbox:
                continue
            created = instant(m.created_at)
            self._store.outbox[m.key] = OutboxRow(
                id=self._store.new_row_id("outbox"),
                key=m.key,
                destination=m.destination,
                kind=m.kind,
                payload=as_json(m.payload),
                created_at=created,
                incident_id=m.incident_id,
                next_attempt_at=created,
            )
            new += 1
        return new

    def _row(self, message_id: int) -> OutboxRow | None:
        return next((r for r in self._store.outbox.values() if r.id == message_id), None)

    async def known_keys(self, keys: Sequence[str]) -> set[str]:
        return {k for k in keys if k in self._store.outbox}

    async def claim(self, now: datetime, limit: int, lease: timedelta) -> list[ClaimedMessage]:
        """Pending messages due by ``now`` whose lease (if any) ran out, in id order."""
        now = instant(now)
        ready = [
            r
            for r in sorted(self._store.outbox.values(), key=lambda r: (r.kind != "page", r.id))
            if r.status == "pending"
            and r.next_attempt_at <= now
            and (r.lease_until is None or r.lease_until <= now)
        ][: max(limit, 0)]
        for row in ready:
            row.lease_until, row.attempts = now + lease, row.attempts + 1
        return [
            ClaimedMessage(
                r.id,
                r.key,
                r.destination,
                r.kind,
                copy.deepcopy(r.payload),
                r.attempts,
                r.incident_id,
            )
            for r in ready
        ]

    def _update(self, message_id: int, **values: Any) -> None:
        row = self._row(message_id)
        if row is not None:
            for name, value in values.items():
                setattr(row, name, value)

    async def sent(self, message_id: int, now: datetime) -> None:
        self._update(message_id, status="sent", sent_at=instant(now), lease_until=None)

    async def retry(self, message_id: int, at: datetime, error: str) -> None:
        self._update(
            message_id, next_attempt_at=instant(at), last_error=error[:1000], lease_until=None
        )

    async def defer(self, message_id: int, at: datetime) -> None:
        row = self._row(message_id)
        if row is not None:
            row.next_attempt_at, row.lease_until = instant(at), None
            row.attempts -= 1

    async def failed(self, message_id: int, now: datetime, error: str) -> None:
        self._update(
            message_id, status="failed", last_error=error[:1000], lease_until=None, sent_at=None
        )


class FakeInbox:
    """Implements :class:`core.incidents.ports.InboxRepository` like SqlInbox."""

    def __init__(self, store: Store) -> None:
        self._store = store

    async def add_many(self, rows: Sequence[tuple[str, datetime, dict[str, Any]]]) -> list[int]:
        ids = []
        for source, received_at, batch in rows:
            new_id = self._store.new_row_id("alert_inbox")
            self._store.inbox[new_id] = InboxRow(
                new_id, source, instant(received_at), as_json(batch)
            )
            ids.append(new_id)
        return ids

    async def pending(self, limit: int) -> list[PendingDelivery]:
        rows = [r for r in self._store.inbox.values() if r.status == "pending"][: max(limit, 0)]
        return [
            PendingDelivery(r.id, r.received_at, copy.deepcopy(r.batch), r.attempts) for r in rows
        ]

    async def done(
        self, delivery_id: int, now: datetime, incident_id: int | None, action: str
    ) -> None:
        row = self._store.inbox.get(delivery_id)
        if row is not None:
            row.status, row.processed_at = "done", instant(now)
            row.incident_id, row.action = incident_id, action

    async def attempt_failed(self, delivery_id: int, error: str, give_up: bool) -> None:
        row = self._store.inbox.get(delivery_id)
        if row is not None:
            row.attempts += 1
            row.error = error[:1000]
            row.status = "failed" if give_up else "pending"
