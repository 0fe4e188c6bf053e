"""Maintenance windows made from the CLI and chat, and incidents held by a window."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer
from sqlmodel import Field, SQLModel

from storage.tables import instant_column


class MaintenanceWindowRow(SQLModel, table=True):
    """A window ``[starts_at, ends_at)`` of one service or of every service of one team;
    cancelled ones are kept (``cancelled_at``)."""

    __tablename__ = "maintenance_windows"

    id: int | None = Field(default=None, primary_key=True)
    service_id: str | None = Field(default=None, max_length=100)
    team_id: str | None = Field(default=None, max_length=100)
    starts_at: datetime = instant_column()
    ends_at: datetime = instant_column(index=True)
    reason: str | None = Field(default=None, max_length=500)
    created_by: str = Field(max_length=100)
    created_at: datetime = instant_column()
    cancelled_at: datetime | None = instant_column(nullable=True)


class MaintenanceHoldRow(SQLModel, table=True):
    """An incident opened in a window, paged at ``due_at`` if still firing; done once, by one
    worker."""

    __tablename__ = "maintenance_holds"
    __table_args__ = (Index("ix_maintenance_holds_due", "done_at", "due_at"),)

    incident_id: int = Field(
        sa_column=Column(Integer, ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True)
    )
    service_id: str = Field(max_length=100)
    team_id: str | None = Field(default=None, max_length=100)
    due_at: datetime = instant_column()
    pages: bool = True
    created_at: datetime = instant_column()
    done_at: datetime | None = instant_column(nullable=True)
    done_by: str | None = Field(default=None, max_length=200)
