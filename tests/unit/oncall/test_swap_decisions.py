"""Deciding swaps through decide_swap on the in-memory unit of work: accepting (both overrides,
every audience told), declining, withdrawing, and each refusal (nothing written). The world
and the helpers are :mod:`tests.unit.oncall.test_swaps`'s.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from core.oncall.actions import SwapRefused, add_override, add_time_off
from tests.fakes import FakeUnitOfWork, Store
from tests.unit.oncall.common import at
from tests.unit.oncall.test_swaps import ANN_4TH, NOW, ask, decide, messages, shifts, store, written

__all__ = ["store"]  # the fixture


async def test_accepting_stores_both_overrides_and_tells_everyone(store: Store) -> None:
    swap_id = await ask(store, take=(at("2026-03-05 09:00"), at("2026-03-06 09:00")))
    decided = await decide(store, swap_id, "bob")
    assert decided.status == "accepted" and decided.decided_at == NOW + timedelta(hours=1)
    assert [(o.person_id, o.source, o.swap_id) for o in store.overrides] == [
        ("bob", "swap", swap_id),
        ("ann", "swap", swap_id),
    ]
    assert await shifts(store, at("2026-03-04 09:00"), at("2026-03-06 09:00")) == [
        ("bob", "04 09:00", "swap"),
        ("ann", "05 09:00", "swap"),
    ]
    sent = messages(store, "swap.decided")
    assert [m.payload["audience"] for m in sent] == ["counterpart", "requester", "channel"]
    assert {m.payload["status"] for m in sent} == {"accepted"}
    assert sent[0].key == f"swap/{swap_id}/decided/counterpart"
    assert [e.action for e in store.audit] == ["swap.request", "swap.accepted"]


async def test_declining_changes_no_shift_and_tells_the_requester(store: Store) -> None:
    swap_id = await ask(store)
    assert (await decide(store, swap_id, "bob", accept=False)).status == "declined"
    assert store.overrides == []
    assert [m.payload["audience"] for m in messages(store, "swap.decided")] == [
        "counterpart",
        "requester",
    ]
    with pytest.raises(SwapRefused, match=f"swap {swap_id} was declined already"):
        await decide(store, swap_id, "bob")


async def test_a_withdrawn_request_cannot_be_answered(store: Store) -> None:
    swap_id = await ask(store)
    assert (await decide(store, swap_id, "ann", withdraw=True)).status == "cancelled"
    assert [m.payload["audience"] for m in messages(store, "swap.decided")] == ["counterpart"]
    before = written(store)
    with pytest.raises(SwapRefused, match=f"swap {swap_id} was withdrawn by Ann"):
        await decide(store, swap_id, "bob")
    assert written(store) == before and store.overrides == []


@pytest.mark.parametrize(
    ("actor", "kwargs", "message"),
    [
        ("cat", {}, "only Bob can accept or decline"),
        ("cat", {"accept": False}, "only Bob can accept or decline"),
        ("ann", {"withdraw": False}, "only Bob can accept or decline"),
        ("ann", {"accept": True}, "only Bob can accept or decline"),
        ("bob", {"withdraw": True}, "only Ann can withdraw"),
        ("bob", {"now": ANN_4TH[0]}, "has expired: its window has begun"),
        ("bob", {"now": ANN_4TH[0] + timedelta(hours=1), "accept": False}, "has expired"),
    ],
)
async def test_decisions_refused_change_nothing(
    store: Store, actor: str, kwargs: dict[str, Any], message: str
) -> None:
    swap_id = await ask(store)
    before = written(store)
    with pytest.raises(SwapRefused, match=message):
        await decide(store, swap_id, actor, **kwargs)
    assert written(store) == before and store.swaps[swap_id].status == "pending"


async def test_an_unknown_swap_is_refused(store: Store) -> None:
    with pytest.raises(SwapRefused, match="unknown swap 999"):
        await decide(store, 999, "bob")


async def test_time_off_recorded_after_the_request_refuses_the_acceptance(store: Store) -> None:
    swap_id = await ask(store)
    await add_time_off(
        FakeUnitOfWork(store),
        person_id="bob",
        start=at("2026-03-04 20:00"),
        end=at("2026-03-04 21:00"),
        actor="bob",
        now=NOW,
    )
    before = written(store)
    with pytest.raises(SwapRefused, match="Bob is on time off during that window"):
        await decide(store, swap_id, "bob")
    assert written(store) == before


async def test_a_schedule_changed_since_the_request_refuses_the_acceptance(store: Store) -> None:
    swap_id = await ask(store)
    await add_override(
        FakeUnitOfWork(store),
        schedule_id="primary",
        person_id="cat",
        start=at("2026-03-04 12:00"),
        end=at("2026-03-04 13:00"),
        actor="dan",
        now=NOW,
    )
    with pytest.raises(SwapRefused, match="Ann is no longer on call for all of that window"):
        await decide(store, swap_id, "bob")
    assert store.swaps[swap_id].status == "pending"
