"""The database tables. The configuration tables mirror CONFIG.md's entities one to one.

References from configuration rows to configuration rows are plain ids checked by the core
validator, except layers and tiers, which belong to their schedule and policy. Rows the
database owns (overrides, time off) keep plain ids too, so a schedule or person removed from
the file and added back finds its overrides again: ``config apply`` never deletes them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, Index, String
from sqlmodel import Field, SQLModel

from storage.types import JSONDocument, UTCDateTime

metadata = SQLModel.metadata


def json_column(nullable: bool = False) -> Any:
    return Field(sa_column=Column(JSONDocument, nullable=nullable))


def instant_column(nullable: bool = False, index: bool = False) -> Any:
    return Field(sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


class PersonRow(SQLModel, table=True):
    __tablename__ = "people"

    id: str = Field(primary_key=True, max_length=100)
    position: int = 0  # order in the file: for services, the first match wins
    name: str | None = None
    email: str | None = Field(default=None, index=True)
    slack_id: str | None = Field(default=None, index=True)
    teams_id: str | None = None
    timezone: str
    available: list[str] | None = json_column(nullable=True)


class TeamRow(SQLModel, table=True):
    __tablename__ = "teams"

    id: str = Field(primary_key=True, max_length=100)
    position: int = 0  # order in the file: for services, the first match wins
    name: str | None = None
    managers: list[str] = json_column()
    slack_channel: str | None = None
    slack_usergroup: str | None = None
    teams_channel: str | None = None


class ScheduleRow(SQLModel, table=True):
    __tablename__ = "schedules"

    id: str = Field(primary_key=True, max_length=100)
    position: int = 0  # order in the file: for services, the first match wins
    name: str | None = None
    team_id: str | None = Field(default=None, index=True)
    timezone: str


class LayerRow(SQLModel, table=True):
    __tablename__ = "schedule_layers"

    schedule_id: str = Field(
        sa_column=Column(
            String(100), ForeignKey("schedules.id", ondelete="CASCADE"), primary_key=True
        )
    )
    id: str = Field(primary_key=True, max_length=100)
    position: int
    members: list[str] = json_column()
    rotation: str
    every: int
    start: str  # wall-clock "YYYY-MM-DD HH:MM" in the schedule's zone
    active: list[dict[str, Any]] | None = json_column(nullable=True)


class ServiceRow(SQLModel, table=True):
    __tablename__ = "services"

    id: str = Field(primary_key=True, max_length=100)
    position: int = 0  # order in the file: for services, the first match wins
    name: str | None = None
    team_id: str = Field(index=True)
    importance: str
    escalation_policy_id: str | None = None
    match: dict[str, str] = json_column()
    runbook: str | None = None
    dashboard: str | None = None
    description: str | None = None


class EscalationPolicyRow(SQLModel, table=True):
    __tablename__ = "escalation_policies"

    id: str = Field(primary_key=True, max_length=100)
    position: int = 0  # order in the file: for services, the first match wins
    name: str | None = None
    repeat: int = 0


class EscalationTierRow(SQLModel, table=True):
    __tablename__ = "escalation_tiers"

    policy_id: str = Field(
        sa_column=Column(
            String(100),
            ForeignKey("escalation_policies.id", ondelete="CASCADE"),
            primary_key=True,
        )
    )
    position: int = Field(primary_key=True)
    targets: list[str] = json_column()
    escalate_after_seconds: int


class SeverityRow(SQLModel, table=True):
    __tablename__ = "severities"

    name: str = Field(primary_key=True, max_length=100)
    page: bool
    notify: list[str] = json_column()
    ticket: bool
    escalation_policy_id: str | None = None
    start_tier: int = 1


class RouteRow(SQLModel, table=True):
    __tablename__ = "routes"

    position: int = Field(primary_key=True)
    match: dict[str, str] = json_column()
    service_id: str


class ConfigRevisionRow(SQLModel, table=True):
    """Every applied configuration, whole, so the past can be computed as it was."""

    __tablename__ = "config_revisions"

    id: int | None = Field(default=None, primary_key=True)
    applied_at: datetime = instant_column(index=True)
    actor: str
    source: str
    digest: str = Field(max_length=64)
    document: dict[str, Any] = json_column()


class OverrideRow(SQLModel, table=True):
    """Someone on call for a window instead of the rotation; swaps are pairs of these."""

    __tablename__ = "overrides"
    __table_args__ = (Index("ix_overrides_schedule_window", "schedule_id", "starts_at", "ends_at"),)

    id: int | None = Field(default=None, primary_key=True)
    schedule_id: str = Field(max_length=100)
    person_id: str = Field(max_length=100)
    starts_at: datetime = instant_column()
    ends_at: datetime = instant_column()
    source: str = "override"  # "override" or "swap"
    swap_id: int | None = None
    reason: str | None = None
    created_at: datetime = instant_column()
    created_by: str
    cancelled_at: datetime | None = instant_column(nullable=True)


class TimeOffRow(SQLModel, table=True):
    __tablename__ = "time_off"
    __table_args__ = (Index("ix_time_off_person_window", "person_id", "starts_at", "ends_at"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: str = Field(max_length=100)
    starts_at: datetime = instant_column()
    ends_at: datetime = instant_column()
    reason: str | None = None
    created_at: datetime = instant_column()
    created_by: str
    cancelled_at: datetime | None = instant_column(nullable=True)


class AuditRow(SQLModel, table=True):
    """Append-only: the application never updates or deletes these rows."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = instant_column(index=True)
    actor: str
    action: str = Field(index=True)
    subject: str
    detail: dict[str, Any] = json_column()


class SwapRow(SQLModel, table=True):
    """A swap asked for by ``requester``; accepted, it becomes two overrides (source "swap")."""

    __tablename__ = "swaps"

    id: int | None = Field(default=None, primary_key=True)
    schedule_id: str = Field(max_length=100, index=True)
    requester: str = Field(max_length=100)
    counterpart: str = Field(max_length=100)
    give_start: datetime = instant_column()
    give_end: datetime = instant_column()
    take_start: datetime | None = instant_column(nullable=True)
    take_end: datetime | None = instant_column(nullable=True)
    status: str = Field(default="pending", max_length=20)
    created_at: datetime = instant_column()
    decided_at: datetime | None = instant_column(nullable=True)
    reason: str | None = Field(default=None, max_length=500)


class FeedTokenRow(SQLModel, table=True):
    """The secret in an iCalendar feed's URL; one per feed, replaced to revoke the old URL."""

    __tablename__ = "feed_tokens"

    kind: str = Field(primary_key=True, max_length=20)  # "schedule" or "person"
    subject: str = Field(primary_key=True, max_length=100)
    token: str = Field(max_length=64, unique=True)
    created_at: datetime = instant_column()


class QueueCheckpointRow(SQLModel, table=True):
    """The fair queue of a layer just before turn ``turn_index``, under one revision.

    A cache the views resume from instead of replaying every turn since the layer's start;
    dropped when time off that starts before ``turn_start`` is recorded.
    """

    __tablename__ = "queue_checkpoints"

    revision_id: int = Field(primary_key=True)
    schedule_id: str = Field(primary_key=True, max_length=100)
    layer_id: str = Field(primary_key=True, max_length=100)
    turn_index: int
    turn_start: datetime = instant_column(index=True)
    queue: list[str] = json_column()
    computed_at: datetime = instant_column()
