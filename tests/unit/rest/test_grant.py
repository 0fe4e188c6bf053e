"""Rest after night pages on the in-memory store (the scenario: ``scenario.py``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from core.incidents.lifecycle import Acknowledge, Reassign, Resolve
from core.incidents.ports import AlertBatch, NewAlert
from core.incidents.service import act, ingest
from core.rest.messages import rest_text
from tests.fakes import FakeUnitOfWork, Store
from tests.unit.rest.scenario import REVISION, incident, t


def fresh() -> tuple[Store, Any]:
    store = Store(revisions=[REVISION])
    return store, lambda: FakeUnitOfWork(store)


def rests(store: Store) -> list[tuple[str, Any, Any, str]]:
    return [(o.person_id, o.start, o.end, o.created_by) for o in store.time_off]


def messages(store: Store) -> list[tuple[str, str]]:
    return [
        (row.kind, row.payload["recipient"]["id"])
        for row in store.outbox.values()
        if row.kind.startswith("rest.")
    ]


async def test_granted_exactly_at_the_threshold() -> None:
    store, units = fresh()
    # ann on call (Monday's turn); paged 23:00, acknowledged 00:00: 60 minutes of night
    await incident(units, 1, "2026-03-02 23:00", "2026-03-03 00:00", "2026-03-03 00:30")
    assert rests(store) == [("ann", t("2026-03-03 00:30"), t("2026-03-03 08:30"), "oncall:rest")]
    assert messages(store) == [("rest.granted", "ann"), ("rest.cover", "bob")]
    granted = next(r for r in store.outbox.values() if r.kind == "rest.granted")
    assert granted.incident_id is None and granted.destination == "chat"
    assert granted.payload["night_minutes"] == 60 and granted.payload["threshold_minutes"] == 60
    assert granted.payload["covers"] == [
        {
            "schedule": "primary",
            "schedule_name": "primary",
            "person": "bob",
            "name": "bob",
            "from": "2026-03-03T00:30:00+00:00",
            "to": "2026-03-03T08:30:00+00:00",
        }
    ]
    assert rest_text("rest.granted", granted.payload) == (
        "You were paged for 1 h 00 min at night during this shift (incident #1), so you are off "
        "call until Tue 03 Mar 08:30 UTC. Rest well. Covering: bob primary Tue 03 Mar 00:30 UTC "
        "to Tue 03 Mar 08:30 UTC."
    )
    audit = [a for a in store.audit if a.action == "timeoff.create"]
    assert len(audit) == 1 and audit[0].actor == "oncall:rest"
    assert audit[0].detail["reason"] == "rest after night pages (incident #1)"
    assert [c["person"] for c in audit[0].detail["covers"]] == ["bob"]
    (decision,) = store.rest_decisions.values()
    assert (decision.person_id, decision.shift_start, decision.outcome) == (
        "ann",
        t("2026-03-02 09:00"),
        "granted",
    )


async def test_not_granted_one_minute_below() -> None:
    store, units = fresh()
    await incident(units, 1, "2026-03-02 23:00", "2026-03-02 23:59", "2026-03-03 00:30")
    assert rests(store) == [] and messages(store) == [] and store.rest_decisions == {}


async def test_night_pages_of_one_shift_add_up_and_overlaps_count_once() -> None:
    store, units = fresh()
    await incident(units, 1, "2026-03-02 22:00", "2026-03-02 22:30", "2026-03-02 22:40")
    assert rests(store) == []  # 30 minutes so far
    # a page from 22:10 to 22:30 overlaps the first: it adds nothing
    await incident(units, 2, "2026-03-02 22:10", "2026-03-02 22:30", "2026-03-02 22:45")
    assert rests(store) == []
    await incident(units, 3, "2026-03-03 02:00", "2026-03-03 02:30", "2026-03-03 03:00")
    assert rests(store) == [("ann", t("2026-03-03 03:00"), t("2026-03-03 11:00"), "oncall:rest")]
    # bob covers 03:00-09:00 in ann's turn, then his own turn begins: one cover shift
    cover = next(r for r in store.outbox.values() if r.kind == "rest.cover")
    assert [(c["from"], c["to"]) for c in cover.payload["covers"]] == [
        ("2026-03-03T03:00:00+00:00", "2026-03-03T09:00:00+00:00")
    ]


async def test_pages_of_two_shifts_do_not_add_up() -> None:
    store, units = fresh()
    await incident(units, 1, "2026-03-02 23:00", "2026-03-02 23:40", "2026-03-02 23:50")
    # Wednesday night is ann's next turn (Wednesday 09:00 to Thursday 09:00)
    await incident(units, 2, "2026-03-04 23:00", "2026-03-04 23:40", "2026-03-04 23:50")
    assert rests(store) == [] and store.rest_decisions == {}


async def test_daytime_pages_do_not_count() -> None:
    store, units = fresh()
    await incident(units, 1, "2026-03-02 12:00", "2026-03-02 14:00", "2026-03-02 14:10")
    assert rests(store) == []


async def test_not_granted_twice_in_one_shift() -> None:
    store, units = fresh()
    await incident(units, 1, "2026-03-02 23:00", "2026-03-03 00:00", "2026-03-03 00:30")
    assert len(rests(store)) == 1
    # during the rest bob (covering) is paged at 02:00 and acknowledges at 02:05; then it is
    # handed to ann, who works it for 90 minutes of night
    labels = {"service": "api", "severity": "critical"}
    alert = NewAlert("fp2", "firing", t("2026-03-03 02:00"), None, labels)
    await ingest(
        units(),
        AlertBatch("alertmanager", "k2", "firing", "#2", labels, alerts=(alert,)),
        t("2026-03-03 02:00"),
    )
    await act(units(), 2, Acknowledge("bob"), "bob", t("2026-03-03 02:05"))
    await act(units(), 2, Reassign("dan", "ann"), "dan", t("2026-03-03 02:05"))
    await act(units(), 2, Acknowledge("ann"), "ann", t("2026-03-03 03:35"))
    await act(units(), 2, Resolve("ann"), "ann", t("2026-03-03 03:40"))
    async with units() as uow:
        metrics = await uow.metrics.get(2)
    assert metrics is not None
    assert [(p.person_id, p.until) for p in metrics.pages] == [
        ("bob", t("2026-03-03 02:05")),
        ("ann", t("2026-03-03 03:35")),
    ]
    assert len(rests(store)) == 1 and len(store.rest_decisions) == 1
    assert messages(store) == [("rest.granted", "ann"), ("rest.cover", "bob")]


async def test_a_cover_of_a_rest_is_a_shift_of_its_own() -> None:
    store, units = fresh()
    await incident(units, 1, "2026-03-02 23:00", "2026-03-03 00:00", "2026-03-03 00:30")
    # bob, covering ann's rest, is paged at 01:00 and works it until 02:00: he rests too?
    # Not when nobody can cover him: ann is resting, so the managers hear of it.
    await incident(units, 2, "2026-03-03 01:00", "2026-03-03 02:00", "2026-03-03 02:10", who="bob")
    assert [d.outcome for d in store.rest_decisions.values()] == ["granted", "refused"]
    bob = store.rest_decisions[("bob", t("2026-03-03 00:30"))]
    assert bob.night_time == timedelta(hours=1)
    assert messages(store)[-1] == ("rest.refused", "dan")


async def test_not_granted_when_nobody_can_cover_and_the_managers_are_told() -> None:
    store, units = fresh()
    await incident(
        units,
        1,
        "2026-03-02 23:00",
        "2026-03-03 00:00",
        "2026-03-03 00:30",
        service="lone",
        who="cat",
    )
    assert rests(store) == []
    assert messages(store) == [("rest.refused", "dan")]
    refused = next(r for r in store.outbox.values() if r.kind == "rest.refused")
    assert refused.payload["gaps"] == [
        {
            "schedule": "solo",
            "schedule_name": "solo",
            "from": "2026-03-03T00:30:00+00:00",
            "to": "2026-03-03T08:30:00+00:00",
        }
    ]
    assert "would leave nobody on call: solo Tue 03 Mar 00:30 UTC to Tue 03 Mar 08:30 UTC" in (
        rest_text("rest.refused", refused.payload)
    )
    (decision,) = store.rest_decisions.values()
    assert decision.outcome == "refused"
    # another night page in the same shift: the managers are not told again
    await incident(
        units,
        2,
        "2026-03-03 02:00",
        "2026-03-03 03:30",
        "2026-03-03 04:00",
        service="lone",
        who="cat",
    )
    assert messages(store) == [("rest.refused", "dan")] and rests(store) == []


async def test_a_team_without_the_rule_gets_no_rest() -> None:
    from core.ports import Revision
    from tests.unit.rest.scenario import CONFIG

    teams = tuple(team.model_copy(update={"rest_after_night_pages": None}) for team in CONFIG.teams)
    plain = CONFIG.model_copy(update={"teams": teams})
    store = Store(revisions=[Revision(1, REVISION.applied_at, plain)])
    units = lambda: FakeUnitOfWork(store)  # noqa: E731
    await incident(units, 1, "2026-03-02 22:00", "2026-03-03 02:00", "2026-03-03 02:30")
    assert rests(store) == [] and messages(store) == []


def test_words_never_raise_on_a_bad_payload() -> None:
    for kind in ("rest.granted", "rest.cover", "rest.refused", "rest.other"):
        assert rest_text(kind, {"covers": "x", "gaps": [1], "to": "soon", "recipient": 3})
