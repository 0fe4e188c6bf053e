"""``GET /metrics`` over real HTTP on the seeded database (SQLite and PostgreSQL).

The seed (tests/web_seed.py): three incidents on checkout-api (critical), one acknowledged
after 3 minutes, one acknowledged after 2 and resolved after 40; the app runs an hour after.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from tests.support import EXAMPLE_CONFIG, running_app
from tests.web_seed import SEEDED_AT, seed

TOKEN = "metrics-test-token-0123456789"


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of the exposition, keyed by name and sorted labels."""
    out: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def value(found: dict, name: str, **labels: str) -> float:
    return found[(name, tuple(sorted(labels.items())))]


async def scrape(base: str, **headers: str) -> tuple[int, str, str]:
    async with aiohttp.ClientSession() as http, http.get(f"{base}/metrics", headers=headers) as r:
        return r.status, r.headers.get("Content-Type", ""), await r.text()


async def pending_by_destination(engine: object) -> dict[str, int]:
    from sqlalchemy import func, select

    from storage.metrics_queries import OUTBOX

    async with engine.connect() as conn:  # type: ignore[attr-defined]
        query = (
            select(OUTBOX.c.destination, func.count())
            .where(OUTBOX.c.status == "pending")
            .group_by(OUTBOX.c.destination)
        )
        return {d: n for d, n in await conn.execute(query)}


async def test_seeded_scrape_has_the_seeds_figures(engine: object) -> None:
    seeded = await seed(engine)  # type: ignore[arg-type]
    async with running_app(engine, seeded.clock) as base:
        status, content_type, text = await scrape(base)
    assert status == 200
    assert content_type.startswith("text/plain; version=")
    found = samples(text)
    assert "# HELP oncall_incidents_opened_total Incidents opened" in text
    opened = value(
        found, "oncall_incidents_opened_total", service="checkout-api", severity="critical"
    )
    assert opened == 3
    assert value(found, "oncall_alerts_received_total", source="alertmanager") == 3
    assert value(found, "oncall_alerts_deduplicated_total", source="alertmanager") == 0
    # both histograms count resolved incidents only: the resolved one, acknowledged after
    # 2 min and resolved after 40 (the open one acknowledged after 3 min is not counted yet)
    ack = "oncall_time_to_acknowledge_seconds"
    assert value(found, f"{ack}_count") == 1
    assert value(found, f"{ack}_sum") == 120
    assert value(found, f"{ack}_bucket", le="60") == 0
    assert value(found, f"{ack}_bucket", le="120") == 1  # 2 min is in le=120 exactly
    assert value(found, f"{ack}_bucket", le="300") == 1
    assert value(found, f"{ack}_bucket", le="+Inf") == 1
    res = "oncall_time_to_resolve_seconds"
    assert value(found, f"{res}_count") == 1
    assert value(found, f"{res}_sum") == 2400
    assert value(found, f"{res}_bucket", le="1800") == 0
    assert value(found, f"{res}_bucket", le="3600") == 1
    assert value(found, f"{res}_bucket", le="+Inf") == 1
    # outbox depth: exactly the pending rows, per destination
    pending = await pending_by_destination(engine)
    assert pending  # the seed's cards and tickets wait: no sender runs in the test
    for destination, n in pending.items():
        assert value(found, "oncall_outbox_depth", destination=destination) == n
    oldest = value(found, "oncall_outbox_oldest_pending_age_seconds")
    # the first message was written when the resolved incident opened, 2 days before seeding
    assert oldest == (seeded.clock.now() - (SEEDED_AT - timedelta(days=2))).total_seconds()
    assert value(found, "oncall_inbox_depth") == 0
    assert value(found, "oncall_escalations_fired_total") == 0
    for schedule in (
        "payments-primary",
        "payments-secondary",
        "platform-follow-the-sun",
        "platform-secondary",
        "identity-primary",
    ):
        assert value(found, "oncall_people_on_call", schedule=schedule) == 1
    # the example covers the clock for every service
    assert (
        value(found, "oncall_coverage_gap_hours", service="checkout-api", importance="critical")
        == 0
    )
    gap_services = {dict(k[1])["service"] for k in found if k[0] == "oncall_coverage_gap_hours"}
    assert {"checkout-api", "payments-ledger", "identity-sso", "kubernetes"} <= gap_services
    # no tick in this process (the test app's scheduling loop does not run): no sample
    assert not [k for k in found if k[0] == "oncall_scheduler_tick_lag_seconds"]


