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
from storage.incident_tables import AlertRow, InboxRow, IncidentEventRow, IncidentRow, OutboxRow
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


async def apply_example(engine: AsyncEngine) -> None:
    """examples/oncall.yaml, applied on 2026-01-01."""
    await apply_configuration(
        SqlUnitOfWork(session_factory(engine)),
        load_configuration(EXAMPLE_CONFIG),
        actor="t",
        source="t",
        now=at("2026-01-01 00:00"),
    )


@pytest.fixture
async def base(engine: AsyncEngine) -> AsyncIterator[str]:
    await apply_example(engine)
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


async def processed(engine: AsyncEngine) -> list[tuple[int | None, str | None]]:
    """Wait until every stored delivery is processed; their (incident, action) in order."""
    deadline = asyncio.get_running_loop().time() + 15
    while True:
        async with engine.connect() as conn:
            rows = (await conn.execute(select(InboxRow).order_by(InboxRow.id))).all()  # type: ignore[arg-type]
        if all(r.status == "done" for r in rows):
            return [(r.incident_id, r.action) for r in rows]
        assert asyncio.get_running_loop().time() < deadline, "deliveries were not processed"
        await asyncio.sleep(0.05)


async def deliver(url: str, body: Any, engine: AsyncEngine) -> tuple[int | None, str | None]:
    """Post one delivery, see it accepted, and return what processing it did."""
    status, answer = await post(url, body)
    assert status == 202 and answer["status"] == "accepted", answer
    return (await processed(engine))[-1]


async def counts(engine: AsyncEngine) -> tuple[int, ...]:
    async with engine.connect() as conn:
        out = []
        for table in (IncidentRow, AlertRow, IncidentEventRow, OutboxRow, InboxRow):
            out.append(
                int((await conn.execute(select(func.count()).select_from(table))).scalar_one())
            )
        return tuple(out)


async def test_firing_opens_one_incident_and_pages(engine: AsyncEngine, base: str) -> None:
    status, body = await post(f"{base}/alerts/alertmanager", PAYLOAD)
    assert (status, body) == (202, {"status": "accepted", "id": 1})
    assert await processed(engine) == [(1, "opened")]
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
    assert incident.opened_at == NOW  # the time the delivery was received
    assert incident.assignee == "sofia"  # payments-primary's holder in the week of 2026-03-02
    assert kinds == ["page", "incident.triggered", "open"]


async def test_duplicates_and_ha_pairs_create_nothing_new(engine: AsyncEngine, base: str) -> None:
    await deliver(f"{base}/alerts/alertmanager", PAYLOAD, engine)
    before = await counts(engine)
    # A retry, and an HA pair delivering the same group at the same time.
    answers = await asyncio.gather(
        *(post(f"{base}/alerts/alertmanager", PAYLOAD) for _ in range(4))
    )
    assert all(status == 202 for status, _ in answers)
    assert (await processed(engine))[1:] == [(1, "updated")] * 4
    assert await counts(engine) == (*before[:4], before[4] + 4)  # only the four deliveries kept
    # A new alert in the same group joins the incident without paging again.
    grown = copy.deepcopy(PAYLOAD)
    grown["alerts"].append(
        {
            **grown["alerts"][0],
            "fingerprint": "fp-c",
            "labels": {**grown["alerts"][0]["labels"], "pod": "c"},
        }
    )
    assert await deliver(f"{base}/alerts/alertmanager", grown, engine) == (1, "updated")
    incidents, alerts, _, outbox, _ = await counts(engine)
    assert (incidents, alerts, outbox) == (before[0], before[1] + 1, before[3])


async def test_resolved_group_resolves_and_a_later_firing_reopens(
    engine: AsyncEngine, base: str
) -> None:
    await deliver(f"{base}/alerts/alertmanager", PAYLOAD, engine)
    resolved = copy.deepcopy(PAYLOAD)
    resolved["status"] = "resolved"
    for alert in resolved["alerts"]:
        alert["status"], alert["endsAt"] = "resolved", "2026-03-04T10:59:30Z"
    assert await deliver(f"{base}/alerts/alertmanager", resolved, engine) == (1, "resolved")
    assert await deliver(f"{base}/alerts/alertmanager", resolved, engine) == (None, "ignored")
    async with engine.connect() as conn:
        first = (await conn.execute(select(IncidentRow))).one()
        ends = (await conn.execute(select(AlertRow.ends_at))).scalars().all()
    assert (first.status, first.resolved_by, first.resolved_at) == ("resolved", "alertmanager", NOW)
    assert all(e == at("2026-03-04 10:59:30") for e in ends)
    refire = copy.deepcopy(PAYLOAD)
    for alert in refire["alerts"]:
        alert["startsAt"] = "2026-03-04T11:30:00Z"
    assert await deliver(f"{base}/alerts/alertmanager", refire, engine) == (2, "opened")


