"""Tables of the chat surfaces: people's chat ids and the posted copies of incident cards."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.tables import instant_column


class ChatIdentityRow(SQLModel, table=True):
    """A person's chat id found by email lookup; one per (platform, person)."""

    __tablename__ = "chat_identities"
    __table_args__ = (Index("ix_chat_identities_external", "platform", "external_id"),)

    platform: str = Field(primary_key=True, max_length=20)
    person_id: str = Field(primary_key=True, max_length=100)
    external_id: str = Field(max_length=200)
    email: str | None = Field(default=None, max_length=320)
    found_at: datetime = instant_column()


class CardCopyRow(SQLModel, table=True):
    """One posted copy of an incident's card; one per (incident, platform, channel)."""

    __tablename__ = "card_copies"
    __table_args__ = (
        UniqueConstraint("incident_id", "platform", "channel", name="uq_card_copies_channel"),
    )

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(index=True)
    platform: str = Field(max_length=20)
    channel: str = Field(max_length=500)  # Teams conversation ids can pass 200
    message_id: str = Field(max_length=500)
    kind: str = Field(max_length=20)
    person_id: str | None = Field(default=None, max_length=100)
    rendered_event: int = 0
    posted_at: datetime = instant_column()
    updated_at: datetime = instant_column()
