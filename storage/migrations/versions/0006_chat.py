"""Chat surfaces: people's chat ids found by email, and posted copies of incident cards.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "chat_identities",
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("person_id", sa.String(length=100), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("found_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("platform", "person_id"),
    )
    op.create_index("ix_chat_identities_external", "chat_identities", ["platform", "external_id"])
    op.create_table(
        "card_copies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("channel", sa.String(length=200), nullable=False),
        sa.Column("message_id", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("person_id", sa.String(length=100), nullable=True),
        sa.Column("rendered_event", sa.Integer(), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("incident_id", "platform", "channel", name="uq_card_copies_channel"),
    )
    op.create_index("ix_card_copies_incident_id", "card_copies", ["incident_id"])


def downgrade() -> None:
    op.drop_index("ix_card_copies_incident_id", table_name="card_copies")
    op.drop_table("card_copies")
    op.drop_index("ix_chat_identities_external", table_name="chat_identities")
    op.drop_table("chat_identities")
