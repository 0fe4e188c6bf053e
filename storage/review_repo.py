"""Post-incident reviews over SQL (:class:`core.reviews.ports.ReviewRepository`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.reviews.ports import StoredReview
from storage.review_tables import ReviewRow
from storage.statements import dialect_name, insert_for

REVIEWS: Table = ReviewRow.__table__  # type: ignore[attr-defined]


class SqlReviews:
    """Implements :class:`core.reviews.ports.ReviewRepository`."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, incident_id: int) -> StoredReview | None:
        row = (
            await self._session.execute(select(REVIEWS).where(REVIEWS.c.incident_id == incident_id))
        ).first()
        if row is None:
            return None
        return StoredReview(
            incident_id=row.incident_id,
            summary=row.summary,
            cause=row.cause,
            follow_ups=tuple(str(f) for f in row.follow_ups or ()),
            author=row.author,
            created_at=row.created_at,
            updated_at=row.updated_at,
            revision=row.revision,
        )

    async def save(self, review: StoredReview) -> None:
        """Insert, or replace the incident's row (the caller holds the incident's lock)."""
        values: dict[str, Any] = {
            "summary": review.summary,
            "cause": review.cause,
            "follow_ups": list(review.follow_ups),
            "author": review.author,
            "created_at": review.created_at,
            "updated_at": review.updated_at,
            "revision": review.revision,
        }
        changed = await self._session.execute(
            update(REVIEWS).where(REVIEWS.c.incident_id == review.incident_id).values(**values)
        )
        if changed.rowcount:  # type: ignore[attr-defined]
            return
        statement = insert_for(dialect_name(self._session), REVIEWS).values(
            incident_id=review.incident_id, **values
        )
        await self._session.execute(statement)
