"""Overrides, time off, swaps and history through the SQL repositories, on both databases."""

from __future__ import annotations

import copy
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from core.config.apply import apply_configuration
from core.oncall.actions import add_override, add_time_off, decide_swap, request_swap
from core.oncall.views import final_for, load_state, who_for
from storage.tables import AuditRow, OverrideRow
from storage.uow import SqlUnitOfWork, session_factory
from tests.unit.oncall.common import DOC, at, config

NOW = at("2026-03-02 08:00")


def uow(engine: AsyncEngine) -> SqlUnitOfWork:
    return SqlUnitOfWork(session_factory(engine))


async def people_on(
    engine: AsyncEngine, schedule: str, start: str, end: str
) -> list[tuple[str, str, str, str]]:
    async with uow(engine) as unit:
        state = await load_state(unit, at(start), at(end))
    final = final_for(state, schedule, at(start), at(end))
    return [
        (s.person, s.start.strftime("%d %H:%M"), s.end.strftime("%d %H:%M"), s.source)
        for s in final.shifts
    ]


async def test_config_change_rewrites_only_the_future(engine: AsyncEngine) -> None:
    await apply_configuration(
        uow(engine), config(), actor="t", source="t", now=at("2026-03-01 00:00")
    )
    later = copy.deepcopy(DOC["schedules"])
    later[0]["layers"][0]["members"] = ["cat", "dan"]
    await apply_configuration(
        uow(engine), config(schedules=later), actor="t", source="t", now=at("2026-03-03 12:00")
    )
    assert await people_on(engine, "primary", "2026-03-02 09:00", "2026-03-04 09:00") == [
        ("ann", "02 09:00", "03 09:00", "layer:daily"),
        ("bob", "03 09:00", "03 12:00", "layer:daily"),
        ("dan", "03 12:00", "04 09:00", "layer:daily"),
    ]
    # Before the first apply: the first revision defines the past too.
    assert (await people_on(engine, "primary", "2026-03-02 09:00", "2026-03-02 10:00"))[0][
        0
    ] == "ann"


async def test_override_time_off_and_swap_on_sql(engine: AsyncEngine) -> None:
    await apply_configuration(
        uow(engine), config(), actor="t", source="t", now=at("2026-03-01 00:00")
    )
    await add_override(
        uow(engine),
        schedule_id="primary",
        person_id="cat",
        start=at("2026-03-02 10:00"),
        end=at("2026-03-02 12:00"),
        actor="dana",
        now=NOW,
    )
    outcome = await add_time_off(
        uow(engine),
        person_id="ann",
        start=at("2026-03-02 13:00"),
        end=at("2026-03-02 14:00"),
        actor="ann",
        now=NOW,
        reason="dentist",
    )
    assert [(sid, c.person) for sid, c in outcome.covers] == [("primary", "bob")]
    swap_id = await request_swap(
        uow(engine),
        schedule_id="primary",
        requester="ann",
        counterpart="dan",
        give=(at("2026-03-04 09:00"), at("2026-03-05 09:00")),
        take=None,
        now=NOW,
    )
    accepted = await decide_swap(uow(engine), swap_id=swap_id, actor="dan", accept=True, now=NOW)
    assert accepted.status == "accepted" and accepted.decided_at == NOW

    assert await people_on(engine, "primary", "2026-03-02 09:00", "2026-03-02 15:00") == [
        ("ann", "02 09:00", "02 10:00", "layer:daily"),
        ("cat", "02 10:00", "02 12:00", "override"),
        ("ann", "02 12:00", "02 13:00", "layer:daily"),
        ("bob", "02 13:00", "02 14:00", "cover"),
        ("ann", "02 14:00", "02 15:00", "layer:daily"),
    ]
    assert (await people_on(engine, "primary", "2026-03-04 09:00", "2026-03-05 09:00")) == [
        ("dan", "04 09:00", "05 09:00", "swap")
    ]
    async with uow(engine) as unit:
        state = await load_state(unit, at("2026-03-01 00:00"), at("2026-03-10 00:00"))
    found = who_for(state, "primary", at("2026-03-02 11:00"))
    assert found is not None and found.person == "cat" and found.start == at("2026-03-02 10:00")
    async with engine.connect() as conn:
        actions = (
            (await conn.execute(select(AuditRow.action).order_by(AuditRow.id))).scalars().all()
        )  # type: ignore[arg-type]
    assert actions == [
        "config.apply",
        "override.create",
        "timeoff.create",
        "swap.request",
        "swap.accepted",
    ]


