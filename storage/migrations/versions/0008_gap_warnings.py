"""Coverage gaps the managers were warned about, to tell new, changed and covered gaps apart.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "gap_warnings",
        sa.Column("service_id", sa.String(length=100), nullable=False),
        sa.Column("gap_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("gap_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("team_id", sa.String(length=100), nullable=True),
        sa.Column("schedule_id", sa.String(length=100), nullable=True),
        sa.Column("seen_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("warned_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("service_id", "gap_start"),
    )


def downgrade() -> None:
    op.drop_table("gap_warnings")
