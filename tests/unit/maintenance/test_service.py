"""Maintenance windows on the in-memory unit of work with fixed times: alerts in a window are
recorded, not paged; at its end an incident still firing pages, a resolved one does not; an
extended or cancelled window pages at its real end; bad windows change nothing.

Service ``api`` (team ``ops``, policy ``ops``: ann is on call from Monday 2026-03-02 09:00).
"""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest

from core.incidents.cards import EVENT_WORDS, current_card, timeline_text
from core.incidents.ports import AlertBatch, NewAlert
from core.incidents.service import fire_due, ingest
from core.maintenance.ports import MaintenanceHold
from core.maintenance.service import (
    MaintenanceError,
    Subject,
    cancel_window,
    create_window,
    list_windows,
    reconcile,
    reconcile_holds,
)
from tests.fake_maintenance import FakeMaintenance
from tests.fakes import FakeUnitOfWork, Store
from tests.unit.oncall.common import DOC, at, config, revision

T0 = at("2026-03-02 10:00")
MIN = timedelta(minutes=1)
H = timedelta(hours=1)
SERVICES = [{**s, "match": {"service": s["id"]}} for s in DOC["services"]]
POLICIES = [
    {
        "id": "ops",
        "tiers": [
            {"targets": ["schedule:primary"], "escalate_after": "5m"},
            {"targets": ["person:dan"], "escalate_after": "10m"},
        ],
    },
    *DOC["escalation_policies"][1:],
]
CONFIG = config(services=SERVICES, escalation_policies=POLICIES)


def store(cfg: object = CONFIG) -> Store:
    return Store(revisions=[revision(cfg, "2026-03-01 00:00")])  # type: ignore[arg-type]


def unit(s: Store) -> FakeUnitOfWork:
    return FakeUnitOfWork(s)


def alert(key: str, status: str = "firing", service: str = "api") -> AlertBatch:
    labels = {"service": service, "severity": "critical"}
    return AlertBatch(
        "alertmanager",
        key,
        status,
        f"alert {key}",
        labels,
        alerts=(NewAlert(f"fp-{key}", status, T0, None, labels),),
    )


def pages(s: Store) -> list[tuple[int | None, str]]:
    return [(r.incident_id, r.payload["person"]) for r in s.outbox.values() if r.kind == "page"]


async def fire(s: Store, when: object) -> int:
    return await fire_due(unit(s), when, worker="w")  # type: ignore[arg-type]


async def window(s: Store, start: object, end: object, **subject: str) -> int:
    made = await create_window(
        unit(s),
        Subject(**subject),
        start,
        end,
        reason="db upgrade",
        actor="dan",
        now=T0,  # type: ignore[arg-type]
    )
    return made.id


async def test_alerts_in_a_window_are_recorded_not_paged_and_page_at_its_end() -> None:
    s = store()
    await window(s, T0, T0 + 2 * H, service="api")
    assert [(e.action, e.actor, e.subject) for e in s.audit] == [
        ("maintenance.create", "dan", "maintenance:1")
    ]
    await ingest(unit(s), alert("a"), T0 + 10 * MIN)
    await ingest(unit(s), alert("b"), T0 + 20 * MIN)
    assert len(s.incidents) == 2 and pages(s) == []
    card = next(r.payload for r in s.outbox.values() if r.kind == "incident.triggered")
    assert card["incident"]["maintenance_until"] == (T0 + 2 * H).isoformat()
    assert any(e.kind == "maintenance" for e in s.events)
    await ingest(unit(s), alert("b", "resolved"), T0 + 30 * MIN)  # b ends in the window
    assert await fire(s, T0 + H) == 0  # no escalation either
    assert await fire(s, T0 + 2 * H) == 2
    assert pages(s) == [(1, "ann")]  # a, still firing; b resolved: nobody
    ended = [r for r in s.outbox.values() if r.kind == "incident.maintenance_ended"]
    assert [r.incident_id for r in ended] == [1]
    assert ended[0].payload["incident"]["maintenance_until"] is None
    assert s.incidents[1].record.state.pages
    assert await fire(s, T0 + 2 * H + 5 * MIN) == 1  # escalates like any incident now
    assert pages(s) == [(1, "ann"), (1, "dan")]


