"""``POST /alerts/heartbeat/<name>`` over real HTTP on SQLite and PostgreSQL, end to end: a
heartbeat missed and resumed (one incident, paged, resolved by the next beat), Watchdog
deliveries through the Alertmanager endpoint beat and open nothing, and bad names, tokens and
bodies are 4xx with nothing stored."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from core.config.apply import apply_configuration
from core.config.model import Heartbeat
from core.heartbeats.service import check_heartbeats
from integrations.config_repo.loader import load_configuration
from storage.heartbeat_tables import HeartbeatRow
from storage.incident_tables import InboxRow, IncidentRow, OutboxRow
from storage.uow import SqlUnitOfWork, session_factory
from tests.fakes import FrozenClock
from tests.support import EXAMPLE_CONFIG, running_app
from tests.unit.oncall.common import at

TOKEN = "s3cret-token"
NOW = at("2026-03-04 11:00")
MIN = timedelta(minutes=1)
BEATS = (
    Heartbeat.model_validate({"name": "prom", "interval": "5m", "service": "checkout-api"}),
    Heartbeat.model_validate(
        {"name": "am", "interval": "5m", "service": "kubernetes", "watchdog": {"cluster": "eu"}}
    ),
)


def unit(engine: AsyncEngine, write: bool = True) -> SqlUnitOfWork:
    return SqlUnitOfWork(session_factory(engine), write=write)


async def apply(engine: AsyncEngine) -> None:
    config = load_configuration(EXAMPLE_CONFIG).model_copy(update={"heartbeats": BEATS})
    await apply_configuration(unit(engine), config, actor="t", source="t", now=NOW - MIN)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
async def base(engine: AsyncEngine, clock: FrozenClock) -> AsyncIterator[str]:
    await apply(engine)
    async with running_app(engine, clock, ONCALL_ALERT_TOKEN=TOKEN) as url:
        yield url


async def post(
    url: str, data: bytes = b"", *, token: str | None = TOKEN, content_type: str | None = None
) -> tuple[int, dict[str, Any]]:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    if content_type:
        headers["Content-Type"] = content_type
    timeout = aiohttp.ClientTimeout(total=15)
    async with (
        aiohttp.ClientSession(timeout=timeout) as session,
        session.post(url, data=data, headers=headers) as response,
    ):
        return response.status, await response.json(content_type=None)


async def beats(engine: AsyncEngine) -> dict[str, int]:
    async with engine.connect() as conn:
        return {r.name: r.beats for r in await conn.execute(select(HeartbeatRow))}


async def incidents(engine: AsyncEngine, key: str = "prom") -> list[tuple[str, str, str, str]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(IncidentRow).where(IncidentRow.dedup_key == key).order_by(IncidentRow.id)
        )
        return [(r.source, r.dedup_key, r.title, r.status) for r in rows]


async def check(engine: AsyncEngine, clock: FrozenClock, name: str = "prom") -> dict[str, str]:
    """What the check did to heartbeat ``name`` (the other one is silent in these tests)."""
    done = await check_heartbeats(unit(engine), clock.now(), read=unit(engine, False))
    return {k: v for k, v in done.items() if k == name}


async def test_missed_and_resumed_over_http(
    engine: AsyncEngine, base: str, clock: FrozenClock
) -> None:
    status, body = await post(f"{base}/alerts/heartbeat/prom")
    assert (status, body) == (200, {"status": "ok", "heartbeat": "prom", "at": NOW.isoformat()})
    assert await beats(engine) == {"prom": 1}  # durable when answered
    assert await check(engine, clock) == {}
    clock.advance(minutes=6)
    assert await check(engine, clock) == {"prom": "missed"}
    clock.advance(minutes=1)
    assert await check(engine, clock) == {}
    assert await incidents(engine) == [
        ("heartbeat", "prom", "Monitoring pipeline silent: prom", "triggered")
    ]
    async with engine.connect() as conn:
        row = (await conn.execute(select(IncidentRow).where(IncidentRow.dedup_key == "prom"))).one()
        kinds = (await conn.execute(select(OutboxRow.kind))).scalars().all()
    assert (row.service_id, row.severity) == ("checkout-api", "critical")
    assert "page" in kinds  # through the normal path: it pages
    status, _ = await post(
        f"{base}/alerts/heartbeat/prom", b'{"note": "back"}', content_type="application/json"
    )
    assert status == 200
    assert await check(engine, clock) == {"prom": "resumed"}
    assert await incidents(engine) == [
        ("heartbeat", "prom", "Monitoring pipeline silent: prom", "resolved")
    ]


async def test_watchdog_through_alertmanager_beats_and_opens_nothing(
    engine: AsyncEngine, base: str, clock: FrozenClock
) -> None:
    labels = {"alertname": "Watchdog", "cluster": "eu", "severity": "none"}
    payload = {
        "version": "4",
        "groupKey": '{}:{alertname="Watchdog"}',
        "status": "firing",
        "commonLabels": labels,
        "alerts": [
            {
                "status": "firing",
                "labels": labels,
                "startsAt": "2026-03-01T00:00:00Z",
                "fingerprint": "fp-watchdog",
            }
        ],
    }
    status, _ = await post(f"{base}/alerts/alertmanager", json.dumps(payload).encode())
    assert status == 202
    deadline = asyncio.get_running_loop().time() + 15
    while (await beats(engine)).get("am") != 1:
        assert asyncio.get_running_loop().time() < deadline, "the watchdog was not processed"
        await asyncio.sleep(0.05)
    async with engine.connect() as conn:
        (inbox,) = (await conn.execute(select(InboxRow))).all()
    assert (inbox.action, inbox.incident_id) == ("ignored", None)
    clock.advance(minutes=5)
    assert await check(engine, clock, "am") == {}  # beaten at 11:00: due at 11:06
    assert await incidents(engine, "am") == []


async def counts(engine: AsyncEngine) -> tuple[int, int]:
    async with engine.connect() as conn:
        out = []
        for table in (HeartbeatRow, IncidentRow):
            query = select(func.count()).select_from(table)
            out.append(int((await conn.execute(query)).scalar_one()))
        return out[0], out[1]


@pytest.mark.parametrize(
    ("path", "data", "token", "status", "words"),
    [
        ("prom", b"", None, 401, "bearer token"),
        ("prom", b"", "wrong", 401, "bearer token"),
        ("nope", b"", TOKEN, 404, "no heartbeat named 'nope'"),
        ("prom", b"{not json", TOKEN, 400, "not JSON"),
        ("prom", b'{"a": NaN}', TOKEN, 400, "not JSON"),
        ("prom", b"[" * 100 + b"]" * 100, TOKEN, 400, "not JSON"),
        ("prom", b"\xff\xfe{}", TOKEN, 400, "not JSON"),
        ("prom", b'{"a": "\\u0000"}', TOKEN, 400, "not JSON"),
        ("prom", b'{"big": "' + b"x" * (1024 * 1024) + b'"}', TOKEN, 413, "larger than 1 MiB"),
    ],
)
async def test_bad_input_is_4xx_and_stores_nothing(
    engine: AsyncEngine,
    base: str,
    path: str,
    data: bytes,
    token: str | None,
    status: int,
    words: str,
) -> None:
    before = await counts(engine)
    got, body = await post(f"{base}/alerts/heartbeat/{path}", data, token=token)
    assert got == status and words in body["error"]
    assert await counts(engine) == before == (0, 0)


async def test_503_until_a_token_is_set(engine: AsyncEngine, clock: FrozenClock) -> None:
    await apply(engine)
    async with running_app(engine, clock) as url:
        status, body = await post(f"{url}/alerts/heartbeat/prom")
    assert status == 503 and "set ONCALL_ALERT_TOKEN" in body["error"]
    assert await counts(engine) == (0, 0)


async def test_a_beat_the_database_cannot_take_is_503_with_retry_after(
    clock: FrozenClock,
) -> None:
    from aiohttp import web
    from aiohttp.test_utils import TestClient, TestServer

    from integrations.alerts.heartbeat import PATH, heartbeat_handler
    from integrations.alerts.refusals import RETRY_AFTER_SECONDS

    class DiskFull:
        async def __aenter__(self) -> DiskFull:
            raise OSError(28, "No space left on device")

        async def __aexit__(self, *exc: object) -> None:
            return None

    app = web.Application()
    app.router.add_post(PATH, heartbeat_handler("t0ken", DiskFull, clock))  # type: ignore[arg-type]
    async with TestClient(TestServer(app)) as client:
        response = await client.post(
            "/alerts/heartbeat/nightly-backup", headers={"Authorization": "Bearer t0ken"}
        )
        assert response.status == 503
        assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
        assert "retry" in (await response.json())["error"]
