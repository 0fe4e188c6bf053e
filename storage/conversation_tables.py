"""Teams' conversation references: where the bot may write without being spoken to."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.tables import instant_column, json_column


class ConversationRefRow(SQLModel, table=True):
    """One personal chat, group chat or channel the bot was installed in; one per conversation.

    ``id`` only orders the rows (the order they were first seen in); a replaced reference
    keeps its row and so its place. Ids are long in Teams (a personal chat's runs to a few
    hundred characters), hence the generous lengths.
    """

    __tablename__ = "teams_conversations"
    __table_args__ = (
        UniqueConstraint("conversation_id", name="uq_teams_conversations_conversation_id"),
        Index("ix_teams_conversations_user_id", "user_id"),
        Index("ix_teams_conversations_aad_object_id", "aad_object_id"),
        Index("ix_teams_conversations_team_id", "team_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: str = Field(max_length=500)
    kind: str = Field(max_length=20)
    service_url: str = Field(max_length=500)
    tenant_id: str | None = Field(default=None, max_length=100)
    team_id: str | None = Field(default=None, max_length=500)
    user_id: str | None = Field(default=None, max_length=500)
    aad_object_id: str | None = Field(default=None, max_length=100)
    reference: dict[str, Any] = json_column()
    active: bool = True
    updated_at: datetime = instant_column()
