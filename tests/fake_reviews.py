"""In-memory post-incident reviews, like ``storage/review_repo.py``, on a fake Store."""

from __future__ import annotations

from dataclasses import replace

from core.reviews.ports import StoredReview
from tests.fake_store import FakeIntegrityError, Store, instant


class FakeReviews:
    """Implements :class:`core.reviews.ports.ReviewRepository`: one review per incident."""

    def __init__(self, store: Store) -> None:
        self._store = store

    async def get(self, incident_id: int) -> StoredReview | None:
        return self._store.reviews.get(incident_id)

    async def save(self, review: StoredReview) -> None:
        if review.incident_id not in self._store.incidents:
            raise FakeIntegrityError(f"no incident {review.incident_id} (foreign key)")
        self._store.reviews[review.incident_id] = replace(
            review,
            created_at=instant(review.created_at),
            updated_at=instant(review.updated_at),
            follow_ups=tuple(review.follow_ups),
        )
