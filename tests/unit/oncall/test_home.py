"""A person's overview (:func:`core.oncall.home.home_for`) on the in-memory store.

The world is the command table's (:mod:`tests.unit.commands.world`) at Monday 2026-03-02
10:00 UTC: primary (ops) daily ann then bob from 09:00; office (web) cat weekdays 09-17;
weekend (web) cat on Saturday and Sunday; dan manages ops, cat web; eve is in no team.
Incident #1 (api) is assigned to ann, bob acknowledged #2 (site), dan resolved #3.
"""

from __future__ import annotations

from datetime import timedelta

from core.oncall.actions import add_time_off
from core.oncall.home import GapAhead, home_for
from tests.fakes import FakeUnitOfWork
from tests.unit.commands.world import NOW, at, new_store


async def test_an_engineer_sees_their_shifts_incidents_and_team() -> None:
    store = await new_store()
    home = await home_for(FakeUnitOfWork(store), "ann", NOW)
    assert home is not None
    assert (home.person.display_name, home.timezone, home.manager) == ("Ann", "UTC", False)
    assert home.until == NOW + timedelta(days=14)
    first = home.shifts[0]
    assert (first.schedule, first.start, first.end) == ("primary", NOW, at("2026-03-03 09:00"))
    assert home.shifts[1].start == at("2026-03-04 09:00")  # every other day
    assert home.shifts[-1].end <= home.until  # clipped to the window
    assert [r.id for r in home.incidents] == [1]
    (team,) = home.teams
    assert (team.team, team.display_name, team.managed) == ("ops", "Operations", False)
    (row,) = team.rows
    assert row.current is not None and row.current.person.id == "ann"
    assert row.next is not None and (row.next.person.id, row.next.start) == (
        "bob",
        at("2026-03-03 09:00"),
    )
    assert team.gaps == (GapAhead("orphan", None, None, NOW, NOW + timedelta(days=14)),)
    assert team.open_incidents == 1  # #1 (#3 is resolved)


async def test_a_manager_sees_gaps_with_the_schedule_that_would_fill_them() -> None:
    home = await home_for(FakeUnitOfWork(await new_store()), "cat", NOW)
    assert home is not None and home.manager
    (web,) = home.teams
    assert web.managed
    assert [r.schedule for r in web.rows] == ["office", "weekend"]
    assert web.rows[1].current is None  # the weekend schedule: a gap now
    assert web.gaps[0] == GapAhead(
        "site", None, "office", at("2026-03-02 17:00"), at("2026-03-03 09:00")
    )
    assert len(web.gaps) == 10  # every night and weekend of two weeks


async def test_time_off_moves_shifts_to_the_cover_and_strangers_get_none() -> None:
    store = await new_store()
    await add_time_off(
        FakeUnitOfWork(store),
        person_id="ann",
        start=at("2026-03-04 00:00"),
        end=at("2026-03-05 00:00"),
        actor="ann",
        now=NOW,
    )
    home = await home_for(FakeUnitOfWork(store), "ann", NOW)
    assert home is not None
    assert at("2026-03-04 09:00") not in [s.start for s in home.shifts]
    bob = await home_for(FakeUnitOfWork(store), "bob", NOW)
    assert bob is not None and any(s.source == "cover" for s in bob.shifts)
    assert [r.id for r in bob.incidents] == [2]  # he acknowledged it
    eve = await home_for(FakeUnitOfWork(store), "eve", NOW)
    assert eve is not None and (eve.teams, eve.shifts, eve.manager) == ((), (), False)
    assert await home_for(FakeUnitOfWork(store), "zed", NOW) is None
