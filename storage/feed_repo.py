"""Secret tokens of iCalendar feeds: one per feed, replaced to revoke the old URL."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.tables import FeedTokenRow

KINDS = ("schedule", "person")


class SqlFeedTokens:
    """Implements :class:`core.ports.FeedRepository`: tokens by feed, and feeds by token."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def token_for(
        self, kind: str, subject: str, *, now: datetime, rotate: bool = False
    ) -> str:
        """The feed's token, made on first use; ``rotate`` replaces it (old URLs stop working)."""
        if kind not in KINDS:
            raise ValueError(f"unknown feed kind {kind!r}")
        row = await self._session.get(FeedTokenRow, (kind, subject))
        if row is not None and not rotate:
            return row.token
        token = secrets.token_urlsafe(32)
        if row is None:
            self._session.add(FeedTokenRow(kind=kind, subject=subject, token=token, created_at=now))
        else:
            row.token, row.created_at = token, now
        await self._session.flush()
        return token

    async def feed_of(self, token: str) -> tuple[str, str] | None:
        """``(kind, subject)`` of the feed whose token is ``token``; None for an unknown token."""
        query = select(FeedTokenRow).where(FeedTokenRow.token == token)  # type: ignore[arg-type]
        row = (await self._session.execute(query)).scalars().first()
        return (row.kind, row.subject) if row is not None else None
