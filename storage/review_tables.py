"""Post-incident reviews (:mod:`core.reviews`): one row per incident, replaced in place."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, Integer, String, Text
from sqlmodel import Field, SQLModel

from storage.tables import instant_column, json_column


class ReviewRow(SQLModel, table=True):
    """The incident's review as last submitted; ``revision`` counts submissions."""

    __tablename__ = "incident_reviews"

    incident_id: int = Field(
        sa_column=Column(Integer, ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True)
    )
    summary: str = Field(sa_column=Column(Text, nullable=False))
    cause: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    follow_ups: list[Any] = json_column()
    author: str = Field(sa_column=Column(String(100), nullable=False))
    created_at: datetime = instant_column()
    updated_at: datetime = instant_column()
    revision: int = Field(sa_column=Column(Integer, nullable=False))
