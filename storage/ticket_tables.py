"""Tables of tickets: one per incident (any tracker), and the comments made on them.

For the builtin tracker the comments are the ticket's own; for Jira, GitHub and the webhook
they record which comments were made, so a redelivered message makes no second one.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.tables import instant_column


class TicketRow(SQLModel, table=True):
    """An incident's ticket; ``key`` unique per system (``T-7``, ``OPS-12``, ``#42``)."""

    __tablename__ = "tickets"
    __table_args__ = (UniqueConstraint("system", "key", name="uq_tickets_system_key"),)

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("incidents.id", ondelete="CASCADE"), unique=True, nullable=False
        )
    )
    system: str = Field(max_length=20)
    key: str = Field(max_length=100)
    number: int | None = None  # builtin tickets: the n of T-<n>
    url: str | None = Field(default=None, max_length=2048)
    status: str = Field(max_length=20)  # open, closed
    idempotency_key: str = Field(max_length=100)
    external_id: str | None = Field(default=None, max_length=100)
    assignee: str | None = Field(default=None, max_length=100)
    created_at: datetime = instant_column()
    updated_at: datetime = instant_column()


class TicketCommentRow(SQLModel, table=True):
    """A comment made on an incident's ticket, unique by ``key``."""

    __tablename__ = "ticket_comments"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("incidents.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    key: str = Field(max_length=300, unique=True)
    kind: str = Field(max_length=40)
    body: str = Field(sa_column=Column(Text, nullable=False))
    external_id: str | None = Field(default=None, max_length=100)
    created_at: datetime = instant_column()
