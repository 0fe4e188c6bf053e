"""Response metrics, stored per incident at resolution; their pages; rest decisions.

Incidents resolved before this revision have no metrics (nothing is back-filled).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "incident_metrics",
        sa.Column("incident_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("service_id", sa.String(length=100), nullable=False),
        sa.Column("team_id", sa.String(length=100), nullable=True),
        sa.Column("severity", sa.String(length=100), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_by", sa.String(length=200), nullable=True),
        sa.Column("resolved_by", sa.String(length=200), nullable=True),
        sa.Column("escalations", sa.Integer(), nullable=False),
        sa.Column("responder", sa.String(length=200), nullable=True),
        sa.Column("off_hours", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("incident_id"),
    )
    op.create_index(
        op.f("ix_incident_metrics_resolved_at"), "incident_metrics", ["resolved_at"], unique=False
    )
    op.create_table(
        "metric_pages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.String(length=200), nullable=False),
        sa.Column("paged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("off_hours", sa.Boolean(), nullable=False),
        sa.Column("off_hours_seconds", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incident_metrics.incident_id"], ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_metric_pages_incident_id"), "metric_pages", ["incident_id"], unique=False
    )
    op.create_index(
        "ix_metric_pages_person_at", "metric_pages", ["person_id", "paged_at"], unique=False
    )
    op.create_table(
        "rest_decisions",
        sa.Column("person_id", sa.String(length=100), nullable=False),
        sa.Column("shift_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("schedule_id", sa.String(length=100), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("night_seconds", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("person_id", "shift_start"),
    )


def downgrade() -> None:
    op.drop_table("rest_decisions")
    op.drop_index("ix_metric_pages_person_at", table_name="metric_pages")
    op.drop_index(op.f("ix_metric_pages_incident_id"), table_name="metric_pages")
    op.drop_table("metric_pages")
    op.drop_index(op.f("ix_incident_metrics_resolved_at"), table_name="incident_metrics")
    op.drop_table("incident_metrics")
