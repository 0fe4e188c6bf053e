"""What a hand-over message says at delivery: the shifts around it, the team's incidents, and
who is on call now."""

from __future__ import annotations

from dataclasses import replace

from core.incidents.lifecycle import IncidentState
from core.incidents.ports import NewIncident
from core.oncall.handover_brief import handover_brief
from core.oncall.targets import PersonRef
from tests.fakes import FakeUnitOfWork, Store
from tests.unit.oncall.common import at, config, revision

PEOPLE = [{"id": "ann"}, {"id": "bob", "timezone": "Asia/Tokyo"}, {"id": "cat"}, {"id": "dan"}]
INCIDENT = NewIncident(
    source="am",
    dedup_key="k",
    title="t",
    service_id="api",
    team_id="ops",
    policy_id="ops",
    severity="critical",
    state=IncidentState(),
    opened_at=at("2026-03-02 12:00"),
    labels={},
    annotations={},
    links={},
)


async def store_with_incidents() -> Store:
    store = Store(revisions=[revision(config(people=PEOPLE), "2026-03-01 00:00")])
    async with FakeUnitOfWork(store) as uow:
        for key, opened, team, status in [
            ("before", "2026-03-02 08:00", "ops", "triggered"),  # before ann's shift: open
            ("during", "2026-03-02 12:00", "ops", "triggered"),
            ("fixed", "2026-03-03 08:59", "ops", "resolved"),
            ("other", "2026-03-02 12:00", "web", "triggered"),  # another team's
            ("after", "2026-03-03 09:00", "ops", "acknowledged"),  # bob's already
        ]:
            await uow.incidents.create(
                replace(
                    INCIDENT,
                    dedup_key=key,
                    title=key,
                    team_id=team,
                    opened_at=at(opened),
                    state=IncidentState(status=status),  # type: ignore[arg-type]
                )
            )
        await uow.commit()
    return store


async def test_a_brief_of_a_handover_delivered_on_time() -> None:
    store = await store_with_incidents()
    brief = await handover_brief(
        FakeUnitOfWork(store),
        "primary",
        at("2026-03-03 09:00"),
        at("2026-03-03 09:00:30"),
        outgoing="ann",
        incoming="bob",
    )
    assert (brief.team_id, brief.outgoing, brief.incoming) == (
        "ops",
        PersonRef("ann"),
        PersonRef("bob"),
    )
    assert brief.outgoing_since == at("2026-03-02 09:00")
    assert brief.incoming_until == at("2026-03-04 09:00")
    assert brief.incoming_timezone == "Asia/Tokyo"
    assert [i.title for i in brief.during_shift] == ["fixed", "during"]  # newest first
    assert [i.title for i in brief.still_open] == ["after", "during", "before"]
    assert [(r.schedule_id, r.person) for r in brief.on_call_now] == [("primary", PersonRef("bob"))]


async def test_a_late_brief_shows_now_and_a_changed_shift_has_no_bounds() -> None:
    store = await store_with_incidents()
    async with FakeUnitOfWork(store) as uow:  # cat took Tuesday's shift meanwhile
        await uow.schedules.add_override(
            schedule_id="primary",
            person_id="cat",
            start=at("2026-03-03 09:00"),
            end=at("2026-03-04 09:00"),
            created_at=at("2026-03-03 10:00"),
            created_by="dan",
        )
        await uow.commit()
    brief = await handover_brief(
        FakeUnitOfWork(store),
        "primary",
        at("2026-03-03 09:00"),
        at("2026-03-04 10:00"),  # delivered a day and an hour late
        outgoing="ann",
        incoming="bob",
    )
    assert brief.incoming_until is None  # bob does not hold it any more
    assert [(r.schedule_id, r.person) for r in brief.on_call_now] == [("primary", PersonRef("ann"))]
    # a schedule no longer configured: the team from the row, nobody on call in it
    gone = await handover_brief(
        FakeUnitOfWork(store),
        "retired",
        at("2026-03-03 09:00"),
        at("2026-03-03 09:01"),
        outgoing=None,
        incoming="bob",
        team_id="ops",
    )
    assert (gone.schedule_name, gone.team_id, gone.outgoing_since) == ("retired", "ops", None)
    assert gone.during_shift == () and len(gone.still_open) == 3
