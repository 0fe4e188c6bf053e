"""Maintenance windows stored from the CLI and chat, incidents held by a window, and the
repository of both."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class StoredWindow:
    """A window made with ``oncall maintenance`` or ``/oncall maintenance``: ``[starts_at,
    ends_at)`` for one service or for every service of one team (exactly one is set)."""

    id: int
    service_id: str | None
    team_id: str | None
    starts_at: datetime
    ends_at: datetime
    reason: str | None
    created_by: str
    created_at: datetime
    cancelled_at: datetime | None = None


@dataclass(frozen=True)
class MaintenanceHold:
    """An incident opened in a window: not paged until ``due_at`` (the window's end, as far as
    it was known); ``pages``: whether it pages then (its severity and policy said so)."""

    incident_id: int
    service_id: str
    team_id: str | None
    due_at: datetime
    pages: bool


class MaintenanceRepository(Protocol):
    async def add_window(
        self,
        service_id: str | None,
        team_id: str | None,
        starts_at: datetime,
        ends_at: datetime,
        reason: str | None,
        actor: str,
        now: datetime,
    ) -> int:
        """Store a window; its id."""
        ...

    async def window(self, window_id: int) -> StoredWindow | None: ...

    async def windows(self, ending_after: datetime) -> list[StoredWindow]:
        """Windows not cancelled that end after ``ending_after``, by start then id."""
        ...

    async def cancel_window(self, window_id: int, now: datetime) -> bool:
        """Mark the window cancelled at ``now`` (it is kept, for the record), only if it is not
        cancelled yet (one conditional ``UPDATE``); False when it was: of two cancels at once,
        one wins."""
        ...

    async def hold(
        self,
        incident_id: int,
        service_id: str,
        team_id: str | None,
        due_at: datetime,
        pages: bool,
        now: datetime,
    ) -> None:
        """Hold the incident until ``due_at`` (replacing a hold it had, done or not)."""
        ...

    async def holds(self) -> list[MaintenanceHold]:
        """Holds not done yet, by due time."""
        ...

    async def move_hold(self, incident_id: int, due_at: datetime) -> int:
        """Make a pending hold due at ``due_at`` instead; how many rows moved (0: no pending
        hold, e.g. claimed meanwhile by a worker's tick)."""
        ...

    async def claim_due_holds(
        self, now: datetime, limit: int, worker: str
    ) -> list[MaintenanceHold]:
        """Mark up to ``limit`` holds due at ``now`` done by ``worker`` and return them; two
        workers never claim the same hold (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), and the
        claim is undone with its transaction."""
        ...
