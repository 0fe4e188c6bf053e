"""The ticket repository on SQLite, PostgreSQL and the in-memory fake: one ticket per
incident (a second add keeps the first), builtin numbers, a key taken twice, status,
comments once per key, reads of many incidents."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from core.incidents.lifecycle import IncidentState
from core.incidents.ports import NewIncident
from core.ports import UnitOfWork
from core.tickets.ports import TicketComment, TicketRecord
from tests.fakes import FakeUnitOfWork, Store
from tests.support import fresh_postgres_database, postgres_reachable, unavailable
from tests.unit.oncall.common import at

T0 = at("2026-03-02 10:00")


@pytest.fixture(params=["sqlite", "postgres", "fake"])
async def units(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[Callable[[], UnitOfWork]]:
    """New units of work over a migrated SQLite or PostgreSQL database, or a fake store."""
    if request.param == "fake":
        store = Store()
        yield lambda: FakeUnitOfWork(store)
        return
    from storage.engine import create_engine
    from storage.migrate import upgrade
    from storage.uow import SqlUnitOfWork, session_factory

    async with AsyncExitStack() as stack:
        url = f"sqlite+aiosqlite:///{tmp_path / 'oncall.db'}"
        if request.param == "postgres":
            problem = await postgres_reachable()
            if problem:
                unavailable("postgres", problem)
            url = await stack.enter_async_context(fresh_postgres_database())
        engine = create_engine(url)
        stack.push_async_callback(engine.dispose)
        await upgrade(engine)
        sessions = session_factory(engine)
        yield lambda: SqlUnitOfWork(sessions)


async def incidents(units: Callable[[], UnitOfWork], n: int) -> list[int]:
    ids = []
    async with units() as uow:
        for i in range(n):
            new = NewIncident(
                "alertmanager", f"g{i}", "t", "api", None, None, "critical",
                IncidentState(), T0, {}, {}, {},
            )  # fmt: skip
            created = await uow.incidents.create(new)
            assert created is not None
            ids.append(created)
        await uow.commit()
    return ids


def ticket(incident_id: int, key: str, system: Any = "builtin") -> TicketRecord:
    return TicketRecord(
        incident_id, system, key, "https://x/1", "open", T0, f"oncall-incident-{incident_id}"
    )


async def test_one_ticket_per_incident(units: Callable[[], UnitOfWork]) -> None:
    one, two, three = await incidents(units, 3)
    async with units() as uow:
        assert await uow.tickets.next_number("builtin") == 1
        stored = await uow.tickets.add(ticket(one, "T-1"))
        assert stored == replace(ticket(one, "T-1"), updated_at=T0)
        again = await uow.tickets.add(ticket(one, "T-9"))  # the incident has one: kept
        assert again is not None and again.key == "T-1"
        assert await uow.tickets.add(ticket(two, "T-1")) is None  # the key is taken
        assert await uow.tickets.next_number("builtin") == 2
        github = await uow.tickets.add(
            replace(ticket(two, "#1", "github"), external_id="1", assignee="ann")
        )
        assert github is not None and (github.external_id, github.assignee) == ("1", "ann")
        assert await uow.tickets.next_number("builtin") == 2  # other systems are not numbered
        await uow.commit()
    async with units() as uow:
        found = await uow.tickets.for_incidents([one, two, three, 999])
        assert {i: t.key for i, t in found.items()} == {one: "T-1", two: "#1"}
        assert await uow.tickets.for_incidents([]) == {}
        assert await uow.tickets.for_incident(three) is None
        await uow.tickets.set_status(one, "closed", at("2026-03-02 11:00"))
        await uow.tickets.set_status(three, "closed", T0)  # no ticket: nothing happens
        await uow.tickets.set_assignee(two, None, at("2026-03-02 10:30"))
        await uow.tickets.set_assignee(three, "ann", T0)  # no ticket: nothing happens
        await uow.commit()
    async with units() as uow:
        closed = await uow.tickets.for_incident(one)
        assert closed is not None
        assert (closed.status, closed.updated_at) == ("closed", at("2026-03-02 11:00"))
        assert await uow.tickets.for_incident(three) is None
        moved = await uow.tickets.for_incident(two)
        assert moved is not None
        assert (moved.assignee, moved.updated_at) == (None, at("2026-03-02 10:30"))


async def test_nothing_is_kept_without_a_commit(units: Callable[[], UnitOfWork]) -> None:
    [one] = await incidents(units, 1)
    async with units() as uow:
        await uow.tickets.add(ticket(one, "T-1"))
    async with units() as uow:
        assert await uow.tickets.for_incident(one) is None


async def test_comments_once_per_key_in_order(units: Callable[[], UnitOfWork]) -> None:
    one, two = await incidents(units, 2)
    async with units() as uow:
        first = TicketComment(one, "incident/1/event/2/1", "acknowledged", "Acked", T0, "c1")
        assert await uow.tickets.add_comment(first)
        assert not await uow.tickets.add_comment(replace(first, body="other"))
        later = TicketComment(
            one, "incident/1/event/3/1", "resolve", "Done", at("2026-03-02 11:00")
        )
        assert await uow.tickets.add_comment(later)
        assert await uow.tickets.add_comment(TicketComment(two, "k2", "review", "R", T0))
        await uow.commit()
    async with units() as uow:
        assert await uow.tickets.comments(one) == [first, later]
        assert await uow.tickets.has_comment("incident/1/event/2/1")
        assert not await uow.tickets.has_comment("nope")
        assert [c.key for c in await uow.tickets.comments(two)] == ["k2"]
