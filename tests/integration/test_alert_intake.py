"""The alert endpoints over real HTTP: good deliveries, deduplication, and every bad input."""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from core.config.apply import apply_configuration
from integrations.config_repo.loader import load_configuration
from storage.incident_tables import AlertRow, IncidentEventRow, IncidentRow, OutboxRow
from storage.uow import SqlUnitOfWork, session_factory
from tests.fakes import FrozenClock
from tests.support import EXAMPLE_CONFIG, running_app
from tests.unit.oncall.common import at

TOKEN = "s3cret-token"
NOW = at("2026-03-04 11:00")

PAYLOAD: dict[str, Any] = {
    "version": "4",
    "groupKey": '{}:{alertname="HighLatency", service="checkout-api"}',
    "truncatedAlerts": 0,
    "status": "firing",
    "receiver": "oncall",
    "groupLabels": {"alertname": "HighLatency", "service": "checkout-api"},
    "commonLabels": {"alertname": "HighLatency", "service": "checkout-api", "severity": "critical"},
    "commonAnnotations": {"summary": "Checkout p99 above 2 s", "runbook_url": "https://runbooks/x"},
    "externalURL": "http://alertmanager:9093",
    "someFutureField": {"ignored": True},
    "alerts": [
        {
            "status": "firing",
            "labels": {
                "alertname": "HighLatency",
                "service": "checkout-api",
                "severity": "critical",
                "pod": pod,
            },
            "annotations": {"summary": "Checkout p99 above 2 s"},
            "startsAt": "2026-03-04T10:58:00Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus:9090/graph",
            "fingerprint": f"fp-{pod}",
        }
        for pod in ("a", "b")
    ],
}


@pytest.fixture
async def base(engine: AsyncEngine) -> AsyncIterator[str]:
    await apply_configuration(
        SqlUnitOfWork(session_factory(engine)),
        load_configuration(EXAMPLE_CONFIG),
        actor="t",
        source="t",
        now=at("2026-01-01 00:00"),
    )
    async with running_app(engine, FrozenClock(NOW), ONCALL_ALERT_TOKEN=TOKEN) as url:
        yield url


async def post(
    url: str, body: Any, *, token: str | None = TOKEN, raw: bytes | None = None
) -> tuple[int, dict[str, Any]]:
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    data = raw if raw is not None else json.dumps(body).encode()
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=data, headers=headers) as response,
    ):
        return response.status, await response.json(content_type=None)


async def counts(engine: AsyncEngine) -> tuple[int, ...]:
    async with engine.connect() as conn:
        out = []
        for table in (IncidentRow, AlertRow, IncidentEventRow, OutboxRow):
            out.append(
                int((await conn.execute(select(func.count()).select_from(table))).scalar_one())
            )
        return tuple(out)


async def test_firing_opens_one_incident_and_pages(engine: AsyncEngine, base: str) -> None:
    status, body = await post(f"{base}/alerts/alertmanager", PAYLOAD)
    assert (status, body) == (200, {"status": "ok", "incident": 1, "action": "opened"})
    async with engine.connect() as conn:
        incident = (await conn.execute(select(IncidentRow))).one()
        kinds = (await conn.execute(select(OutboxRow.kind).order_by(OutboxRow.id))).scalars().all()
    assert (
        incident.service_id,
        incident.team_id,
        incident.policy_id,
        incident.severity,
        incident.status,
    ) == ("checkout-api", "payments", "payments-default", "critical", "triggered")
    assert incident.title == "Checkout p99 above 2 s"
    assert incident.assignee == "sofia"  # payments-primary's holder in the week of 2026-03-02
    assert kinds == ["page", "incident.triggered", "open"]


async def test_duplicates_and_ha_pairs_create_nothing_new(engine: AsyncEngine, base: str) -> None:
    await post(f"{base}/alerts/alertmanager", PAYLOAD)
    before = await counts(engine)
    # A retry, and an HA pair delivering the same group at the same time.
    answers = await asyncio.gather(
        *(post(f"{base}/alerts/alertmanager", PAYLOAD) for _ in range(4))
    )
    assert all(a == (200, {"status": "ok", "incident": 1, "action": "updated"}) for a in answers)
    assert await counts(engine) == before
    # A new alert in the same group joins the incident without paging again.
    grown = copy.deepcopy(PAYLOAD)
    grown["alerts"].append(
        {
            **grown["alerts"][0],
            "fingerprint": "fp-c",
            "labels": {**grown["alerts"][0]["labels"], "pod": "c"},
        }
    )
    assert (await post(f"{base}/alerts/alertmanager", grown))[1]["action"] == "updated"
    incidents, alerts, _, outbox = await counts(engine)
    assert (incidents, alerts, outbox) == (before[0], before[1] + 1, before[3])