async def test_cancelled_override_no_longer_counts(engine: AsyncEngine) -> None:
    await apply_configuration(
        uow(engine), config(), actor="t", source="t", now=at("2026-03-01 00:00")
    )
    await add_override(
        uow(engine),
        schedule_id="primary",
        person_id="cat",
        start=at("2026-03-02 10:00"),
        end=at("2026-03-02 12:00"),
        actor="dana",
        now=NOW,
    )
    async with engine.begin() as conn:
        await conn.execute(update(OverrideRow).values(cancelled_at=NOW + timedelta(minutes=1)))
        assert (await conn.execute(select(func.count()).select_from(OverrideRow))).scalar_one() == 1
    assert [
        p for p, *_ in await people_on(engine, "primary", "2026-03-02 09:00", "2026-03-02 13:00")
    ] == ["ann"]


async def test_revisions_query(engine: AsyncEngine) -> None:
    async with uow(engine) as unit:
        assert await unit.schedules.revisions(at("2026-03-01 00:00"), at("2026-03-02 00:00")) == []
    for day in ("2026-03-05 00:00", "2026-03-10 00:00", "2026-03-15 00:00"):
        changed = copy.deepcopy(DOC["teams"])
        changed[0]["name"] = day
        await apply_configuration(
            uow(engine), config(teams=changed), actor="t", source="t", now=at(day)
        )
    async with uow(engine) as unit:

        async def ids(start: str, end: str) -> list[int]:
            return [r.id for r in await unit.schedules.revisions(at(start), at(end))]

        assert await ids("2026-03-01 00:00", "2026-03-02 00:00") == [
            1
        ]  # the first defines the past
        assert await ids("2026-03-01 00:00", "2026-03-10 00:00") == [
            1
        ]  # the window ends as 2 begins
        assert await ids("2026-03-06 00:00", "2026-03-11 00:00") == [1, 2]
        assert await ids("2026-03-10 00:00", "2026-04-01 00:00") == [2, 3]
        assert await ids("2026-04-01 00:00", "2026-04-02 00:00") == [3]


async def test_checkpoints_on_sql(engine: AsyncEngine) -> None:
    from core.oncall.checkpoints import advance_checkpoints

    await apply_configuration(
        uow(engine), config(), actor="t", source="t", now=at("2026-03-01 00:00")
    )
    assert await advance_checkpoints(uow(engine), at("2026-03-05 10:00")) == 2  # primary and office
    assert await advance_checkpoints(uow(engine), at("2026-03-05 11:00")) == 0
    async with uow(engine) as unit:
        stored = sorted(await unit.schedules.checkpoints([1]), key=lambda c: c.layer_id)
    assert [(c.layer_id, c.turn_index, c.turn_start, c.queue) for c in stored] == [
        ("daily", 3, at("2026-03-05 09:00"), ("bob", "ann")),
        ("hours", 0, at("2026-03-02 00:00"), ("cat",)),
    ]
    await add_time_off(
        uow(engine),
        person_id="ann",
        start=at("2026-03-04 00:00"),
        end=at("2026-03-06 00:00"),
        actor="ann",
        now=at("2026-03-05 10:00"),
    )
    async with uow(engine) as unit:
        assert [c.layer_id for c in await unit.schedules.checkpoints([1])] == ["hours"]
