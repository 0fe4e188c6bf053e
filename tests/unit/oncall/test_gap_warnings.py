"""Coverage-gap warnings: once per gap, again when it changes, a note when it is covered."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from core.oncall.gap_warnings import GAP_HORIZON, FoundGap, diff_gaps, warn_about_gaps
from core.oncall.ports import GapWarning
from tests.fakes import FakeUnitOfWork, Store
from tests.unit.oncall.common import at, config, revision

DAY = timedelta(days=1)
PEOPLE = [
    {"id": "ann", "timezone": "Europe/Berlin"},
    {"id": "bob"},
    {"id": "cat"},
    {"id": "dan", "name": "Dan", "slack": "U0DAN", "timezone": "America/New_York"},
]
# web's "office" schedule has cat from 09:00 to 17:00 on weekdays (from Monday 2026-03-02):
# its service "site" has a gap every night. ops has no managers: its gaps are told nobody.
TEAMS = [{"id": "ops"}, {"id": "web", "name": "Web", "managers": ["dan", "ann"]}]


def store_with() -> Store:
    return Store(revisions=[revision(config(people=PEOPLE, teams=TEAMS), "2026-03-01 00:00")])


def gap_messages(store: Store, since: int = 0) -> list[Any]:
    rows = sorted(store.outbox.values(), key=lambda r: r.id)
    return [r for r in rows if r.kind == "coverage_gap" and r.id > since]


def last_id(store: Store) -> int:
    return max((r.id for r in store.outbox.values()), default=0)


async def cover(store: Store, start: str, end: str) -> None:
    async with FakeUnitOfWork(store) as uow:
        await uow.schedules.add_override(
            schedule_id="office",
            person_id="cat",
            start=at(start),
            end=at(end),
            created_at=at("2026-03-02 10:00"),
            created_by="dan",
        )
        await uow.commit()


def entry(change: str, start: str, end: str | None, **was: str) -> dict[str, Any]:
    return {
        "change": change,
        "service": "site",
        "service_name": "site",
        "importance": "normal",
        "schedule": "office",
        "schedule_name": "office",
        "from": at(start).isoformat(),
        "to": at(end).isoformat() if end else None,
        "was_from": at(was["was_from"]).isoformat() if "was_from" in was else None,
        "was_to": at(was["was_to"]).isoformat() if "was_to" in was else None,
    }


async def test_a_gap_is_warned_once_then_changed_then_resolved() -> None:
    store = store_with()
    now = at("2026-03-02 10:00")  # Monday; a one-day horizon keeps the example small
    # site: Mon 17:00 - Tue 09:00. orphan (ops, no policy): one gap to the horizon.
    assert await warn_about_gaps(FakeUnitOfWork(store), now, DAY) == 2
    sent = gap_messages(store)
    assert [m.key for m in sent] == [
        "gaps/web/dan/2026-03-02T10:00:00+00:00",  # managers in the file's order
        "gaps/web/ann/2026-03-02T10:00:00+00:00",
    ]
    dan = sent[0].payload
    assert (dan["team"], dan["team_name"], dan["manager"]["timezone"]) == (
        "web",
        "Web",
        "America/New_York",
    )
    assert dan["horizon_end"] == (now + DAY).isoformat()
    assert dan["gaps"] == [entry("new", "2026-03-02 17:00", "2026-03-03 09:00")]
    assert sorted(store.gap_warnings) == [
        ("orphan", at("2026-02-23 00:00")),  # recorded, though ops has nobody to tell
        ("site", at("2026-03-02 17:00")),
    ]

    # Later runs find the same gaps: nothing more is said.
    mark = last_id(store)
    for later in (now + timedelta(minutes=30), now + timedelta(hours=1)):
        assert await warn_about_gaps(FakeUnitOfWork(store), later, DAY) == 0
    assert gap_messages(store, mark) == []

    # The night's end is covered: the gap changes (its end moved), said once.
    await cover(store, "2026-03-03 07:00", "2026-03-03 09:00")
    assert await warn_about_gaps(FakeUnitOfWork(store), now + timedelta(hours=2), DAY) == 1
    changed = gap_messages(store, mark)
    assert [m.payload["manager"]["id"] for m in changed] == ["dan", "ann"]
    assert changed[0].payload["gaps"] == [
        entry(
            "changed",
            "2026-03-02 17:00",
            "2026-03-03 07:00",
            was_from="2026-03-02 17:00",
            was_to="2026-03-03 09:00",
        )
    ]
    mark = last_id(store)
    assert await warn_about_gaps(FakeUnitOfWork(store), now + timedelta(hours=3), DAY) == 0

    # The rest is covered: a "resolved" note, then silence.
    await cover(store, "2026-03-02 17:00", "2026-03-03 07:00")
    assert await warn_about_gaps(FakeUnitOfWork(store), now + timedelta(hours=4), DAY) == 1
    resolved = gap_messages(store, mark)
    assert [m.payload["gaps"] for m in resolved] == [
        [entry("resolved", "2026-03-02 17:00", "2026-03-03 07:00")]
    ] * 2
    assert sorted(store.gap_warnings) == [("orphan", at("2026-02-23 00:00"))]
    mark = last_id(store)
    assert await warn_about_gaps(FakeUnitOfWork(store), now + timedelta(hours=5), DAY) == 0
    assert gap_messages(store, mark) == []


async def test_a_gap_under_way_keeps_its_start_and_ends_without_a_word() -> None:
    store = store_with()
    first = at("2026-03-02 18:00")  # the site gap began at 17:00
    assert await warn_about_gaps(FakeUnitOfWork(store), first, DAY) == 3  # and orphan
    assert gap_messages(store)[0].payload["gaps"] == [
        entry("new", "2026-03-02 17:00", "2026-03-03 09:00"),
        entry("new", "2026-03-03 17:00", None),  # runs past the horizon (Tue 18:00)
    ]
    mark = last_id(store)
    # Tuesday 10:00: Monday night's gap is over (dropped silently); Tuesday night's end is
    # now known (Wed 09:00), which is no news either.
    assert await warn_about_gaps(FakeUnitOfWork(store), at("2026-03-03 10:00"), DAY) == 0
    assert gap_messages(store, mark) == []
    assert sorted(k for k in store.gap_warnings if k[0] == "site") == [
        ("site", at("2026-03-03 17:00"))
    ]
    assert store.gap_warnings[("site", at("2026-03-03 17:00"))].end == at("2026-03-04 09:00")


async def test_gaps_computed_in_a_read_unit_are_recorded_in_the_write_unit() -> None:
    store = store_with()
    now = at("2026-03-02 10:00")
    read, write = FakeUnitOfWork(store), FakeUnitOfWork(store)
    assert await warn_about_gaps(write, now, DAY, read=read) == 2
    assert (read.commits, write.commits) == (0, 1)
    assert len(gap_messages(store)) == 2
    quiet = FakeUnitOfWork(store)
    # The orphan gap has no end: its row remembers how far it was seen, nothing is sent.
    assert await warn_about_gaps(quiet, now, DAY, read=FakeUnitOfWork(store)) == 0
    assert len(gap_messages(store)) == 2


async def test_a_change_recorded_meanwhile_by_another_worker_is_not_announced_again() -> None:
    store = store_with()
    now = at("2026-03-02 10:00")
    read = FakeUnitOfWork(store)  # computes the gaps before the other worker records them
    assert await warn_about_gaps(FakeUnitOfWork(store), now, DAY) == 2
    messages = len(store.outbox)
    # This worker's diff says "new" for rows that now exist: the record refuses, nothing sent.
    async with FakeUnitOfWork(store) as uow:
        found = [FoundGap("site", "web", "office", at("2026-03-02 17:00"), at("2026-03-03 09:00"))]
        diff = diff_gaps([], found, now, now + DAY)
        assert not await uow.gap_warnings.replace(diff.remove, diff.add)
    assert await warn_about_gaps(FakeUnitOfWork(store), now, DAY, read=read) == 0
    assert len(store.outbox) == messages


def test_the_default_horizon_is_two_weeks() -> None:
    assert timedelta(days=14) == GAP_HORIZON


NOW = at("2026-03-10 12:00")
UNTIL = NOW + DAY


def warned(start: str, end: str | None, seen: datetime = UNTIL) -> GapWarning:
    end_at = at(end) if end else None
    return GapWarning("site", at(start), end_at, "web", "office", seen, at("2026-03-09 00:00"))


def found(start: str, end: str | None) -> FoundGap:
    return FoundGap("site", "web", "office", at(start), at(end) if end else None)


@pytest.mark.parametrize(
    ("recorded", "now_found", "changes"),
    [
        # nothing warned, one found: new
        ([], [found("2026-03-10 17:00", "2026-03-11 09:00")], ["new"]),
        # the same gap: nothing
        (
            [warned("2026-03-10 17:00", "2026-03-11 09:00")],
            [found("2026-03-10 17:00", "2026-03-11 09:00")],
            [],
        ),
        # its end moved: changed
        (
            [warned("2026-03-10 17:00", "2026-03-11 09:00")],
            [found("2026-03-10 17:00", "2026-03-11 07:00")],
            ["changed"],
        ),
        # its start moved while still ahead: changed
        (
            [warned("2026-03-10 17:00", "2026-03-11 09:00")],
            [found("2026-03-10 19:00", "2026-03-11 09:00")],
            ["changed"],
        ),
        # under way (both starts past, e.g. the look-back floor moved): nothing
        (
            [warned("2026-03-09 00:00", "2026-03-11 09:00")],
            [found("2026-03-10 00:00", "2026-03-11 09:00")],
            [],
        ),
        # split in two by an override in the middle: two changed gaps
        (
            [warned("2026-03-10 17:00", "2026-03-11 09:00")],
            [
                found("2026-03-10 17:00", "2026-03-10 20:00"),
                found("2026-03-10 22:00", "2026-03-11 09:00"),
            ],
            ["changed", "changed"],
        ),
        # an open end now seen past the old horizon: nothing; seen shorter: changed
        ([warned("2026-03-10 17:00", None)], [found("2026-03-10 17:00", "2026-03-11 15:00")], []),
        (
            [warned("2026-03-10 17:00", None)],
            [found("2026-03-10 17:00", "2026-03-11 10:00")],
            ["changed"],
        ),
        # covered: resolved; over by now: dropped silently
        ([warned("2026-03-10 17:00", "2026-03-11 09:00")], [], ["resolved"]),
        ([warned("2026-03-09 17:00", "2026-03-10 09:00")], [], []),
    ],
)
def test_diff_of_warned_and_found_gaps(
    recorded: list[GapWarning], now_found: list[FoundGap], changes: list[str]
) -> None:
    diff = diff_gaps(recorded, now_found, NOW, UNTIL)
    assert [c.change for c in diff.changes] == changes
    # Whatever was said, the record ends up holding exactly the gaps found now.
    after = {(w.service_id, w.start): w for w in recorded}
    for old in diff.remove:
        del after[(old.service_id, old.start)]
    for new in diff.add:
        assert (new.service_id, new.start) not in after
        after[(new.service_id, new.start)] = new
    assert sorted((w.start, w.end) for w in after.values()) == sorted(
        (f.start, f.end) for f in now_found
    )
