"""Whether a heartbeat is due, missed, still silent or resumed: a pure function of the
heartbeat's configuration, what is stored of it, and ``now``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from core.config.model import Heartbeat
from core.heartbeats.ports import HeartbeatState

Verdict = Literal["ok", "missed", "silent", "resumed"]


@dataclass(frozen=True)
class Assessment:
    """``verdict`` and ``deadline``, the instant the heartbeat is (or was) missed at."""

    verdict: Verdict
    deadline: datetime


def assess(heartbeat: Heartbeat, state: HeartbeatState, now: datetime) -> Assessment:
    """Judge ``heartbeat`` at ``now``.

    The deadline is ``interval + grace`` after the later of its last beat and ``since`` (when
    it was first known, or its silence was last resolved by hand). Without an open silence
    incident: ``missed`` from the deadline on (at exactly the deadline it has been silent for
    ``interval + grace``), ``ok`` before. With one: ``resumed`` when a beat was recorded after
    the incident opened (``beats > beats_at_miss``), else ``silent``. A beat whose receive time
    lies in the future of ``now`` (another host's clock) simply keeps the heartbeat ``ok``.
    """
    base = max(state.since, state.last_beat_at or state.since)
    deadline = base + heartbeat.interval + heartbeat.grace
    if state.incident_id is not None:
        verdict: Verdict = "resumed" if state.beats > state.beats_at_miss else "silent"
        return Assessment(verdict, deadline)
    return Assessment("missed" if now >= deadline else "ok", deadline)
