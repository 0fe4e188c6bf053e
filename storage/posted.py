"""Posted chat messages the bot may update later, over SQL (:mod:`core.chat.posted`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

from core.chat.posted import PostedMessage
from storage.statements import dialect_name, insert_for
from storage.tables import instant_column


class PostedMessageRow(SQLModel, table=True):
    """One posted message per (platform, subject)."""

    __tablename__ = "posted_messages"

    platform: str = Field(primary_key=True, max_length=20)
    subject: str = Field(primary_key=True, max_length=200)
    channel: str = Field(max_length=500)  # Teams conversation ids can pass 200
    message_id: str = Field(max_length=500)
    posted_at: datetime = instant_column()


POSTED = PostedMessageRow.__table__  # type: ignore[attr-defined]


class SqlPostedMessages:
    """Implements :class:`core.chat.posted.PostedMessageRepository`."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, platform: str, subject: str) -> PostedMessage | None:
        query = select(POSTED).where(POSTED.c.platform == platform, POSTED.c.subject == subject)
        row = (await self._session.execute(query)).first()
        if row is None:
            return None
        return PostedMessage(row.platform, row.subject, row.channel, row.message_id, row.posted_at)

    async def add(self, message: PostedMessage) -> bool:
        statement = (
            insert_for(dialect_name(self._session), POSTED)
            .values(
                platform=message.platform,
                subject=message.subject,
                channel=message.channel,
                message_id=message.message_id,
                posted_at=message.posted_at,
            )
            .on_conflict_do_nothing(index_elements=["platform", "subject"])
            .returning(POSTED.c.subject)
        )
        return (await self._session.execute(statement)).first() is not None