async def test_resolved_group_resolves_and_a_later_firing_reopens(
    engine: AsyncEngine, base: str
) -> None:
    await post(f"{base}/alerts/alertmanager", PAYLOAD)
    resolved = copy.deepcopy(PAYLOAD)
    resolved["status"] = "resolved"
    for alert in resolved["alerts"]:
        alert["status"], alert["endsAt"] = "resolved", "2026-03-04T10:59:30Z"
    assert (await post(f"{base}/alerts/alertmanager", resolved))[1] == {
        "status": "ok",
        "incident": 1,
        "action": "resolved",
    }
    assert (await post(f"{base}/alerts/alertmanager", resolved))[1] == {
        "status": "ok",
        "incident": None,
        "action": "ignored",
    }
    async with engine.connect() as conn:
        first = (await conn.execute(select(IncidentRow))).one()
        ends = (await conn.execute(select(AlertRow.ends_at))).scalars().all()
    assert (first.status, first.resolved_by, first.resolved_at) == ("resolved", "alertmanager", NOW)
    assert all(e == at("2026-03-04 10:59:30") for e in ends)
    refire = copy.deepcopy(PAYLOAD)
    for alert in refire["alerts"]:
        alert["startsAt"] = "2026-03-04T11:30:00Z"
    assert (await post(f"{base}/alerts/alertmanager", refire))[1] == {
        "status": "ok",
        "incident": 2,
        "action": "opened",
    }


async def test_unmatched_alert_is_an_incident_on_the_catch_all(
    engine: AsyncEngine, base: str
) -> None:
    lost = copy.deepcopy(PAYLOAD)
    lost["groupKey"] = '{}:{alertname="Mystery"}'
    lost["commonLabels"] = {"alertname": "Mystery"}
    for alert in lost["alerts"]:
        alert["labels"] = {"alertname": "Mystery"}
    assert (await post(f"{base}/alerts/alertmanager", lost))[1]["action"] == "opened"
    async with engine.connect() as conn:
        assert (await conn.execute(select(IncidentRow.service_id))).scalar_one() == "catch-all"


async def test_generic_alerts(engine: AsyncEngine, base: str) -> None:
    url = f"{base}/alerts/generic"
    body = {
        "title": "Disk 95% full",
        "service": "ledger",
        "severity": "warning",
        "dedup_key": "disk-7",
    }
    assert (await post(url, body))[1] == {"status": "ok", "incident": 1, "action": "opened"}
    assert (await post(url, body))[1] == {"status": "ok", "incident": 1, "action": "updated"}
    assert (await post(url, body | {"status": "resolved"}))[1] == {
        "status": "ok",
        "incident": 1,
        "action": "resolved",
    }
    # Without a key, every post is its own incident.
    assert (await post(url, {"title": "one-off"}))[1]["incident"] == 2
    assert (await post(url, {"title": "one-off"}))[1]["incident"] == 3
    async with engine.connect() as conn:
        first = (await conn.execute(select(IncidentRow).where(IncidentRow.id == 1))).one()
    assert (first.service_id, first.severity) == ("payments-ledger", "warning")


