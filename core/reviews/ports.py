"""A stored post-incident review and the repository that keeps it; ``storage/`` implements it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class ReviewFields:
    """What a person wrote: a summary (required), the cause, follow-ups (one per line)."""

    summary: str
    cause: str | None = None
    follow_ups: tuple[str, ...] = ()


@dataclass(frozen=True)
class StoredReview:
    """The review of one incident. ``revision`` counts submissions (1 for the first);
    ``created_at`` is the first submission's time, ``updated_at`` the latest's."""

    incident_id: int
    summary: str
    cause: str | None
    follow_ups: tuple[str, ...]
    author: str
    created_at: datetime
    updated_at: datetime
    revision: int = 1

    def as_json(self) -> dict[str, Any]:
        """The review as ``oncall incidents ID --json`` and ticket comments show it."""
        return {
            "summary": self.summary,
            "cause": self.cause,
            "follow_ups": list(self.follow_ups),
            "author": self.author,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "revision": self.revision,
        }


class ReviewRepository(Protocol):
    """One review per incident."""

    async def get(self, incident_id: int) -> StoredReview | None:
        """The incident's review; None when nobody wrote one."""
        ...

    async def save(self, review: StoredReview) -> None:
        """Store ``review``, replacing the incident's earlier one if any."""
        ...
