"""Swaps between two people, and the secret tokens of iCalendar feeds.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "swaps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("schedule_id", sa.String(length=100), nullable=False),
        sa.Column("requester", sa.String(length=100), nullable=False),
        sa.Column("counterpart", sa.String(length=100), nullable=False),
        sa.Column("give_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("give_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("take_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("take_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_swaps_schedule_id"), "swaps", ["schedule_id"], unique=False)
    op.create_table(
        "feed_tokens",
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("subject", sa.String(length=100), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("kind", "subject"),
        sa.UniqueConstraint("token"),
    )


def downgrade() -> None:
    op.drop_table("feed_tokens")
    op.drop_index(op.f("ix_swaps_schedule_id"), table_name="swaps")
    op.drop_table("swaps")
