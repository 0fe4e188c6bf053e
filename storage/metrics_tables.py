"""Response metrics of resolved incidents, their pages, and rest decisions
(:mod:`core.metrics`, :mod:`core.rest`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer
from sqlmodel import Field, SQLModel

from storage.tables import instant_column
from storage.types import UTCDateTime


class IncidentMetricsRow(SQLModel, table=True):
    """One row per resolved incident, written at its resolution; times in UTC."""

    __tablename__ = "incident_metrics"

    incident_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("incidents.id", ondelete="CASCADE"),
            primary_key=True,
            autoincrement=False,
        )
    )
    service_id: str = Field(max_length=100)
    team_id: str | None = Field(default=None, max_length=100)
    severity: str = Field(max_length=100)
    opened_at: datetime = instant_column()
    acknowledged_at: datetime | None = instant_column(nullable=True)
    resolved_at: datetime = instant_column(index=True)
    acknowledged_by: str | None = Field(default=None, max_length=200)
    resolved_by: str | None = Field(default=None, max_length=200)
    escalations: int = 0
    responder: str | None = Field(default=None, max_length=200)
    off_hours: bool = False


class MetricPageRow(SQLModel, table=True):
    """One page of one person for a resolved incident; ``off_hours_seconds`` of
    ``[paged_at, until)``."""

    __tablename__ = "metric_pages"
    __table_args__ = (Index("ix_metric_pages_person_at", "person_id", "paged_at"),)

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("incident_metrics.incident_id", ondelete="CASCADE"),
            index=True,
            nullable=False,
        )
    )
    person_id: str = Field(max_length=200)
    paged_at: datetime = instant_column()
    until: datetime = instant_column()
    off_hours: bool = False
    off_hours_seconds: int = 0


class RestDecisionRow(SQLModel, table=True):
    """At most one rest decision per person and shift (granted or refused)."""

    __tablename__ = "rest_decisions"

    person_id: str = Field(primary_key=True, max_length=100)
    shift_start: datetime = Field(sa_column=Column(UTCDateTime(), primary_key=True, nullable=False))
    schedule_id: str = Field(max_length=100)
    incident_id: int
    outcome: str = Field(max_length=20)
    decided_at: datetime = instant_column()
    night_seconds: int = 0
