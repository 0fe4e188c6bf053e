"""Overrides, time off and swaps through the use cases, on the in-memory unit of work."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.oncall.actions import (
    ScheduleInputError,
    add_override,
    add_time_off,
    decide_swap,
    request_swap,
)
from core.oncall.views import final_for, load_state
from tests.fakes import FakeUnitOfWork, Store
from tests.unit.oncall.common import at, config, revision

NOW = at("2026-03-02 08:00")


@pytest.fixture
def store() -> Store:
    return Store(revisions=[revision(config(), "2026-03-01 00:00", 1)], next_id=100)


def snapshot(store: Store) -> tuple[int, int, int, int]:
    return (len(store.overrides), len(store.time_off), len(store.swaps), len(store.audit))


async def test_override_is_stored_audited_and_shown(store: Store) -> None:
    oid = await add_override(
        FakeUnitOfWork(store),
        schedule_id="primary",
        person_id="cat",
        start=at("2026-03-02 10:00"),
        end=at("2026-03-02 12:00"),
        actor="dana",
        now=NOW,
        reason="cover lunch",
    )
    assert [o.id for o in store.overrides] == [oid]
    entry = store.audit[-1]
    assert (entry.action, entry.actor, entry.subject, entry.at) == (
        "override.create",
        "dana",
        "schedule:primary",
        NOW,
    )
    assert entry.detail["person"] == "cat" and entry.detail["reason"] == "cover lunch"
    async with FakeUnitOfWork(store) as uow:
        state = await load_state(uow, at("2026-03-02 09:00"), at("2026-03-02 13:00"))
    assert [
        (s.person, s.source)
        for s in final_for(state, "primary", at("2026-03-02 09:00"), at("2026-03-02 13:00")).shifts
    ] == [("ann", "layer:daily"), ("cat", "override"), ("ann", "layer:daily")]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"schedule_id": "nope"}, "unknown schedule 'nope'"),
        ({"person_id": "zed"}, "unknown person 'zed'"),
        (
            {"start": at("2026-03-02 12:00"), "end": at("2026-03-02 10:00")},
            "--to must be after --from",
        ),
        (
            {"start": at("2026-03-02 12:00"), "end": at("2026-03-02 12:00")},
            "--to must be after --from",
        ),
        (
            {"start": at("2026-03-01 10:00"), "end": at("2026-03-01 12:00")},
            "the past cannot be changed",
        ),
        ({"end": at("2027-03-10 00:00")}, "a year long at most"),
    ],
)
async def test_bad_override_changes_nothing(store: Store, kwargs: dict, message: str) -> None:
    request = {
        "schedule_id": "primary",
        "person_id": "cat",
        "start": at("2026-03-02 10:00"),
        "end": at("2026-03-02 12:00"),
    }
    request.update(kwargs)
    before = snapshot(store)
    with pytest.raises(ScheduleInputError, match=message):
        await add_override(FakeUnitOfWork(store), actor="dana", now=NOW, **request)
    assert snapshot(store) == before


async def test_override_before_any_configuration_is_refused() -> None:
    empty = Store()
    with pytest.raises(ScheduleInputError, match="unknown schedule"):
        await add_override(
            FakeUnitOfWork(empty),
            schedule_id="primary",
            person_id="ann",
            start=at("2026-03-02 10:00"),
            end=at("2026-03-02 12:00"),
            actor="x",
            now=NOW,
        )
    assert snapshot(empty) == (0, 0, 0, 0)


async def test_time_off_records_the_covers(store: Store) -> None:
    outcome = await add_time_off(
        FakeUnitOfWork(store),
        person_id="ann",
        start=at("2026-03-02 12:00"),
        end=at("2026-03-02 14:00"),
        actor="ann",
        now=NOW,
        reason="dentist",
    )
    assert [(sid, c.person, c.start, c.end) for sid, c in outcome.covers] == [
        ("primary", "bob", at("2026-03-02 12:00"), at("2026-03-02 14:00"))
    ]
    entry = store.audit[-1]
    assert entry.action == "timeoff.create" and entry.subject == "person:ann"
    assert entry.detail["covers"] == [
        {
            "schedule": "primary",
            "person": "bob",
            "from": "2026-03-02T12:00:00+00:00",
            "to": "2026-03-02T14:00:00+00:00",
        }
    ]


async def test_time_off_for_a_whole_turn_passes_the_turn_on(store: Store) -> None:
    # ann holds turns 0 and 2 (Mar 2 and Mar 4); away all of Mar 4's turn, bob takes it.
    await add_time_off(
        FakeUnitOfWork(store),
        person_id="ann",
        start=at("2026-03-04 09:00"),
        end=at("2026-03-05 09:00"),
        actor="ann",
        now=NOW,
    )
    async with FakeUnitOfWork(store) as uow:
        state = await load_state(uow, at("2026-03-02 09:00"), at("2026-03-06 09:00"))
    final = final_for(state, "primary", at("2026-03-02 09:00"), at("2026-03-06 09:00"))
    assert [s.person for s in final.shifts] == ["ann", "bob", "ann"]
    assert [(s.start.day, s.end.day) for s in final.shifts] == [(2, 3), (3, 5), (5, 6)]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"person_id": "zed"}, "unknown person 'zed'"),
        ({"end": at("2026-03-02 11:00")}, "--to must be after --from"),
        (
            {"start": at("2026-02-01 00:00"), "end": at("2026-02-02 00:00")},
            "the past cannot be changed",
        ),
    ],
)
async def test_bad_time_off_changes_nothing(store: Store, kwargs: dict, message: str) -> None:
    request = {"person_id": "ann", "start": at("2026-03-02 12:00"), "end": at("2026-03-02 14:00")}
    request.update(kwargs)
    before = snapshot(store)
    with pytest.raises(ScheduleInputError, match=message):
        await add_time_off(FakeUnitOfWork(store), actor="ann", now=NOW, **request)
    assert snapshot(store) == before


async def swap(store: Store, **overrides: object) -> int:
    request = {
        "schedule_id": "primary",
        "requester": "ann",
        "counterpart": "bob",
        "give": (at("2026-03-04 09:00"), at("2026-03-05 09:00")),
        "take": (at("2026-03-05 09:00"), at("2026-03-06 09:00")),
    }
    request.update(overrides)
    return await request_swap(FakeUnitOfWork(store), now=NOW, **request)  # type: ignore[arg-type]


async def test_accepted_swap_trades_the_two_windows(store: Store) -> None:
    swap_id = await swap(store)
    assert store.swaps[swap_id].status == "pending" and store.overrides == []
    decided = await decide_swap(
        FakeUnitOfWork(store),
        swap_id=swap_id,
        actor="bob",
        accept=True,
        now=NOW + timedelta(minutes=5),
    )
    assert decided.status == "accepted" and decided.decided_at == NOW + timedelta(minutes=5)
    async with FakeUnitOfWork(store) as uow:
        state = await load_state(uow, at("2026-03-04 09:00"), at("2026-03-06 09:00"))
    final = final_for(state, "primary", at("2026-03-04 09:00"), at("2026-03-06 09:00"))
    assert [(s.person, s.source) for s in final.shifts] == [("bob", "swap"), ("ann", "swap")]
    assert [e.action for e in store.audit] == ["swap.request", "swap.accepted"]


async def test_declined_and_cancelled_swaps_change_no_shift(store: Store) -> None:
    declined = await swap(store)
    assert (
        await decide_swap(
            FakeUnitOfWork(store), swap_id=declined, actor="bob", accept=False, now=NOW
        )
    ).status == "declined"
    cancelled = await swap(store)
    assert (
        await decide_swap(
            FakeUnitOfWork(store), swap_id=cancelled, actor="ann", accept=False, now=NOW
        )
    ).status == "cancelled"
    assert store.overrides == []


@pytest.mark.parametrize(
    ("actor", "accept", "message"),
    [("ann", True, "only bob can accept"), ("cat", False, "only bob can accept")],
)
async def test_only_the_counterpart_accepts(
    store: Store, actor: str, accept: bool, message: str
) -> None:
    swap_id = await swap(store)
    before = snapshot(store)
    with pytest.raises(ScheduleInputError, match=message):
        await decide_swap(
            FakeUnitOfWork(store), swap_id=swap_id, actor=actor, accept=accept, now=NOW
        )
    assert snapshot(store) == before and store.swaps[swap_id].status == "pending"


async def test_a_swap_is_decided_once(store: Store) -> None:
    swap_id = await swap(store)
    await decide_swap(FakeUnitOfWork(store), swap_id=swap_id, actor="bob", accept=True, now=NOW)
    with pytest.raises(ScheduleInputError, match="accepted already"):
        await decide_swap(FakeUnitOfWork(store), swap_id=swap_id, actor="bob", accept=True, now=NOW)
    assert len(store.overrides) == 2
    with pytest.raises(ScheduleInputError, match="unknown swap 999"):
        await decide_swap(FakeUnitOfWork(store), swap_id=999, actor="bob", accept=True, now=NOW)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"counterpart": "ann"}, "two different people"),
        ({"counterpart": "zed"}, "unknown person 'zed'"),
        ({"schedule_id": "nope"}, "unknown schedule"),
        ({"give": (at("2026-03-01 00:00"), at("2026-03-01 09:00"))}, "the past cannot be changed"),
    ],
)
async def test_bad_swap_request_changes_nothing(store: Store, kwargs: dict, message: str) -> None:
    before = snapshot(store)
    with pytest.raises(ScheduleInputError, match=message):
        await swap(store, **kwargs)
    assert snapshot(store) == before


async def test_one_way_hand_off(store: Store) -> None:
    swap_id = await swap(store, take=None)
    await decide_swap(FakeUnitOfWork(store), swap_id=swap_id, actor="bob", accept=True, now=NOW)
    assert [(o.person_id, o.source) for o in store.overrides] == [("bob", "swap")]


async def test_time_off_before_the_window_still_moves_the_queue(store: Store) -> None:
    # Three members, daily turns from Mar 2: ann, bob, cat, ann, ... Cat is away for all of
    # Mar 4's turn, so ann takes it and cat keeps her place: the rotation after that differs
    # from plain round robin. A view of a later window must know about that earlier time off.
    schedules = [
        {
            "id": "primary",
            "layers": [
                {
                    "id": "d",
                    "members": ["ann", "bob", "cat"],
                    "rotation": "daily",
                    "start": "2026-03-02 09:00",
                }
            ],
        }
    ]
    store.revisions = [
        revision(
            config(schedules=schedules, services=[], escalation_policies=[]), "2026-03-01 00:00"
        )
    ]
    await add_time_off(
        FakeUnitOfWork(store),
        person_id="cat",
        start=at("2026-03-04 09:00"),
        end=at("2026-03-05 09:00"),
        actor="cat",
        now=NOW,
    )
    window = (at("2026-03-05 09:00"), at("2026-03-08 09:00"))
    async with FakeUnitOfWork(store) as uow:
        narrow = await load_state(uow, *window)
        wide = await load_state(uow, at("2026-03-01 00:00"), window[1])
    expected = [s.person for s in final_for(wide, "primary", *window).shifts]
    assert expected == ["cat", "bob", "ann"]  # cat kept her place at the front
    assert [s.person for s in final_for(narrow, "primary", *window).shifts] == expected
