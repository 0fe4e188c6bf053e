"""The record of coverage gaps managers were warned about (:mod:`core.oncall.gap_warnings`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from storage.tables import instant_column
from storage.types import UTCDateTime


def _key_instant() -> Any:
    return Field(sa_column=Column(UTCDateTime(), primary_key=True, nullable=False))


class GapWarningRow(SQLModel, table=True):
    """One warned gap of a service, unique by its start; ``gap_end`` NULL: past the horizon
    it was seen with (``seen_until``)."""

    __tablename__ = "gap_warnings"

    service_id: str = Field(primary_key=True, max_length=100)
    gap_start: datetime = _key_instant()
    gap_end: datetime | None = instant_column(nullable=True)
    team_id: str | None = Field(default=None, max_length=100)
    schedule_id: str | None = Field(default=None, max_length=100)
    seen_until: datetime = instant_column()
    warned_at: datetime = instant_column()
