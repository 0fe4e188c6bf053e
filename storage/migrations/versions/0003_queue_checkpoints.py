"""Fair-queue checkpoints per revision, schedule and layer.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "queue_checkpoints",
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("schedule_id", sa.String(length=100), nullable=False),
        sa.Column("layer_id", sa.String(length=100), nullable=False),
        sa.Column("turn_index", sa.Integer(), nullable=False),
        sa.Column("turn_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("queue", JSON_DOCUMENT, nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("revision_id", "schedule_id", "layer_id"),
    )
    op.create_index(
        op.f("ix_queue_checkpoints_turn_start"), "queue_checkpoints", ["turn_start"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_queue_checkpoints_turn_start"), table_name="queue_checkpoints")
    op.drop_table("queue_checkpoints")
