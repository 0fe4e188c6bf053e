"""The first schema: configuration entities, overrides, time off, revisions, audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("subject", sa.String(), nullable=False),
        sa.Column("detail", JSON_DOCUMENT, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_audit_log_action"), "audit_log", ["action"], unique=False)
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"], unique=False)
    op.create_table(
        "config_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("document", JSON_DOCUMENT, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_config_revisions_applied_at"), "config_revisions", ["applied_at"], unique=False
    )
    op.create_table(
        "escalation_policies",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=True),
        sa.Column("repeat", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("schedule_id", sa.String(length=100), nullable=False),
        sa.Column("person_id", sa.String(length=100), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("swap_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_overrides_schedule_window",
        "overrides",
        ["schedule_id", "starts_at", "ends_at"],
        unique=False,
    )
    op.create_table(
        "people",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=True),
        sa.Column("email", sa.String(), nullable=True),
        sa.Column("slack_id", sa.String(), nullable=True),
        sa.Column("teams_id", sa.String(), nullable=True),
        sa.Column("timezone", sa.String(), nullable=False),
        sa.Column("available", JSON_DOCUMENT, nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_people_email"), "people", ["email"], unique=False)
    op.create_index(op.f("ix_people_slack_id"), "people", ["slack_id"], unique=False)
    op.create_table(
        "routes",
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("match", JSON_DOCUMENT, nullable=False),
        sa.Column("service_id", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("position"),
    )
    op.create_table(
        "schedules",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=True),
        sa.Column("team_id", sa.String(), nullable=True),
        sa.Column("timezone", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_schedules_team_id"), "schedules", ["team_id"], unique=False)
    op.create_table(
        "services",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=True),
        sa.Column("team_id", sa.String(), nullable=False),
        sa.Column("importance", sa.String(), nullable=False),
        sa.Column("escalation_policy_id", sa.String(), nullable=True),
        sa.Column("match", JSON_DOCUMENT, nullable=False),
        sa.Column("runbook", sa.String(), nullable=True),
        sa.Column("dashboard", sa.String(), nullable=True),
        sa.Column("description", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_services_team_id"), "services", ["team_id"], unique=False)
    op.create_table(
        "severities",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("page", sa.Boolean(), nullable=False),
        sa.Column("notify", JSON_DOCUMENT, nullable=False),
        sa.Column("ticket", sa.Boolean(), nullable=False),
        sa.Column("escalation_policy_id", sa.String(), nullable=True),
        sa.Column("start_tier", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "teams",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=True),
        sa.Column("managers", JSON_DOCUMENT, nullable=False),
        sa.Column("slack_channel", sa.String(), nullable=True),
        sa.Column("slack_usergroup", sa.String(), nullable=True),
        sa.Column("teams_channel", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "time_off",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.String(length=100), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_time_off_person_window", "time_off", ["person_id", "starts_at", "ends_at"], unique=False
    )
    op.create_table(
        "escalation_tiers",
        sa.Column("policy_id", sa.String(length=100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("targets", JSON_DOCUMENT, nullable=False),
        sa.Column("escalate_after_seconds", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["policy_id"], ["escalation_policies.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("policy_id", "position"),
    )
    op.create_table(
        "schedule_layers",
        sa.Column("schedule_id", sa.String(length=100), nullable=False),
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("members", JSON_DOCUMENT, nullable=False),
        sa.Column("rotation", sa.String(), nullable=False),
        sa.Column("every", sa.Integer(), nullable=False),
        sa.Column("start", sa.String(), nullable=False),
        sa.Column("active", JSON_DOCUMENT, nullable=True),
        sa.ForeignKeyConstraint(["schedule_id"], ["schedules.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("schedule_id", "id"),
    )


def downgrade() -> None:
    op.drop_table("schedule_layers")
    op.drop_table("escalation_tiers")
    op.drop_index("ix_time_off_person_window", table_name="time_off")
    op.drop_table("time_off")
    op.drop_table("teams")
    op.drop_table("severities")
    op.drop_index(op.f("ix_services_team_id"), table_name="services")
    op.drop_table("services")
    op.drop_index(op.f("ix_schedules_team_id"), table_name="schedules")
    op.drop_table("schedules")
    op.drop_table("routes")
    op.drop_index(op.f("ix_people_slack_id"), table_name="people")
    op.drop_index(op.f("ix_people_email"), table_name="people")
    op.drop_table("people")
    op.drop_index("ix_overrides_schedule_window", table_name="overrides")
    op.drop_table("overrides")
    op.drop_table("escalation_policies")
    op.drop_index(op.f("ix_config_revisions_applied_at"), table_name="config_revisions")
    op.drop_table("config_revisions")
    op.drop_index(op.f("ix_audit_log_at"), table_name="audit_log")
    op.drop_index(op.f("ix_audit_log_action"), table_name="audit_log")
    op.drop_table("audit_log")
