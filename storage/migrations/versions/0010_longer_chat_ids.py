"""Room for Teams' ids: a card copy's and a posted message's conversation and message ids up
to 500 characters (a Teams personal chat id can pass 200).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = {"card_copies": ("channel", "message_id"), "posted_messages": ("channel", "message_id")}


def _resize(length: int, was: int) -> None:
    for table, columns in COLUMNS.items():
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.alter_column(
                    column,
                    existing_type=sa.String(length=was),
                    type_=sa.String(length=length),
                    existing_nullable=False,
                )


def upgrade() -> None:
    _resize(500, 200)


def downgrade() -> None:
    _resize(200, 500)
