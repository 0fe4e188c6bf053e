"""Heartbeats on the in-memory unit of work with a frozen clock: a silence opens one incident
through the normal path (it pages), the next beat resolves it; Watchdog beats and opens nothing.

Heartbeat ``prom`` beats every 5 minutes with 1 minute of grace, on service ``api`` (policy
``ops``: ann is on call from Monday 2026-03-02 09:00)."""

from __future__ import annotations

from datetime import timedelta

from core.heartbeats.service import check_heartbeats, record_beat
from core.incidents.lifecycle import Resolve
from core.incidents.ports import AlertBatch, NewAlert
from core.incidents.service import IngestResult, act, ingest
from tests.fakes import FakeUnitOfWork, FrozenClock, Store
from tests.unit.oncall.common import at, config, revision

T0 = at("2026-03-02 10:00")
MIN = timedelta(minutes=1)
HEARTBEATS = [
    {"name": "prom", "interval": "5m", "service": "api", "watchdog": {"cluster": "eu"}},
]
CONFIG = config(heartbeats=HEARTBEATS)


def store() -> Store:
    return Store(revisions=[revision(CONFIG, "2026-03-01 00:00")])


def unit(s: Store) -> FakeUnitOfWork:
    return FakeUnitOfWork(s)


def pages(s: Store) -> list[str]:
    return [r.payload["person"] for r in s.outbox.values() if r.kind == "page"]


async def check(s: Store, clock: FrozenClock) -> dict[str, str]:
    return dict(await check_heartbeats(unit(s), clock.now(), read=unit(s)))


async def test_missed_then_resumed_opens_one_incident_and_the_next_beat_resolves_it() -> None:
    s, clock = store(), FrozenClock(T0)
    assert await check(s, clock) == {}  # first seen now: the silence counts from here
    clock.advance(minutes=5)
    assert await record_beat(unit(s), "prom", clock.now())  # 10:05
    clock.advance(minutes=5, seconds=59)
    assert await check(s, clock) == {}  # 10:10:59, due at 10:11
    clock.advance(seconds=1)
    assert await check(s, clock) == {"prom": "missed"}
    (row,) = s.incidents.values()
    record = row.record
    assert (record.source, record.dedup_key, record.title) == (
        "heartbeat",
        "prom",
        "Monitoring pipeline silent: prom",
    )
    assert (record.service_id, record.severity, record.state.status) == (
        "api",
        "critical",
        "triggered",
    )
    assert pages(s) == ["ann"]  # paged like any incident
    for _ in range(3):  # still silent: nothing more
        clock.advance(minutes=10)
        assert await check(s, clock) == {}
    assert len(s.incidents) == 1 and pages(s) == ["ann"]
    clock.advance(minutes=1)
    assert await record_beat(unit(s), "prom", clock.now())
    assert s.incidents[1].record.state.status == "triggered"  # until the next check
    assert await check(s, clock) == {"prom": "resumed"}
    resolved = s.incidents[1].record.state
    assert (resolved.status, resolved.resolved_by, resolved.resolved_at) == (
        "resolved",
        "heartbeat",
        clock.now(),
    )
    clock.advance(minutes=5)
    assert await check(s, clock) == {}  # beating again: fine
    clock.advance(minutes=2)
    assert await check(s, clock) == {"prom": "missed"}  # a new silence, a new incident
    assert len(s.incidents) == 2


async def test_an_unknown_name_records_nothing() -> None:
    s = store()
    assert not await record_beat(unit(s), "nope", T0)
    assert s.heartbeats == {}


async def test_a_silence_resolved_by_a_person_counts_afresh() -> None:
    s, clock = store(), FrozenClock(T0)
    await check(s, clock)
    clock.advance(minutes=6)
    assert await check(s, clock) == {"prom": "missed"}
    from core.incidents.lifecycle import Resolve
    from core.incidents.service import act

    await act(unit(s), 1, Resolve("ann"), "ann", clock.now())
    clock.advance(seconds=1)
    assert await check(s, clock) == {}  # not reopened at once
    clock.advance(minutes=6)
    assert await check(s, clock) == {"prom": "missed"}
    assert len(s.incidents) == 2


