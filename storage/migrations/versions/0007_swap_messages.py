"""Swaps keep the requester's reason; posted chat messages the bot updates later.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("swaps") as batch:
        batch.add_column(sa.Column("reason", sa.String(length=500), nullable=True))
    op.create_table(
        "posted_messages",
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("channel", sa.String(length=200), nullable=False),
        sa.Column("message_id", sa.String(length=200), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("platform", "subject"),
    )


def downgrade() -> None:
    op.drop_table("posted_messages")
    with op.batch_alter_table("swaps") as batch:
        batch.drop_column("reason")