def _group(at: datetime, fingerprints: Sequence[str]) -> dict[str, object]:
    """The JSON form of one Alertmanager group's delivery (what the webhook stores)."""
    from core.incidents.inbox import batch_to_json
    from core.incidents.ports import AlertBatch, NewAlert

    labels = {"service": "checkout-api", "severity": "critical", "alertname": "Again"}
    alerts = tuple(NewAlert(fp, "firing", at, None, labels, {}) for fp in fingerprints)
    return batch_to_json(AlertBatch("alertmanager", "again", "firing", "Again", labels, {}, alerts))


async def deliver(engine: object, at: datetime, *groups: dict[str, object]) -> None:
    """Store ``groups`` in the inbox as the webhook does, then work the inbox off."""
    from core.incidents.service import drain_inbox
    from storage.uow import SqlUnitOfWork, session_factory
    from tests.fakes import FrozenClock

    sessions = session_factory(engine)  # type: ignore[arg-type]
    unit = SqlUnitOfWork(sessions)
    async with unit:
        await unit.inbox.add_many([("alertmanager", at, g) for g in groups])
        await unit.commit()
    assert await drain_inbox(lambda: SqlUnitOfWork(sessions), FrozenClock(at)) == len(groups)


def _delta(before: dict, after: dict, name: str) -> float:
    return value(after, name, source="alertmanager") - value(before, name, source="alertmanager")


async def test_counters_grow_after_another_alert(engine: object) -> None:
    seeded = await seed(engine)  # type: ignore[arg-type]
    at = seeded.clock.now()
    async with running_app(engine, seeded.clock) as base:
        before = samples((await scrape(base))[2])
        # the second delivery of the group brings a new alert into the first's incident
        await deliver(engine, at, _group(at, ["fp-again-1"]), _group(at, ["fp-again-2"]))
        after = samples((await scrape(base))[2])
    name, series = (
        "oncall_incidents_opened_total",
        {"service": "checkout-api", "severity": "critical"},
    )
    assert value(after, name, **series) == value(before, name, **series) + 1
    assert _delta(before, after, "oncall_alerts_received_total") == 2
    assert value(after, "oncall_alert_deliveries_total", source="alertmanager") == 2
    assert _delta(before, after, "oncall_alerts_deduplicated_total") == 1
    for key, old in before.items():  # no counter and no bucket ever goes down
        if key[0].endswith(("_total", "_bucket", "_count", "_sum")):
            assert after[key] >= old, key


async def test_a_group_then_its_redelivery_deduplicates_one_delivery(engine: object) -> None:
    """Five alerts in one delivery open one incident: nothing deduplicated (the old
    definition, alerts minus incidents, said 4). Alertmanager's repeat of the same group is
    folded into that incident: one deduplicated delivery, no new alert. Monotonic: a later
    resolve changes nothing already counted."""
    from tests.fakes import FrozenClock

    at = SEEDED_AT
    clock = FrozenClock(at)
    fingerprints = [f"fp-group-{i}" for i in range(5)]
    async with running_app(engine, clock) as base:
        await deliver(engine, at, _group(at, fingerprints))
        first = samples((await scrape(base))[2])
        await deliver(engine, at + timedelta(minutes=5), _group(at, fingerprints))
        second = samples((await scrape(base))[2])
    assert value(first, "oncall_alert_deliveries_total", source="alertmanager") == 1
    assert value(first, "oncall_alerts_received_total", source="alertmanager") == 5
    assert value(first, "oncall_alerts_deduplicated_total", source="alertmanager") == 0
    assert sum(v for k, v in first.items() if k[0] == "oncall_incidents_opened_total") == 1
    assert value(second, "oncall_alert_deliveries_total", source="alertmanager") == 2
    assert value(second, "oncall_alerts_received_total", source="alertmanager") == 5
    assert value(second, "oncall_alerts_deduplicated_total", source="alertmanager") == 1
    assert sum(v for k, v in second.items() if k[0] == "oncall_incidents_opened_total") == 1


