"""What is kept of each heartbeat (:mod:`core.heartbeats`): its beats and its silence."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from storage.tables import instant_column


class HeartbeatRow(SQLModel, table=True):
    """One heartbeat by its configured name; ``incident_id`` while its silence incident is
    open (no foreign key: the heartbeat outlives incidents)."""

    __tablename__ = "heartbeats"

    name: str = Field(primary_key=True, max_length=100)
    since: datetime = instant_column()
    last_beat_at: datetime | None = instant_column(nullable=True)
    beats: int = 0
    incident_id: int | None = None
    beats_at_miss: int = 0
