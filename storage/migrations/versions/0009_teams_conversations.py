"""Teams' conversation references: the chats and channels the bot may write to unasked.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "teams_conversations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=500), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("service_url", sa.String(length=500), nullable=False),
        sa.Column("tenant_id", sa.String(length=100), nullable=True),
        sa.Column("team_id", sa.String(length=500), nullable=True),
        sa.Column("user_id", sa.String(length=500), nullable=True),
        sa.Column("aad_object_id", sa.String(length=100), nullable=True),
        sa.Column("reference", JSON_DOCUMENT, nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("conversation_id", name="uq_teams_conversations_conversation_id"),
    )
    op.create_index("ix_teams_conversations_user_id", "teams_conversations", ["user_id"])
    op.create_index(
        "ix_teams_conversations_aad_object_id", "teams_conversations", ["aad_object_id"]
    )
    op.create_index("ix_teams_conversations_team_id", "teams_conversations", ["team_id"])


def downgrade() -> None:
    op.drop_index("ix_teams_conversations_team_id", table_name="teams_conversations")
    op.drop_index("ix_teams_conversations_aad_object_id", table_name="teams_conversations")
    op.drop_index("ix_teams_conversations_user_id", table_name="teams_conversations")
    op.drop_table("teams_conversations")
