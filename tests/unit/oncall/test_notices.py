"""Hand-over announcements: each exactly once, late ones with their true time, none over a day
old, none from before the first configuration."""

from __future__ import annotations

from datetime import timedelta

from core.oncall.notices import (
    HANDOVER_LOOKBACK,
    Handover,
    announce_handovers,
    handovers,
    is_stale,
)
from core.oncall.views import ScheduleState
from tests.fakes import FakeUnitOfWork, Store
from tests.unit.oncall.common import at, config, revision

PEOPLE = [
    {"id": "ann", "name": "Ann", "slack": "U0ANN", "timezone": "Europe/Berlin"},
    {"id": "bob", "email": "bob@example.com"},
    {"id": "cat"},
    {"id": "dan"},
]
TEAMS = [
    {"id": "ops", "name": "Ops", "slack_channel": "C0OPS", "slack_usergroup": "S0OPS"},
    {"id": "web"},
]


def store_with(applied: str = "2026-03-01 00:00") -> Store:
    return Store(revisions=[revision(config(people=PEOPLE, teams=TEAMS), applied)])


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


async def test_a_handover_at_a_frozen_instant_is_announced_once() -> None:
    store = store_with()
    now = at("2026-03-03 09:00")  # exactly the hand-over: the incoming person is on call
    assert await announce_handovers(FakeUnitOfWork(store), now) == 3
    assert sorted(store.outbox) == [
        "handover/office/2026-03-02T17:00:00+00:00",  # within the last day
        "handover/office/2026-03-03T09:00:00+00:00",
        "handover/primary/2026-03-03T09:00:00+00:00",
    ]
    assert await announce_handovers(FakeUnitOfWork(store), now + timedelta(seconds=30)) == 0
    message = store.outbox["handover/primary/2026-03-03T09:00:00+00:00"]
    assert message.kind == "handover" and message.destination == "chat"
    payload = message.payload
    assert {k: payload[k] for k in ("schedule", "team", "at", "outgoing", "incoming")} == {
        "schedule": "primary",
        "team": "ops",
        "at": "2026-03-03T09:00:00+00:00",
        "outgoing": "ann",
        "incoming": "bob",
    }
    assert (payload["slack_channel"], payload["slack_usergroup"]) == ("C0OPS", "S0OPS")
    assert payload["people"] == [
        {
            "id": "ann",
            "name": "Ann",
            "slack": "U0ANN",
            "email": None,
            "teams": None,
            "timezone": "Europe/Berlin",
        },
        {
            "id": "bob",
            "name": "bob",
            "slack": None,
            "email": "bob@example.com",
            "teams": None,
            "timezone": "UTC",  # the configuration's
        },
    ]


async def test_handovers_missed_during_a_restart_are_announced_late_once() -> None:
    store = store_with()
    assert await announce_handovers(FakeUnitOfWork(store), at("2026-03-02 09:00")) == 2
    before = set(store.outbox)
    # The bot is down from just after 09:00 on Monday until Tuesday 12:00.
    back = at("2026-03-03 12:00")
    assert await announce_handovers(FakeUnitOfWork(store), back) == 3
    late = {k: store.outbox[k] for k in set(store.outbox) - before}
    assert sorted(late) == [
        "handover/office/2026-03-02T17:00:00+00:00",
        "handover/office/2026-03-03T09:00:00+00:00",
        "handover/primary/2026-03-03T09:00:00+00:00",
    ]
    for key, message in late.items():
        assert message.payload["at"] == key.rsplit("/", 1)[1]  # their true time
        assert message.created_at == back  # written late
    # Restarted again (or a second instance): never twice.
    assert await announce_handovers(FakeUnitOfWork(store), back + timedelta(minutes=1)) == 0
    assert len(store.outbox) == 5


async def test_handovers_more_than_a_day_old_are_not_announced() -> None:
    store = store_with()
    assert await announce_handovers(FakeUnitOfWork(store), at("2026-03-02 09:00")) == 2
    # Down from Monday 09:00 until Wednesday 10:00: Monday 17:00 and Tuesday 09:00 are too old.
    assert await announce_handovers(FakeUnitOfWork(store), at("2026-03-04 10:00")) == 3
    assert sorted(k for k in store.outbox if "2026-03-02T09" not in k) == [
        "handover/office/2026-03-03T17:00:00+00:00",
        "handover/office/2026-03-04T09:00:00+00:00",
        "handover/primary/2026-03-04T09:00:00+00:00",
    ]
    # A destination delivering a row late checks the age again.
    assert timedelta(days=1) == HANDOVER_LOOKBACK
    assert not is_stale(at("2026-03-03 10:00"), at("2026-03-04 10:00"))  # exactly a day
    assert is_stale(at("2026-03-03 09:59"), at("2026-03-04 10:00"))


async def test_no_handovers_from_before_the_first_configuration() -> None:
    store = store_with(applied="2026-03-03 12:00")  # installed on Tuesday at noon
    assert await announce_handovers(FakeUnitOfWork(store), at("2026-03-03 12:05")) == 0
    assert await announce_handovers(FakeUnitOfWork(store), at("2026-03-03 17:00")) == 1
    assert list(store.outbox) == ["handover/office/2026-03-03T17:00:00+00:00"]


async def test_handovers_found_in_a_read_unit_are_written_in_the_write_unit() -> None:
    store = store_with()
    now = at("2026-03-03 09:05")
    read, write = FakeUnitOfWork(store), FakeUnitOfWork(store)
    assert await announce_handovers(write, now, read=read) == 3
    assert (read.commits, write.commits) == (0, 1)
    quiet = FakeUnitOfWork(store)
    assert (
        await announce_handovers(quiet, now + timedelta(hours=3), read=FakeUnitOfWork(store)) == 0
    )
    assert quiet.commits == 0  # nothing to announce: no write transaction at all