async def test_deliveries_are_processed_in_the_order_received(
    engine: AsyncEngine, base: str
) -> None:
    resolved = copy.deepcopy(PAYLOAD)
    resolved["status"] = "resolved"
    for alert in resolved["alerts"]:
        alert["status"], alert["endsAt"] = "resolved", "2026-03-04T10:59:30Z"
    refired = copy.deepcopy(PAYLOAD)
    for alert in refired["alerts"]:
        alert["startsAt"] = "2026-03-04T11:05:00Z"
    for body in (PAYLOAD, resolved, PAYLOAD, refired):
        status, _ = await post(f"{base}/alerts/alertmanager", body)
        assert status == 202
    # Firing, resolved, a late copy of the firing (an HA peer's: the very same alerts, moments
    # after the resolve) that opens nothing, then the group firing anew: a second incident.
    assert await processed(engine) == [
        (1, "opened"),
        (1, "resolved"),
        (None, "ignored"),
        (2, "opened"),
    ]


async def test_unmatched_alert_is_an_incident_on_the_catch_all(
    engine: AsyncEngine, base: str
) -> None:
    lost = copy.deepcopy(PAYLOAD)
    lost["groupKey"] = '{}:{alertname="Mystery"}'
    lost["commonLabels"] = {"alertname": "Mystery"}
    for alert in lost["alerts"]:
        alert["labels"] = {"alertname": "Mystery"}
    assert (await deliver(f"{base}/alerts/alertmanager", lost, engine))[1] == "opened"
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
    assert await deliver(url, body, engine) == (1, "opened")
    assert await deliver(url, body, engine) == (1, "updated")
    assert await deliver(url, body | {"status": "resolved"}, engine) == (1, "resolved")
    # Without a key, every post is its own incident.
    assert (await deliver(url, {"title": "one-off"}, engine))[0] == 2
    assert (await deliver(url, {"title": "one-off"}, engine))[0] == 3
    async with engine.connect() as conn:
        first = (await conn.execute(select(IncidentRow).where(IncidentRow.id == 1))).one()
    assert (first.service_id, first.severity) == ("payments-ledger", "warning")


async def test_a_delivery_that_cannot_be_processed_is_kept_and_does_not_block(
    engine: AsyncEngine, base: str
) -> None:
    from storage.uow import SqlUnitOfWork, session_factory

    async with SqlUnitOfWork(session_factory(engine)) as uow:  # a row no code could have written
        await uow.inbox.add_many([("alertmanager", NOW, {"not": "a batch"})])
        await uow.commit()

    async def inbox() -> list[Any]:
        async with engine.connect() as conn:
            return list((await conn.execute(select(InboxRow).order_by(InboxRow.id))).all())  # type: ignore[arg-type]

    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while (rows := await inbox())[0].status != "failed":
        assert loop.time() < deadline, [(r.status, r.attempts) for r in rows]
        await post(f"{base}/alerts/generic", {"title": "poke", "dedup_key": "poke"})  # a wake-up
        await asyncio.sleep(0.2)
    assert rows[0].attempts == 5 and "KeyError" in rows[0].error
    # Everything stored behind the bad row is processed all the same.
    await post(f"{base}/alerts/generic", {"title": "after", "dedup_key": "after"})
    deadline = loop.time() + 15
    rows = await inbox()
    while not all(r.status == "done" for r in rows[1:]):
        assert loop.time() < deadline, [(r.status, r.attempts) for r in rows]
        await asyncio.sleep(0.05)
        rows = await inbox()


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
    assert await counts(engine) == (0, 0, 0, 0, 0)


async def test_database_down_is_503_so_alertmanager_retries(tmp_path) -> None:
    from storage.engine import create_engine

    engine = create_engine("postgresql+asyncpg://nobody@127.0.0.1:1/none")
    try:
        async with running_app(engine, FrozenClock(NOW), ONCALL_ALERT_TOKEN=TOKEN) as url:
            status, body = await post(f"{url}/alerts/alertmanager", PAYLOAD)
    finally:
        await engine.dispose()
    assert status == 503 and body == {"error": "the alert could not be stored; retry"}


async def test_an_incident_counts_from_receipt_and_the_inbox_records_when_it_was_done(
    engine: AsyncEngine,
) -> None:
    """A delivery that waited in the inbox (a busy or restarted worker) opens its incident at
    the time it was received, and is marked processed at the time it was."""
    from datetime import timedelta

    from core.incidents.inbox import batch_to_json
    from core.incidents.service import drain_inbox
    from integrations.alerts.payloads import AlertmanagerPayload

    await apply_example(engine)
    batch = AlertmanagerPayload.model_validate(PAYLOAD).to_batch()
    async with SqlUnitOfWork(session_factory(engine)) as uow:
        await uow.inbox.add_many([("alertmanager", NOW, batch_to_json(batch))])
        await uow.commit()
    later = NOW + timedelta(seconds=40)
    assert (
        await drain_inbox(lambda: SqlUnitOfWork(session_factory(engine)), FrozenClock(later)) == 1
    )
    async with engine.connect() as conn:
        delivery = (await conn.execute(select(InboxRow))).one()
        incident = (await conn.execute(select(IncidentRow))).one()
    assert (delivery.status, delivery.received_at, delivery.processed_at) == ("done", NOW, later)
    assert incident.opened_at == NOW