async def test_watchdog_alerts_beat_and_open_nothing() -> None:
    s, clock = store(), FrozenClock(T0)
    await check(s, clock)
    labels = {"alertname": "Watchdog", "cluster": "eu", "severity": "none"}
    dog = AlertBatch(
        "alertmanager",
        '{}:{alertname="Watchdog"}',
        "firing",
        "Watchdog",
        labels,
        alerts=(NewAlert("fp-dog", "firing", T0, None, labels),),
    )
    clock.advance(minutes=4)
    assert await ingest(unit(s), dog, clock.now()) == IngestResult(None, "ignored", 0)
    assert s.incidents == {} and s.heartbeats["prom"].last_beat_at == clock.now()
    clock.advance(minutes=5)
    assert await check(s, clock) == {}  # the watchdog beat moved the deadline to 10:10
    clock.advance(minutes=1)
    assert await check(s, clock) == {"prom": "missed"}
    clock.advance(minutes=1)
    await ingest(unit(s), dog, clock.now())  # Alertmanager repeats the group: a beat
    assert await check(s, clock) == {"prom": "resumed"}
    assert [r.record.state.status for r in s.incidents.values()] == ["resolved"]
    other = {"alertname": "Watchdog", "cluster": "us"}
    stray = AlertBatch(
        "alertmanager",
        "g2",
        "firing",
        "Watchdog",
        other,
        alerts=(NewAlert("fp-us", "firing", T0, None, other),),
    )
    await ingest(unit(s), stray, clock.now())  # claimed by no heartbeat: still no incident
    assert len(s.incidents) == 1 and s.heartbeats["prom"].beats == 2


async def test_a_tick_with_everything_fine_writes_nothing() -> None:
    s, clock = store(), FrozenClock(T0)
    await check(s, clock)
    writer = unit(s)
    clock.advance(minutes=1)
    assert await check_heartbeats(writer, clock.now(), read=unit(s)) == {}
    assert writer.commits == 0


async def test_a_heartbeat_removed_and_configured_again_counts_its_silence_afresh() -> None:
    s, clock = store(), FrozenClock(T0)
    assert await check(s, clock) == {}  # stored at 10:00
    assert await record_beat(unit(s), "prom", clock.now())
    s.revisions.append(revision(config(heartbeats=[]), "2026-03-02 10:01", rid=2))
    clock.advance(hours=1)
    assert await check(s, clock) == {}  # not configured: forgotten, nothing opened
    assert "prom" not in s.heartbeats
    s.revisions.append(revision(CONFIG, "2026-03-02 11:00", rid=3))
    clock.advance(hours=1)
    assert await check(s, clock) == {}  # back at 12:00: silent since now, not since 10:00
    assert s.heartbeats["prom"].since == clock.now() and not s.incidents
    clock.advance(minutes=6)
    assert await check(s, clock) == {"prom": "missed"}


async def test_an_idle_silent_tick_writes_nothing() -> None:
    s, clock = store(), FrozenClock(T0)
    assert await check(s, clock) == {}
    clock.advance(minutes=6)
    assert await check(s, clock) == {"prom": "missed"}
    for _ in range(3):  # silent with its incident open: the read unit says so, no write unit
        clock.advance(seconds=5)
        writer = unit(s)
        assert await check_heartbeats(writer, clock.now(), read=unit(s)) == {}
        assert writer.commits == 0
    await act(unit(s), 1, Resolve("ann"), "ann", clock.now())  # a person resolves it
    writer = unit(s)
    assert await check_heartbeats(writer, clock.now(), read=unit(s)) == {}
    assert writer.commits == 1 and s.heartbeats["prom"].incident_id is None