async def test_an_empty_database_scrapes_fine(engine: object) -> None:
    from tests.fakes import FrozenClock

    async with running_app(engine, FrozenClock(SEEDED_AT)) as base:
        status, _, text = await scrape(base)
    assert status == 200, text
    found = samples(text)
    assert value(found, "oncall_time_to_acknowledge_seconds_count") == 0
    assert value(found, "oncall_escalations_fired_total") == 0
    assert value(found, "oncall_outbox_oldest_pending_age_seconds") == 0
    assert value(found, "oncall_inbox_depth") == 0
    assert not [k for k in found if k[0] == "oncall_people_on_call"]


async def test_gap_hours_of_a_service_without_a_policy(engine: object) -> None:
    from bot.config_apply import apply_to_engine
    from integrations.config_repo.loader import load_configuration
    from tests.fakes import FrozenClock

    config = load_configuration(EXAMPLE_CONFIG)
    services = [
        s.model_copy(update={"escalation_policy": None}) if s.id == "ci-runners" else s
        for s in config.services
    ]
    clock = FrozenClock(SEEDED_AT)
    await apply_to_engine(
        engine,  # type: ignore[arg-type]
        config.model_copy(update={"services": tuple(services)}),
        source="test",
        actor="test",
        clock=FrozenClock(SEEDED_AT - timedelta(days=1)),
    )
    async with running_app(engine, clock) as base:
        found = samples((await scrape(base))[2])
    assert (
        value(found, "oncall_coverage_gap_hours", service="ci-runners", importance="low") == 14 * 24
    )
    assert (
        value(found, "oncall_coverage_gap_hours", service="checkout-api", importance="critical")
        == 0
    )


async def test_behind_the_dashboard_token(engine: object) -> None:
    from tests.fakes import FrozenClock

    async with running_app(engine, FrozenClock(SEEDED_AT), ONCALL_DASHBOARD_TOKEN=TOKEN) as base:
        status, content_type, text = await scrape(base)
        assert status == 401
        assert content_type.startswith("application/problem+json")
        assert (await scrape(base, Authorization="Bearer wrong"))[0] == 401
        status, _, text = await scrape(base, Authorization=f"Bearer {TOKEN}")
    assert status == 200
    assert value(samples(text), "oncall_inbox_depth") == 0


async def test_tick_lag_comes_from_the_scheduling_loop(engine: object) -> None:
    """The app's ``tick_age`` is the background's: absent before a tick, then its age."""
    from aiohttp import web

    from bot.app import Runtime, build_app
    from bot.settings import Settings
    from bot.worker import Background
    from tests.fakes import FrozenClock
    from tests.support import free_port

    clock = FrozenClock(SEEDED_AT)
    config = Settings()
    background = Background(engine, config, clock)  # type: ignore[arg-type]
    runtime = Runtime(settings=config, engine=engine, clock=clock, background=background)  # type: ignore[arg-type]
    runner = web.AppRunner(build_app(runtime))
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    base = f"http://127.0.0.1:{port}"
    try:
        lag = "oncall_scheduler_tick_lag_seconds"
        assert not [k for k in samples((await scrape(base))[2]) if k[0] == lag]
        await background.scheduler.tick_once()
        clock.advance(seconds=7)
        assert value(samples((await scrape(base))[2]), lag) == 7
    finally:
        await runner.cleanup()
        await background.stop()


async def test_worker_process_tick_age() -> None:
    """``oncall serve``'s supervisor: None until the child says ``tick``, then a small age."""
    import asyncio
    import sys

    from bot.worker_process import WorkerProcess

    child = "import sys, time; time.sleep(0.3); print('tick', flush=True); sys.stdin.read()"
    process = WorkerProcess({}, command=(sys.executable, "-c", child), stop_within=5)
    assert process.tick_age() is None
    process.start()
    try:
        for _ in range(200):
            age = process.tick_age()
            if age is not None:
                break
            await asyncio.sleep(0.05)
        assert age is not None and 0 <= age < 60
    finally:
        await process.stop()


