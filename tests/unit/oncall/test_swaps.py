"""Swaps through request_swap and decide_swap on the in-memory unit of work: the window found,
the messages written with the change, every refusal (nothing written), and what the final
schedule shows afterwards.

The world (tests.unit.oncall.common): primary has daily turns from Mon 2 March 09:00 UTC,
ann then bob (ann: 2, 4, 6 March; bob: 3, 5 March); office is cat's, weekdays 09:00-17:00.
Bob reads times in Berlin (UTC+1 in March). "Now" is Mon 2 March 08:00, before any turn.
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import Any

import pytest

from core.oncall.actions import SwapRefused, add_override, add_time_off, decide_swap, request_swap
from core.oncall.views import final_for, load_state
from tests.fakes import FakeUnitOfWork, Store
from tests.unit.oncall.common import DOC, at, config, revision

NOW = at("2026-03-02 08:00")
ANN_4TH = (at("2026-03-04 09:00"), at("2026-03-05 09:00"))  # ann's turn
PEOPLE = [
    {"id": "ann", "name": "Ann"},
    {"id": "bob", "name": "Bob", "timezone": "Europe/Berlin"},
    {"id": "cat", "name": "Cat"},
    {"id": "dan", "name": "Dan"},
]
TEAMS = [{"id": "ops", "slack_channel": "C0OPS"}, {"id": "web"}]


def world(**changes: Any) -> Store:
    cfg = config(people=PEOPLE, teams=TEAMS, **changes)
    return Store(revisions=[revision(cfg, "2026-03-01 00:00", 1)], next_id=100)


@pytest.fixture
def store() -> Store:
    return world()


def written(store: Store) -> tuple[int, int, int, int, int]:
    """Everything a swap may write: overrides, swaps, audit, outbox, swap statuses."""
    statuses = sum(s.status != "pending" for s in store.swaps.values())
    return (len(store.overrides), len(store.swaps), len(store.audit), len(store.outbox), statuses)


async def ask(store: Store, **request: Any) -> int:
    fields: dict[str, Any] = {
        "schedule_id": None,
        "requester": "ann",
        "counterpart": "bob",
        "give": ANN_4TH,
        "now": NOW,
    }
    fields.update(request)
    return await request_swap(FakeUnitOfWork(store), **fields)


async def decide(store: Store, swap_id: int, actor: str, **kwargs: Any) -> Any:
    kwargs.setdefault("accept", True)
    kwargs.setdefault("now", NOW + timedelta(hours=1))
    return await decide_swap(FakeUnitOfWork(store), swap_id=swap_id, actor=actor, **kwargs)


def messages(store: Store, kind: str) -> list[Any]:
    return [m for m in sorted(store.outbox.values(), key=lambda m: m.id) if m.kind == kind]


async def shifts(store: Store, start: datetime, end: datetime) -> list[tuple[str, str, str]]:
    async with FakeUnitOfWork(store) as uow:
        state = await load_state(uow, start, end)
    return [
        (s.person, s.start.strftime("%d %H:%M"), s.source)
        for s in final_for(state, "primary", start, end).shifts
    ]


async def test_a_request_finds_the_schedule_and_asks_the_counterpart(store: Store) -> None:
    swap_id = await ask(store, reason="  family   dinner ")
    swap = store.swaps[swap_id]
    assert (swap.schedule_id, swap.status, swap.reason) == ("primary", "pending", "family dinner")
    assert store.overrides == []  # nothing changes until bob accepts
    [message] = messages(store, "swap.requested")
    assert (message.key, message.destination) == (f"swap/{swap_id}/requested", "chat")
    payload = message.payload
    assert payload["swap"] == swap_id and payload["schedule"] == "primary"
    assert payload["counterpart"] == {"id": "bob", "name": "Bob", "timezone": "Europe/Berlin"}
    assert payload["requester"]["timezone"] == "UTC"
    assert (payload["from"], payload["to"]) == (ANN_4TH[0].isoformat(), ANN_4TH[1].isoformat())
    assert payload["slack_channel"] == "C0OPS" and payload["reason"] == "family dinner"
    entry = store.audit[-1]
    assert (entry.action, entry.actor, entry.subject) == ("swap.request", "ann", "schedule:primary")
    assert entry.detail["reason"] == "family dinner" and entry.detail["counterpart"] == "bob"


async def test_part_of_a_shift_can_be_swapped(store: Store) -> None:
    swap_id = await ask(store, give=(at("2026-03-04 18:00"), at("2026-03-04 22:00")))
    assert store.swaps[swap_id].give_start == at("2026-03-04 18:00")


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (NOW, ("2026-03-02 09:00", "2026-03-03 09:00")),  # the first turn, still ahead
        (at("2026-03-02 10:00"), ("2026-03-04 09:00", "2026-03-05 09:00")),  # one under way
        (at("2026-03-02 09:00"), ("2026-03-04 09:00", "2026-03-05 09:00")),  # begins right now
    ],
)
async def test_my_next_shift_is_the_next_one_not_begun(
    store: Store, now: datetime, expected: tuple[str, str]
) -> None:
    swap_id = await ask(store, give=None, now=now)
    swap = store.swaps[swap_id]
    assert (swap.schedule_id, swap.give_start, swap.give_end) == (
        "primary",
        at(expected[0]),
        at(expected[1]),
    )


async def test_a_shift_and_its_adjoining_override_are_one_next_shift(store: Store) -> None:
    await add_override(
        FakeUnitOfWork(store),
        schedule_id="primary",
        person_id="ann",
        start=at("2026-03-04 05:00"),  # just before her turn of the 4th
        end=at("2026-03-04 09:00"),
        actor="ann",
        now=NOW,
    )
    swap_id = await ask(store, give=None, now=at("2026-03-02 10:00"))
    swap = store.swaps[swap_id]
    assert (swap.give_start, swap.give_end) == (at("2026-03-04 05:00"), at("2026-03-05 09:00"))


async def test_an_override_continuing_the_shift_under_way_is_not_the_next_shift(
    store: Store,
) -> None:
    await add_override(
        FakeUnitOfWork(store),
        schedule_id="primary",
        person_id="ann",
        start=at("2026-03-03 09:00"),  # right after the turn under way at 10:00 on the 2nd
        end=at("2026-03-03 12:00"),
        actor="ann",
        now=NOW,
    )
    swap_id = await ask(store, give=None, now=at("2026-03-02 10:00"))
    assert store.swaps[swap_id].give_start == ANN_4TH[0]


def two_schedules_for_ann() -> Store:
    schedules = copy.deepcopy(DOC["schedules"])
    twin = copy.deepcopy(schedules[0])
    twin["id"] = "secondary"
    twin["team"] = "web"
    return world(schedules=[*schedules, twin])


async def test_a_window_held_in_two_schedules_needs_the_schedule_named() -> None:
    store = two_schedules_for_ann()
    with pytest.raises(SwapRefused, match=r"in 2 schedules \(primary, secondary\); name one") as e:
        await ask(store)
    assert e.value.field == "schedule" and written(store) == (0, 0, 0, 0, 0)
    with pytest.raises(SwapRefused, match="start at the same time; name one"):
        await ask(store, give=None)
    swap_id = await ask(store, schedule_id="secondary")
    assert store.swaps[swap_id].schedule_id == "secondary"
    swap_id = await ask(store, schedule_id="secondary", give=None)
    assert store.swaps[swap_id].give_start == at("2026-03-02 09:00")


@pytest.mark.parametrize(
    ("request_", "message", "field"),
    [
        ({"counterpart": "ann"}, "two different people", "counterpart"),
        ({"counterpart": "zed"}, "unknown person 'zed'", "counterpart"),
        ({"requester": "zed"}, "unknown person 'zed'", None),
        ({"schedule_id": "nope"}, "unknown schedule 'nope'", "schedule"),
        (
            {"requester": "bob", "counterpart": "cat"},
            "you are not on call in that window in any schedule",
            "from",
        ),
        ({"schedule_id": "office"}, "in office you are not on call then", "from"),
        (
            {"give": (at("2026-03-04 12:00"), at("2026-03-05 12:00"))},
            r"only part of that window is yours \(in primary\)",
            "from",
        ),
        (
            {"give": (at("2026-03-02 07:00"), at("2026-03-02 12:00"))},
            "that window has begun",
            "from",
        ),
        ({"give": (at("2026-03-01 00:00"), at("2026-03-01 09:00"))}, "the past cannot", "to"),
        (
            {"give": None, "schedule_id": "office", "requester": "ann"},
            "you have no shift in office in the next 90 days",
            "from",
        ),
        (
            {"take": (at("2026-03-06 09:00"), at("2026-03-07 09:00"))},
            "the window taken back must be Bob's own shift in primary",
            "to",
        ),
    ],
)
async def test_bad_requests_are_refused_with_the_field_and_write_nothing(
    store: Store, request_: dict[str, Any], message: str, field: str | None
) -> None:
    with pytest.raises(SwapRefused, match=message) as refused:
        await ask(store, **request_)
    assert refused.value.field == field
    assert written(store) == (0, 0, 0, 0, 0)


async def test_a_swap_into_the_counterparts_time_off_is_refused(store: Store) -> None:
    async def away(start: str, end: str) -> None:
        await add_time_off(
            FakeUnitOfWork(store),
            person_id="bob",
            start=at(start),
            end=at(end),
            actor="bob",
            now=NOW,
        )

    await away("2026-03-04 05:00", "2026-03-04 09:00")  # ends as ann's turn begins
    swap_id = await ask(store)  # half-open intervals: no overlap
    assert store.swaps[swap_id].status == "pending"
    await away("2026-03-05 08:00", "2026-03-05 08:30")  # the last hour of ann's turn
    before = written(store)
    with pytest.raises(SwapRefused, match="Bob is on time off during that window") as refused:
        await ask(store)
    assert refused.value.field == "counterpart" and written(store) == before


async def test_a_long_reason_is_cut(store: Store) -> None:
    swap_id = await ask(store, reason="x" * 600)
    assert store.swaps[swap_id].reason == "x" * 500