async def test_a_team_window_holds_its_services_and_not_others() -> None:
    s = store()
    await window(s, T0, T0 + H, team="ops")
    await ingest(unit(s), alert("a"), T0)
    await ingest(unit(s), alert("s", service="site"), T0)
    assert pages(s) == [(2, "cat")]  # site is web's: paged at once; api is ops': held
    assert not s.incidents[1].record.state.pages


async def test_an_alert_before_or_after_the_window_pages_at_once() -> None:
    s = store()
    await window(s, T0 + H, T0 + 2 * H, service="api")
    await ingest(unit(s), alert("early"), T0)
    await ingest(unit(s), alert("late"), T0 + 2 * H)  # the end itself is outside
    assert pages(s) == [(1, "ann"), (2, "ann")]


async def test_an_extended_window_pages_at_its_real_end() -> None:
    s = store()
    await window(s, T0, T0 + H, service="api")
    await ingest(unit(s), alert("a"), T0 + MIN)
    await window(s, T0 + H, T0 + 3 * H, service="api")  # touching: extends the maintenance
    assert await fire(s, T0 + H) == 0 and pages(s) == []
    assert await fire(s, T0 + 3 * H) == 1 and pages(s) == [(1, "ann")]
    assert [e.detail["until"] for e in s.events if e.kind == "maintenance"] == [
        (T0 + H).isoformat(),  # opened under the first window
        (T0 + 3 * H).isoformat(),  # moved when the touching one was made
    ]


async def test_a_window_extended_in_the_configuration_waits_for_its_real_end() -> None:
    cfg = config(
        services=SERVICES,
        escalation_policies=POLICIES,
        maintenance=[{"service": "api", "from": "2026-03-02 10:00", "to": "2026-03-02 11:00"}],
    )
    s = store(cfg)
    await ingest(unit(s), alert("a"), T0)
    longer = config(
        services=SERVICES,
        escalation_policies=POLICIES,
        maintenance=[{"service": "api", "from": "2026-03-02 10:00", "to": "2026-03-02 12:00"}],
    )
    s.revisions.append(revision(longer, "2026-03-02 10:30", 2))
    assert await fire(s, T0 + H) == 1 and pages(s) == []  # claimed, still covered: waits
    assert await fire(s, T0 + 2 * H) == 1 and pages(s) == [(1, "ann")]


async def test_a_window_cancelled_early_pages_at_once() -> None:
    s = store()
    wid = await window(s, T0, T0 + 5 * H, service="api")
    await ingest(unit(s), alert("a"), T0)
    await cancel_window(unit(s), wid, actor="dan", now=T0 + H)
    assert s.audit[-1].action == "maintenance.cancel"
    assert await fire(s, T0 + H) == 1 and pages(s) == [(1, "ann")]


async def test_a_window_removed_from_the_configuration_pages_at_the_next_reconcile() -> None:
    cfg = config(
        services=SERVICES,
        escalation_policies=POLICIES,
        maintenance=[{"service": "api", "from": "2026-03-02 10:00", "to": "2026-03-02 15:00"}],
    )
    s = store(cfg)
    await ingest(unit(s), alert("a"), T0)
    s.revisions.append(revision(CONFIG, "2026-03-02 10:30", 2))
    assert await reconcile(unit(s), T0 + H, read=unit(s)) == 1
    assert await fire(s, T0 + H) == 1 and pages(s) == [(1, "ann")]
    assert await reconcile(unit(s), T0 + H, read=unit(s)) == 0


async def test_listing_shows_current_and_upcoming_windows_of_both_kinds() -> None:
    cfg = config(
        services=SERVICES,
        escalation_policies=POLICIES,
        maintenance=[
            {"team": "ops", "from": "2026-03-03 10:00", "to": "2026-03-03 11:00", "reason": "cfg"},
            {"team": "ops", "from": "2026-03-01 10:00", "to": "2026-03-01 11:00"},  # over
        ],
    )
    s = store(cfg)
    await window(s, T0 - H, T0 + H, service="api")
    gone = await window(s, T0, T0 + H, service="site")
    await cancel_window(unit(s), gone, actor="dan", now=T0)
    shown = await list_windows(unit(s), T0)
    assert [(w.subject, w.id, w.reason) for w in shown] == [
        ("service api", 1, "db upgrade"),
        ("team ops", None, "cfg"),
    ]


