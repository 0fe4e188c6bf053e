"""The pure judgement of a heartbeat: (heartbeat, what is stored, now) -> verdict, as a table
with fixed times (interval 5m, grace 1m: due 6 minutes after the later of `since` and the
last beat)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.config.model import Heartbeat
from core.heartbeats.check import assess
from core.heartbeats.ports import HeartbeatState
from tests.unit.oncall.common import at

T0 = at("2026-03-02 10:00")
MIN = timedelta(minutes=1)
BEAT = Heartbeat.model_validate({"name": "prom", "interval": "5m", "service": "api"})


def test_grace_defaults_to_a_minute() -> None:
    assert BEAT.grace == MIN


@pytest.mark.parametrize(
    ("state", "now", "verdict", "deadline"),
    [
        # never beat: the silence counts from when the heartbeat was first known
        (HeartbeatState("prom", T0), T0 + 5 * MIN, "ok", T0 + 6 * MIN),
        (HeartbeatState("prom", T0), T0 + 6 * MIN - timedelta(seconds=1), "ok", T0 + 6 * MIN),
        (HeartbeatState("prom", T0), T0 + 6 * MIN, "missed", T0 + 6 * MIN),  # exactly due
        (HeartbeatState("prom", T0), T0 + 60 * MIN, "missed", T0 + 6 * MIN),
        # a beat moves the deadline
        (HeartbeatState("prom", T0, T0 + 4 * MIN, 1), T0 + 9 * MIN, "ok", T0 + 10 * MIN),
        (HeartbeatState("prom", T0, T0 + 4 * MIN, 1), T0 + 10 * MIN, "missed", T0 + 10 * MIN),
        # `since` later than the last beat (a person resolved the silence): counts from since
        (HeartbeatState("prom", T0 + 20 * MIN, T0, 3), T0 + 25 * MIN, "ok", T0 + 26 * MIN),
        # a beat from a clock ahead of ours: fine until its own deadline
        (HeartbeatState("prom", T0, T0 + 30 * MIN, 1), T0, "ok", T0 + 36 * MIN),
        # an incident is open: silent until a beat comes after its opening, whatever its time
        (HeartbeatState("prom", T0, None, 0, 7, 0), T0 + 60 * MIN, "silent", T0 + 6 * MIN),
        (HeartbeatState("prom", T0, T0 + MIN, 2, 7, 2), T0 + 60 * MIN, "silent", T0 + 7 * MIN),
        (HeartbeatState("prom", T0, T0 + MIN, 3, 7, 2), T0 + 60 * MIN, "resumed", T0 + 7 * MIN),
        (HeartbeatState("prom", T0, None, 1, 7, 0), T0 + 60 * MIN, "resumed", T0 + 6 * MIN),
    ],
)
def test_assess(state: HeartbeatState, now: object, verdict: str, deadline: object) -> None:
    found = assess(BEAT, state, now)  # type: ignore[arg-type]
    assert (found.verdict, found.deadline) == (verdict, deadline)


def test_grace_adds_to_the_interval() -> None:
    slow = BEAT.model_copy(update={"grace": timedelta(minutes=10)})
    state = HeartbeatState("prom", T0)
    assert assess(slow, state, T0 + 14 * MIN).verdict == "ok"
    assert assess(slow, state, T0 + 15 * MIN).verdict == "missed"