BAD = [
    # (description, path, body, token, raw bytes, status, error fragment, field)
    (
        "no token header",
        "alertmanager",
        PAYLOAD,
        None,
        None,
        401,
        "missing or wrong bearer token",
        None,
    ),
    (
        "wrong token",
        "alertmanager",
        PAYLOAD,
        "nope",
        None,
        401,
        "missing or wrong bearer token",
        None,
    ),
    ("not JSON", "alertmanager", None, TOKEN, b"{not json", 400, "the body is not JSON", None),
    ("not UTF-8", "alertmanager", None, TOKEN, b"\xff\xfe", 400, "the body is not JSON", None),
    ("a list", "alertmanager", [1, 2], TOKEN, None, 400, "body", "body"),
    (
        "no groupKey",
        "alertmanager",
        {k: v for k, v in PAYLOAD.items() if k != "groupKey"},
        TOKEN,
        None,
        400,
        "groupKey: Field required",
        "groupKey",
    ),
    (
        "bad status",
        "alertmanager",
        PAYLOAD | {"status": "burning"},
        TOKEN,
        None,
        400,
        "status",
        "status",
    ),
    ("no alerts", "alertmanager", PAYLOAD | {"alerts": []}, TOKEN, None, 400, "alerts", "alerts"),
    (
        "version 3",
        "alertmanager",
        PAYLOAD | {"version": "3"},
        TOKEN,
        None,
        400,
        "payload version '3' is not supported",
        "version",
    ),
    (
        "alert without startsAt",
        "alertmanager",
        PAYLOAD | {"alerts": [{"status": "firing", "labels": {}}]},
        TOKEN,
        None,
        400,
        "alerts[0].startsAt: Field required",
        "alerts[0].startsAt",
    ),
    (
        "naive startsAt",
        "alertmanager",
        PAYLOAD
        | {"alerts": [{"status": "firing", "labels": {}, "startsAt": "2026-03-04T10:58:00"}]},
        TOKEN,
        None,
        400,
        "needs a UTC offset",
        "alerts[0].startsAt",
    ),
    (
        "label not text",
        "alertmanager",
        PAYLOAD | {"commonLabels": {"a": 1}},
        TOKEN,
        None,
        400,
        "commonLabels.a",
        "commonLabels.a",
    ),
    (
        "generic without title",
        "generic",
        {"service": "ledger"},
        TOKEN,
        None,
        400,
        "title: Field required",
        "title",
    ),
    (
        "generic resolve without key",
        "generic",
        {"title": "x", "status": "resolved"},
        TOKEN,
        None,
        400,
        "dedup_key: required to resolve",
        "dedup_key",
    ),
    (
        "generic wrong token",
        "generic",
        {"title": "x"},
        "nope",
        None,
        401,
        "missing or wrong bearer token",
        None,
    ),
]


@pytest.mark.parametrize(
    ("what", "path", "body", "token", "raw", "status", "fragment", "field"),
    BAD,
    ids=[b[0] for b in BAD],
)
async def test_bad_input_is_4xx_with_a_clear_error_and_changes_nothing(
    engine: AsyncEngine,
    base: str,
    what: str,
    path: str,
    body: Any,
    token: str | None,
    raw: bytes | None,
    status: int,
    fragment: str,
    field: str | None,
) -> None:
    before = await counts(engine)
    got_status, got = await post(f"{base}/alerts/{path}", body, token=token, raw=raw)
    assert got_status == status, got
    assert fragment in got["error"]
    if field is not None:
        assert got.get("field") == field
    assert await counts(engine) == before


async def test_body_over_one_mebibyte_is_413(engine: AsyncEngine, base: str) -> None:
    before = await counts(engine)
    huge = copy.deepcopy(PAYLOAD)
    huge["commonAnnotations"]["description"] = "x" * (1024 * 1024)
    status, body = await post(f"{base}/alerts/alertmanager", huge)
    assert status == 413 and "larger than 1 MiB" in body["error"]
    assert await counts(engine) == before


async def test_intake_is_503_until_a_token_is_set(engine: AsyncEngine) -> None:
    async with running_app(engine, FrozenClock(NOW)) as url:
        status, body = await post(f"{url}/alerts/alertmanager", PAYLOAD)
    assert status == 503 and "set ONCALL_ALERT_TOKEN" in body["error"]
    assert await counts(engine) == (0, 0, 0, 0)


async def test_database_down_is_503_so_alertmanager_retries(tmp_path) -> None:
    from storage.engine import create_engine

    engine = create_engine("postgresql+asyncpg://nobody@127.0.0.1:1/none")
    try:
        async with running_app(engine, FrozenClock(NOW), ONCALL_ALERT_TOKEN=TOKEN) as url:
            status, body = await post(f"{url}/alerts/alertmanager", PAYLOAD)
    finally:
        await engine.dispose()
    assert status == 503 and body == {"error": "the alert could not be stored; retry"}
