"""In-memory heartbeats (:class:`core.heartbeats.ports.HeartbeatRepository`), as
``storage/heartbeat_repo.py`` keeps them."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from core.heartbeats.ports import HeartbeatState
from tests.fake_store import Store, instant


class FakeHeartbeats:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def beat(self, name: str, at: datetime) -> None:
        at = instant(at)
        old = self._store.heartbeats.get(name)
        if old is None:
            self._store.heartbeats[name] = HeartbeatState(name, at, at, 1)
            return
        last = at if old.last_beat_at is None or old.last_beat_at < at else old.last_beat_at
        self._store.heartbeats[name] = replace(old, last_beat_at=last, beats=old.beats + 1)

    async def states(self) -> dict[str, HeartbeatState]:
        return dict(self._store.heartbeats)

    async def lock(self, name: str, now: datetime) -> HeartbeatState:
        return self._store.heartbeats.setdefault(name, HeartbeatState(name, instant(now)))

    async def save(self, state: HeartbeatState) -> None:
        old = self._store.heartbeats[state.name]
        self._store.heartbeats[state.name] = replace(
            old,
            since=instant(state.since),
            incident_id=state.incident_id,
            beats_at_miss=state.beats_at_miss,
        )

    async def forget(self, name: str) -> None:
        self._store.heartbeats.pop(name, None)
