"""What the database keeps of each heartbeat, and the repository that keeps it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class HeartbeatState:
    """One heartbeat as stored, by its configured ``name``.

    ``since``: when the bot first knew of it (the first check after it was configured, or its
    first beat), moved to the moment a person resolved its silence incident by hand; the
    silence is counted from the later of ``since`` and ``last_beat_at``. ``beats`` counts every
    beat ever recorded; ``beats_at_miss`` is that count when the silence incident
    ``incident_id`` was opened, so any beat recorded after the opening resumes it, even one
    whose receive time is earlier (a delivery worked off late).
    """

    name: str
    since: datetime
    last_beat_at: datetime | None = None
    beats: int = 0
    incident_id: int | None = None
    beats_at_miss: int = 0


class HeartbeatRepository(Protocol):
    async def beat(self, name: str, at: datetime) -> None:
        """Record a beat received at ``at``: ``beats`` + 1, ``last_beat_at`` the later of the
        stored one and ``at``; a heartbeat not stored yet is stored with ``since = at``."""
        ...

    async def states(self) -> dict[str, HeartbeatState]:
        """Every stored heartbeat by name (read only)."""
        ...

    async def lock(self, name: str, now: datetime) -> HeartbeatState:
        """The heartbeat, locked until the unit of work ends (PostgreSQL ``FOR UPDATE``), so
        two workers checking at once take turns; stored first with ``since = now`` when it is
        not stored yet."""
        ...

    async def save(self, state: HeartbeatState) -> None:
        """Write ``since``, ``incident_id`` and ``beats_at_miss`` of a locked heartbeat
        (never its beats: those only :meth:`beat` changes)."""
        ...

    async def forget(self, name: str) -> None:
        """Delete what is stored of ``name`` (a heartbeat removed from the configuration)."""
        ...
