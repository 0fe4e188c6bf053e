"""``GET /metrics`` over real HTTP on the seeded database (SQLite and PostgreSQL).

The seed (tests/web_seed.py): three incidents on checkout-api (critical), one acknowledged
after 3 minutes, one acknowledged after 2 and resolved after 40; the app runs an hour after.
"""

from __future__ import annotations

from datetime import timedelta

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
    # acknowledged: 2 min (resolved one) and 3 min; resolved: 40 min
    ack = "oncall_time_to_acknowledge_seconds"
    assert value(found, f"{ack}_count") == 2
    assert value(found, f"{ack}_sum") == 300
    assert value(found, f"{ack}_bucket", le="60") == 0
    assert value(found, f"{ack}_bucket", le="120") == 1  # 2 min is in le=120 exactly
    assert value(found, f"{ack}_bucket", le="300") == 2
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


async def test_counters_grow_after_another_alert(engine: object) -> None:
    from core.incidents.ports import AlertBatch, NewAlert
    from core.incidents.service import ingest
    from storage.uow import SqlUnitOfWork, session_factory

    seeded = await seed(engine)  # type: ignore[arg-type]
    sessions = session_factory(engine)  # type: ignore[arg-type]
    at = seeded.clock.now()
    labels = {"service": "checkout-api", "severity": "critical", "alertname": "Again"}
    async with running_app(engine, seeded.clock) as base:
        before = samples((await scrape(base))[2])
        for fingerprint in ("fp-again-1", "fp-again-2"):  # the second joins the first's incident
            alert = NewAlert(fingerprint, "firing", at, None, labels, {})
            batch = AlertBatch("alertmanager", "again", "firing", "Again", labels, {}, (alert,))
            await ingest(SqlUnitOfWork(sessions), batch, at)
        after = samples((await scrape(base))[2])
    name, series = (
        "oncall_incidents_opened_total",
        {"service": "checkout-api", "severity": "critical"},
    )
    assert value(after, name, **series) == value(before, name, **series) + 1
    received = "oncall_alerts_received_total"
    assert (
        value(after, received, source="alertmanager")
        == value(before, received, source="alertmanager") + 2
    )
    dedup = "oncall_alerts_deduplicated_total"
    assert (
        value(after, dedup, source="alertmanager")
        == value(before, dedup, source="alertmanager") + 1
    )
    for key, old in before.items():  # no counter and no bucket ever goes down
        if key[0].endswith(("_total", "_bucket", "_count", "_sum")):
            assert after[key] >= old, key


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
