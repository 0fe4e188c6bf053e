"""A delivery the database cannot take (out of reach, SQLite's disk full) is answered 503
with Retry-After, never 500; the outage is logged once when it starts and once when a
delivery is stored again, not once per refused delivery. (tests/proof/test_database_faults.py
proves it on a real full disk and a stopped PostgreSQL.)"""

from __future__ import annotations

import logging
import sqlite3
from datetime import datetime

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.exc import OperationalError

from core.incidents.ports import AlertBatch
from integrations.alerts.endpoints import add_routes
from integrations.alerts.refusals import RETRY_AFTER_SECONDS, reason
from tests.fakes import FrozenClock
from tests.integration.test_alert_intake import NOW, PAYLOAD, TOKEN

DISK_FULL = OperationalError(
    "INSERT INTO inbox ...", {}, sqlite3.OperationalError("database or disk is full")
)


class FlakyStore:
    """Stores (ids 1, 2, ...) unless ``failing``, when it raises what SQLite raises on ENOSPC."""

    def __init__(self) -> None:
        self.failing = False
        self.stored: list[AlertBatch] = []

    async def __call__(self, batch: AlertBatch, _received_at: datetime) -> int:
        if self.failing:
            raise DISK_FULL
        self.stored.append(batch)
        return len(self.stored)


async def test_full_disk_is_503_with_retry_after_and_logged_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = FlakyStore()
    app = web.Application()
    add_routes(app, TOKEN, store, FrozenClock(NOW))
    headers = {"Authorization": f"Bearer {TOKEN}"}
    caplog.set_level(logging.INFO, logger="integrations.alerts.endpoints")
    async with TestClient(TestServer(app)) as client:
        store.failing = True
        for path in ("/alerts/alertmanager", "/alerts/alertmanager", "/alerts/generic"):
            body = PAYLOAD if path.endswith("alertmanager") else {"title": "disk"}
            response = await client.post(path, json=body, headers=headers)
            assert response.status == 503
            assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
            assert await response.json() == {"error": "the alert could not be stored; retry"}
        assert store.stored == []
        errors = [r for r in caplog.records if r.levelno == logging.ERROR]
        assert len(errors) == 1, [r.getMessage() for r in errors]
        assert "database or disk is full" in errors[0].getMessage()
        assert "INSERT" not in errors[0].getMessage()  # no SQL in the log

        store.failing = False
        response = await client.post("/alerts/alertmanager", json=PAYLOAD, headers=headers)
        assert response.status == 202 and (await response.json())["id"] == 1
        response = await client.post("/alerts/alertmanager", json=PAYLOAD, headers=headers)
        assert response.status == 202
    recovered = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(recovered) == 1 and "after 3 refused" in recovered[0], recovered


def test_reason_is_one_line_without_sql() -> None:
    assert reason(DISK_FULL) == "OperationalError: database or disk is full"
    assert reason(ConnectionRefusedError(111, "Connect call failed")) == (
        "ConnectionRefusedError: [Errno 111] Connect call failed"
    )
    assert reason(OSError()) == "OSError"
