"""Hand-over announcements and coverage-gap warnings: each exactly once."""

from __future__ import annotations

from datetime import timedelta

from core.oncall.notices import Handover, announce_handovers, handovers, warn_about_gaps
from core.oncall.views import ScheduleState
from tests.fakes import FakeUnitOfWork, Store
from tests.unit.oncall.common import at, config, revision


def test_handovers_in_a_window() -> None:
    state = ScheduleState((revision(config(), "2026-03-01 00:00"),))
    found = handovers(state, "primary", at("2026-03-02 00:00"), at("2026-03-04 12:00"))
    assert found == [
        Handover("primary", at("2026-03-02 09:00"), None, "ann"),  # the layer starts: gap -> ann
        Handover("primary", at("2026-03-03 09:00"), "ann", "bob"),
        Handover("primary", at("2026-03-04 09:00"), "bob", "ann"),
    ]
    # The window is (start, end]: a hand-over exactly at the end counts, at the start does not.
    assert [
        h.at for h in handovers(state, "primary", at("2026-03-03 09:00"), at("2026-03-04 09:00"))
    ] == [at("2026-03-04 09:00")]
    office = handovers(state, "office", at("2026-03-02 00:00"), at("2026-03-03 00:00"))
    assert [(h.at, h.outgoing, h.incoming) for h in office] == [
        (at("2026-03-02 09:00"), None, "cat"),
        (at("2026-03-02 17:00"), "cat", None),  # into a gap: announced too
    ]


async def test_each_handover_is_announced_once() -> None:
    store = Store(revisions=[revision(config(), "2026-03-01 00:00")])
    now = at("2026-03-03 09:05")
    assert await announce_handovers(FakeUnitOfWork(store), now) == 2  # primary, and office opening
    assert await announce_handovers(FakeUnitOfWork(store), now + timedelta(seconds=30)) == 0
    message = store.outbox["handover/primary/2026-03-03T09:00:00+00:00"]
    assert (message.kind, message.payload["outgoing"], message.payload["incoming"]) == (
        "handover",
        "ann",
        "bob",
    )


async def test_each_gap_is_warned_about_once() -> None:
    store = Store(revisions=[revision(config(), "2026-03-01 00:00")])
    now = at("2026-03-02 18:00")
    first = await warn_about_gaps(FakeUnitOfWork(store), now, timedelta(days=1))
    assert first == 3  # site: Mon 17:00-Tue 09:00 (under way) and Tue 17:00-; orphan: no policy
    assert sorted(store.outbox) == [
        "gap/orphan/2026-02-23T00:00:00+00:00",  # began before the look-back floor
        "gap/site/2026-03-02T17:00:00+00:00",  # keeps its real start although it is under way
        "gap/site/2026-03-03T17:00:00+00:00",
    ]
    # Run again later: the same gaps, nothing new.
    later = FakeUnitOfWork(store)
    assert await warn_about_gaps(later, now + timedelta(minutes=1), timedelta(days=1)) == 0
    assert (
        await warn_about_gaps(FakeUnitOfWork(store), now + timedelta(hours=1), timedelta(days=1))
        == 0
    )


async def test_gaps_computed_in_a_read_unit_are_written_in_the_write_unit() -> None:
    store = Store(revisions=[revision(config(), "2026-03-01 00:00")])
    now = at("2026-03-02 18:00")
    read, write = FakeUnitOfWork(store), FakeUnitOfWork(store)
    assert await warn_about_gaps(write, now, timedelta(days=1), read=read) == 3
    assert (read.commits, write.commits) == (0, 1)
    assert sorted(store.outbox) == [
        "gap/orphan/2026-02-23T00:00:00+00:00",
        "gap/site/2026-03-02T17:00:00+00:00",
        "gap/site/2026-03-03T17:00:00+00:00",
    ]
    again = FakeUnitOfWork(store)
    assert await warn_about_gaps(again, now, timedelta(days=1), read=FakeUnitOfWork(store)) == 0


async def test_handovers_found_in_a_read_unit_are_written_in_the_write_unit() -> None:
    store = Store(revisions=[revision(config(), "2026-03-01 00:00")])
    now = at("2026-03-03 09:05")
    read, write = FakeUnitOfWork(store), FakeUnitOfWork(store)
    assert await announce_handovers(write, now, read=read) == 2
    assert (read.commits, write.commits) == (0, 1)
    assert sorted(store.outbox) == [
        "handover/office/2026-03-03T09:00:00+00:00",
        "handover/primary/2026-03-03T09:00:00+00:00",
    ]
    quiet = FakeUnitOfWork(store)
    assert (
        await announce_handovers(quiet, now + timedelta(hours=3), read=FakeUnitOfWork(store)) == 0
    )
    assert quiet.commits == 0  # nothing to announce: no write transaction at all