@pytest.mark.parametrize(
    ("subject", "start", "end", "reason", "message"),
    [
        ({"service": "nope"}, T0, T0 + H, None, "no service 'nope'"),
        ({"team": "nope"}, T0, T0 + H, None, "no team 'nope'"),
        ({}, T0, T0 + H, None, "exactly one"),
        ({"service": "api", "team": "ops"}, T0, T0 + H, None, "exactly one"),
        ({"service": "api"}, T0 + H, T0 + H, None, "end after it starts"),
        ({"service": "api"}, T0 + H, T0, None, "end after it starts"),
        ({"service": "api"}, T0 - 2 * H, T0 - H, None, "over already"),
        ({"service": "api"}, T0, T0 + H, "x" * 501, "longer than 500"),
    ],
)
async def test_bad_windows_change_nothing(
    subject: dict[str, str], start: object, end: object, reason: str | None, message: str
) -> None:
    s = store()
    before = copy.deepcopy(s)
    with pytest.raises(MaintenanceError, match=message):
        await create_window(
            unit(s),
            Subject(**subject),
            start,
            end,
            reason=reason,
            actor="dan",
            now=T0,  # type: ignore[arg-type]
        )
    assert s == before


async def test_bad_cancels_change_nothing() -> None:
    s = store()
    wid = await window(s, T0, T0 + H, service="api")
    await cancel_window(unit(s), wid, actor="dan", now=T0)
    before = copy.deepcopy(s)
    for bad, message in ((wid, "cancelled already"), (99, "no maintenance window 99")):
        with pytest.raises(MaintenanceError, match=message):
            await cancel_window(unit(s), bad, actor="dan", now=T0)
    over = await window(s, T0, T0 + H, service="api")
    before = copy.deepcopy(s)
    with pytest.raises(MaintenanceError, match="over already"):
        await cancel_window(unit(s), over, actor="dan", now=T0 + 2 * H)
    assert s == before


async def test_an_alert_naming_a_maintenance_end_itself_still_pages() -> None:
    # no window at all: an annotation of ours sent by the alert must not hold the incident
    s = store()
    hostile = alert("h")
    hostile = AlertBatch(
        hostile.source,
        hostile.key,
        hostile.status,
        hostile.title,
        hostile.labels,
        {"oncall_maintenance_until": "2099-01-01T00:00:00+00:00", "summary": "disk"},
        hostile.alerts,
    )
    await ingest(unit(s), hostile, T0)
    assert pages(s) == [(1, "ann")]
    record = s.incidents[1].record
    assert record.state.pages and "oncall_maintenance_until" not in record.annotations
    assert record.annotations["summary"] == "disk"
    assert not any(e.kind == "maintenance" for e in s.events)
    assert await fire(s, T0 + 5 * MIN) == 1 and pages(s) == [(1, "ann"), (1, "dan")]


class ClaimedMeanwhile(FakeMaintenance):
    """Holds as a worker's tick leaves them: read as pending, claimed before they move."""

    async def holds(self) -> list[MaintenanceHold]:
        pending = await super().holds()
        await self.claim_due_holds(T0 + 100 * H, 100, "other")
        return pending


async def test_reconcile_writes_nothing_for_a_hold_claimed_meanwhile_or_a_resolved_incident() -> (
    None
):
    s = store()
    await window(s, T0, T0 + H, service="api")
    await ingest(unit(s), alert("a"), T0 + MIN)
    await ingest(unit(s), alert("b"), T0 + MIN)
    await ingest(unit(s), alert("b", "resolved"), T0 + 2 * MIN)  # b ends in the window
    before = [e for e in s.events if e.kind == "maintenance"]
    await window(s, T0 + H, T0 + 2 * H, service="api")  # extends: a moves, b (resolved) not
    moved = [e for e in s.events if e.kind == "maintenance" and e not in before]
    assert [e.incident_id for e in moved] == [1]
    assert s.maintenance.holds[1].hold.due_at == T0 + 2 * H
    raced = unit(s)
    async with raced:
        raced.maintenance = ClaimedMeanwhile(raced._staged)
        s.maintenance.windows.clear()  # as if every window were gone: a would move to now
        raced._staged.maintenance.windows.clear()
        assert await reconcile_holds(raced, CONFIG, T0 + 10 * MIN) == 0
        await raced.commit()
    assert [e for e in s.events if e.kind == "maintenance" and e not in before] == moved