async def test_histograms_measure_as_the_reports_do(engine: object) -> None:
    """The database's spans equal the reports' (``SqlMetrics``, :func:`response_clock` in
    Python) to the microsecond: plain, held (hold end, a page by hand or an acknowledgement
    ends it), held and resolved before any response (left out), a bucket bound exactly."""
    from storage.metrics_queries import (
        EVENTS,
        INCIDENTS,
        METRICS,
        PAGES,
        RESPONSE_BUCKETS,
        read_figures,
    )
    from storage.uow import SqlUnitOfWork, session_factory

    t0 = SEEDED_AT - timedelta(days=1)

    def s(seconds: float) -> datetime:
        return t0 + timedelta(seconds=seconds)

    # (ack, resolved, hold events [(at, kind)], first page), seconds after opening
    cases: list[tuple[float | None, float, list[tuple[float, str]], float | None]] = [
        (90.123456, 1000, [], 10),
        (700, 2000, [(0, "maintenance"), (600, "maintenanceended")], 650),
        (None, 900, [(0, "maintenance"), (600, "maintenanceended")], 300),
        (None, 100, [(0, "maintenance")], None),
        (50, 60, [(0, "maintenance")], None),
        (None, 3600, [], None),
        (None, 400, [(0, "maintenance"), (500, "maintenanceended")], None),
        (30, 120.5, [(0, "maintenance"), (1, "maintenance"), (20, "maintenanceended")], 25),
    ]
    sessions = session_factory(engine)  # type: ignore[arg-type]
    unit = SqlUnitOfWork(sessions)
    async with unit:
        for n, (ack, resolved, holds, page) in enumerate(cases):
            opened = s(n * 10_000)
            row = {
                "source": "test",
                "dedup_key": f"k{n}",
                "title": "t",
                "service_id": "checkout-api",
                "severity": "critical",
                "status": "resolved",
                "opened_at": opened,
                "resolved_at": opened + timedelta(seconds=resolved),
                "labels": {},
                "annotations": {},
                "links": {},
            }
            found = await unit.session.execute(INCIDENTS.insert().returning(INCIDENTS.c.id), [row])
            incident = found.scalar_one()
            acked = opened + timedelta(seconds=ack) if ack is not None else None
            await unit.session.execute(
                METRICS.insert(),
                [
                    {
                        "incident_id": incident,
                        "service_id": "checkout-api",
                        "severity": "critical",
                        "opened_at": opened,
                        "acknowledged_at": acked,
                        "resolved_at": opened + timedelta(seconds=resolved),
                    }
                ],
            )
            for at, kind in holds:
                event = {"incident_id": incident, "kind": kind, "detail": {}}
                at_ = opened + timedelta(seconds=at)
                await unit.session.execute(EVENTS.insert(), [{**event, "at": at_}])
            if page is not None:
                paged = opened + timedelta(seconds=page)
                await unit.session.execute(
                    PAGES.insert(),
                    [
                        {
                            "incident_id": incident,
                            "person_id": "p",
                            "paged_at": paged,
                            "until": paged,
                        }
                    ],
                )
        await unit.commit()
    reader = SqlUnitOfWork(sessions, write=False)
    async with reader:
        figures = await read_figures(reader)
        reports = await reader.metrics.resolved_between(t0, SEEDED_AT + timedelta(days=1))
    assert len(reports) == len(cases)
    tta = [
        r.time_to_acknowledge.total_seconds() for r in reports if r.time_to_acknowledge is not None
    ]
    ttr = [r.time_to_resolve.total_seconds() for r in reports if r.time_to_resolve is not None]
    assert sorted(tta) == [0.0, 10.0, 90.123456, 100.0]
    assert sorted(ttr) == [10.0, 100.5, 600.0, 1000.0, 1400.0, 3600.0]
    for histogram, spans in ((figures.to_acknowledge, tta), (figures.to_resolve, ttr)):
        assert histogram.count == len(spans)
        assert round(histogram.total, 6) == round(sum(spans), 6)
        assert histogram.counts == tuple(sum(1 for v in spans if v <= b) for b in RESPONSE_BUCKETS)
