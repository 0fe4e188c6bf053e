"""Tables of the alert path: incidents, their alerts and timeline, pending steps, the outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, Index, Integer, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from storage.tables import instant_column, json_column

# An incident is open until resolved; one open incident per (source, dedup_key). The same
# text is the partial index's predicate and the ON CONFLICT target's (storage.incident_repo).
OPEN_INCIDENT = "status != 'resolved'"


class IncidentRow(SQLModel, table=True):
    """One incident; at most one open (not resolved) per ``(source, dedup_key)``."""

    __tablename__ = "incidents"
    __table_args__ = (
        Index(
            "uq_incidents_open_key",
            "source",
            "dedup_key",
            unique=True,
            sqlite_where=text(OPEN_INCIDENT),
            postgresql_where=text(OPEN_INCIDENT),
        ),
        Index("ix_incidents_status_opened", "status", "opened_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=40)
    dedup_key: str = Field(max_length=500)
    title: str
    service_id: str = Field(max_length=100, index=True)
    team_id: str | None = Field(default=None, max_length=100)
    policy_id: str | None = Field(default=None, max_length=100)
    severity: str = Field(max_length=40)
    status: str = Field(max_length=20)
    tier: int = 0
    cycle: int = 0
    start_tier: int = 0
    pages: bool = True
    exhausted: bool = False
    assignee: str | None = Field(default=None, max_length=100)
    snoozed_until: datetime | None = instant_column(nullable=True)
    opened_at: datetime = instant_column()
    acknowledged_at: datetime | None = instant_column(nullable=True)
    acknowledged_by: str | None = None
    resolved_at: datetime | None = instant_column(nullable=True)
    resolved_by: str | None = None
    labels: dict[str, Any] = json_column()
    annotations: dict[str, Any] = json_column()
    links: dict[str, Any] = json_column()


class AlertRow(SQLModel, table=True):
    """One alert as its source sent it; upserted by (source, fingerprint, starts_at)."""

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("source", "fingerprint", "starts_at", name="uq_alerts_identity"),
    )

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("incidents.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    source: str = Field(max_length=40)
    fingerprint: str = Field(max_length=200)
    status: str = Field(max_length=20)
    starts_at: datetime = instant_column()
    ends_at: datetime | None = instant_column(nullable=True)
    labels: dict[str, Any] = json_column()
    annotations: dict[str, Any] = json_column()
    generator_url: str | None = None
    first_seen_at: datetime = instant_column()
    last_seen_at: datetime = instant_column()


class IncidentEventRow(SQLModel, table=True):
    """The incident's timeline: every event with its actor and time."""

    __tablename__ = "incident_events"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("incidents.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    at: datetime = instant_column()
    kind: str = Field(max_length=40)
    actor: str | None = None
    detail: dict[str, Any] = json_column()


class PendingStepRow(SQLModel, table=True):
    """An escalation or a snooze end due at ``due_at``; done once, by one worker."""

    __tablename__ = "pending_steps"
    __table_args__ = (Index("ix_pending_steps_due", "done_at", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("incidents.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    kind: str = Field(max_length=20)  # "escalate" or "snooze_end"
    due_at: datetime = instant_column()
    tier: int = 0
    cycle: int = 0
    created_at: datetime = instant_column()
    done_at: datetime | None = instant_column(nullable=True)
    done_by: str | None = None
    outcome: str | None = None  # "fired", "cancelled"


class OutboxRow(SQLModel, table=True):
    """A message to deliver at least once; written with the change that caused it."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_ready", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=300, unique=True)
    destination: str = Field(max_length=40)
    kind: str = Field(max_length=60)
    incident_id: int | None = Field(default=None, index=True)
    payload: dict[str, Any] = json_column()
    status: str = Field(default="pending", max_length=20)  # pending, sent, failed
    attempts: int = 0
    created_at: datetime = instant_column()
    next_attempt_at: datetime = instant_column()
    lease_until: datetime | None = instant_column(nullable=True)
    sent_at: datetime | None = instant_column(nullable=True)
    last_error: str | None = None


class InboxRow(SQLModel, table=True):
    """A delivery as received, stored before it is answered; turned into incidents later, in
    order. ``status``: pending, done or failed (after too many attempts)."""

    __tablename__ = "alert_inbox"
    __table_args__ = (Index("ix_alert_inbox_status_id", "status", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=40)
    received_at: datetime = instant_column()
    batch: dict[str, Any] = json_column()
    status: str = Field(default="pending", max_length=20)
    attempts: int = 0
    processed_at: datetime | None = instant_column(nullable=True)
    incident_id: int | None = None
    action: str | None = Field(default=None, max_length=20)
    error: str | None = None