async def test_a_window_cancelled_twice_is_refused_the_second_time() -> None:
    s = store()
    wid = await window(s, T0, T0 + H, service="api")
    await cancel_window(unit(s), wid, actor="dan", now=T0 + MIN)
    with pytest.raises(MaintenanceError, match="cancelled already"):
        await cancel_window(unit(s), wid, actor="eve", now=T0 + 2 * MIN)
    assert [e.action for e in s.audit] == ["maintenance.create", "maintenance.cancel"]


async def test_a_moved_hold_refreshes_the_card_with_its_new_end_and_says_so() -> None:
    s = store()
    first = await window(s, T0, T0 + H, service="api")
    await ingest(unit(s), alert("a"), T0 + MIN)
    await window(s, T0 + H, T0 + 3 * H, service="api")  # extended: held until 13:00 now
    refresh = [r for r in s.outbox.values() if r.kind == "incident.maintenance"]
    assert [(r.destination, r.incident_id) for r in refresh] == [("chat", 1)]
    async with unit(s) as u:
        card = await current_card(u, 1, T0 + 2 * MIN)
    assert card is not None and card["maintenance_until"] == (T0 + 3 * H).isoformat()
    texts = [e["text"] for e in card["timeline"] if e["kind"] == "maintenance"]
    assert texts == [
        "held for maintenance until 2026-03-02 11:00 UTC",
        "held for maintenance until 2026-03-02 13:00 UTC",
    ]
    # the first cancelled: nothing covers 10:05 any more (the second starts at 11:00)
    await cancel_window(unit(s), first, actor="dan", now=T0 + 5 * MIN)
    assert len([r for r in s.outbox.values() if r.kind == "incident.maintenance"]) == 2
    async with unit(s) as u:
        card = await current_card(u, 1, T0 + 5 * MIN)
    assert card is not None and card["maintenance_until"] == (T0 + 5 * MIN).isoformat()
    assert await fire(s, T0 + 5 * MIN) == 1 and pages(s) == [(1, "ann")]
    async with unit(s) as u:
        card = await current_card(u, 1, T0 + 5 * MIN)
    assert card is not None and card["maintenance_until"] is None
    assert "maintenance over, paging now" in [e["text"] for e in card["timeline"]]


def test_the_channel_thread_says_when_maintenance_is_over() -> None:
    assert EVENT_WORDS["incident.maintenance_ended"] == "Maintenance over, paging now"
    quiet = timeline_text("maintenanceended", None, {"effects": ["Notify"]}, {})
    assert quiet == "maintenance over"
    assert timeline_text("maintenance", None, {"until": "nonsense"}, {}) == "held for maintenance"


async def test_a_window_may_last_31_days_and_not_a_minute_more() -> None:
    s = store()
    with pytest.raises(MaintenanceError, match="at most 31 days"):
        await window(s, T0, T0 + timedelta(days=31, minutes=1), service="api")
    assert s.maintenance.windows == {} and s.audit == []
    await window(s, T0, T0 + timedelta(days=31), service="api")
    assert len(s.maintenance.windows) == 1


async def test_an_incident_open_before_the_window_keeps_escalating_in_it() -> None:
    # documented (docs/heartbeats.md, as PagerDuty does): a window holds new incidents only
    s = store()
    await ingest(unit(s), alert("early"), T0)
    assert pages(s) == [(1, "ann")]
    await window(s, T0 + MIN, T0 + 2 * H, service="api")
    assert s.maintenance.holds == {}
    assert await fire(s, T0 + 5 * MIN) == 1  # tier 2, inside the window
    assert pages(s) == [(1, "ann"), (1, "dan")]
