"""Stored fair-queue checkpoints: written as turns pass, dropped by time off, never change results."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from core.oncall.actions import add_time_off
from core.oncall.checkpoints import advance_checkpoints
from core.oncall.views import final_for, load_state
from tests.fakes import FakeUnitOfWork, Store
from tests.unit.oncall.common import at, config, revision

PEOPLE = [
    {"id": "ann", "available": ["08:00-20:00"]},  # cannot serve nights: covered, rarely eligible
    {"id": "bob"},
    {"id": "cat"},
]
SCHEDULES = [
    {
        "id": "primary",
        "layers": [
            {
                "id": "days",
                "members": ["ann", "bob", "cat"],
                "rotation": "daily",
                "start": "2026-01-05 09:00",
                "active": [{"from": "09:00", "to": "18:00"}],
            },
            {
                "id": "weeks",
                "members": ["cat", "bob"],
                "rotation": "weekly",
                "start": "2026-01-05 09:00",
            },
        ],
    }
]


def fresh_store() -> Store:
    cfg = config(people=PEOPLE, schedules=SCHEDULES, services=[], escalation_policies=[], teams=[])
    return Store(revisions=[revision(cfg, "2026-01-01 00:00", 1)], next_id=100)


async def shifts(
    store: Store, start: str, end: str, *, use_checkpoints: bool = True
) -> list[tuple[str, str, str]]:
    async with FakeUnitOfWork(store) as uow:
        state = await load_state(uow, at(start), at(end))
    if not use_checkpoints:
        state = replace(state, checkpoints=())
    final = final_for(state, "primary", at(start), at(end))
    return [(s.person, s.start.isoformat(), s.source) for s in final.shifts]


async def test_checkpoints_are_written_once_per_turn() -> None:
    store = fresh_store()
    now = at("2026-03-02 10:00")
    assert await advance_checkpoints(FakeUnitOfWork(store), now) == 2
    assert sorted(store.checkpoints) == [(1, "primary", "days"), (1, "primary", "weeks")]
    days = store.checkpoints[(1, "primary", "days")]
    assert (
        days.turn_index == 56
        and days.turn_start == at("2026-03-02 09:00")
        and days.computed_at == now
    )
    assert (
        await advance_checkpoints(FakeUnitOfWork(store), now + timedelta(hours=1)) == 0
    )  # same turns
    assert (
        await advance_checkpoints(FakeUnitOfWork(store), now + timedelta(days=1)) == 1
    )  # a new day
    assert store.checkpoints[(1, "primary", "days")].turn_index == 57


async def test_results_are_the_same_with_and_without_checkpoints() -> None:
    store = fresh_store()
    await add_time_off(
        FakeUnitOfWork(store),
        person_id="bob",
        start=at("2026-02-10 00:00"),
        end=at("2026-02-12 00:00"),
        actor="bob",
        now=at("2026-02-01 00:00"),
    )
    for day in range(0, 40, 3):
        await advance_checkpoints(
            FakeUnitOfWork(store), at("2026-02-01 12:00") + timedelta(days=day)
        )
    assert store.checkpoints
    window = ("2026-03-09 00:00", "2026-03-16 00:00")
    assert await shifts(store, *window) == await shifts(store, *window, use_checkpoints=False)


async def test_time_off_drops_the_checkpoints_it_can_change() -> None:
    store = fresh_store()
    await advance_checkpoints(FakeUnitOfWork(store), at("2026-03-02 10:00"))
    assert len(store.checkpoints) == 2
    # Time off from Mar 3 cannot change the queue before Mar 2's turn: nothing is dropped.
    await add_time_off(
        FakeUnitOfWork(store),
        person_id="cat",
        start=at("2026-03-03 09:00"),
        end=at("2026-03-04 09:00"),
        actor="cat",
        now=at("2026-03-02 10:00"),
    )
    assert len(store.checkpoints) == 2
    # Time off that began before the current turns started can: both are dropped.
    await add_time_off(
        FakeUnitOfWork(store),
        person_id="bob",
        start=at("2026-03-01 00:00"),
        end=at("2026-03-03 00:00"),
        actor="bob",
        now=at("2026-03-02 10:00"),
    )
    assert store.checkpoints == {}
    before = await shifts(store, "2026-03-02 00:00", "2026-03-09 00:00", use_checkpoints=False)
    await advance_checkpoints(FakeUnitOfWork(store), at("2026-03-02 10:00"))
    assert await shifts(store, "2026-03-02 00:00", "2026-03-09 00:00") == before


async def test_nothing_to_do_before_any_configuration_or_layer_start() -> None:
    assert await advance_checkpoints(FakeUnitOfWork(Store()), at("2026-03-02 10:00")) == 0
    assert await advance_checkpoints(FakeUnitOfWork(fresh_store()), at("2026-01-01 00:00")) == 0


async def test_computed_apart_from_the_write_gives_the_same_checkpoints() -> None:
    together, apart = fresh_store(), fresh_store()
    now = at("2026-03-02 10:00")
    assert await advance_checkpoints(FakeUnitOfWork(together), now) == 2
    assert await advance_checkpoints(FakeUnitOfWork(apart), now, read=FakeUnitOfWork(apart)) == 2
    assert apart.checkpoints == together.checkpoints
    assert await advance_checkpoints(FakeUnitOfWork(apart), now, read=FakeUnitOfWork(apart)) == 0


async def test_time_off_recorded_between_the_read_and_the_write_discards_the_result() -> None:
    """The queues were computed without the time off; storing them would make every later
    view wrong, so nothing is written and the next run computes again."""
    store = fresh_store()
    now = at("2026-03-02 10:00")
    read = FakeUnitOfWork(fresh_store())  # what the database held when the read began
    await add_time_off(
        FakeUnitOfWork(store),
        person_id="bob",
        start=at("2026-03-01 00:00"),
        end=at("2026-03-03 00:00"),
        actor="bob",
        now=now,
    )
    assert await advance_checkpoints(FakeUnitOfWork(store), now, read=read) == 0
    assert store.checkpoints == {}
    assert await advance_checkpoints(FakeUnitOfWork(store), now, read=FakeUnitOfWork(store)) == 2
    window = ("2026-03-02 00:00", "2026-03-09 00:00")
    assert await shifts(store, *window) == await shifts(store, *window, use_checkpoints=False)
