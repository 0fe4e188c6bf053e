"""Repositories of the chat surfaces; ``storage/`` implements them.

``platform`` is ``"slack"`` or ``"teams"`` everywhere, so both surfaces share the tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class ChatIdentity:
    """A person's id on a chat platform as found by looking up ``email``.

    Remembered so the lookup runs once; forgotten (looked up again) when the person's email in
    the configuration is no longer ``email``.
    """

    platform: str
    person_id: str
    external_id: str
    email: str | None
    found_at: datetime


@dataclass(frozen=True)
class CardCopy:
    """One posted copy of an incident's card: a DM to a paged person, or the team channel's.

    ``message_id`` is Slack's ``ts`` (or Teams' activity id). ``rendered_event`` is the id of
    the newest incident event the copy shows: an update for an older event is a no-op, which
    is how queued updates of one incident coalesce into one.
    """

    id: int
    incident_id: int
    platform: str
    channel: str
    message_id: str
    kind: str  # "dm" | "channel" | "digest" (a line in a storm digest message)
    person_id: str | None
    rendered_event: int
    posted_at: datetime


class ChatIdentityRepository(Protocol):
    async def by_person(self, platform: str, person_id: str) -> ChatIdentity | None: ...

    async def by_external(self, platform: str, external_id: str) -> list[ChatIdentity]:
        """Every person remembered with this chat id (more than one only after edits)."""
        ...

    async def remember(self, identity: ChatIdentity) -> None:
        """Store or replace the identity of ``(platform, person_id)``."""
        ...

    async def forget(self, platform: str, person_id: str) -> None: ...


class CardCopyRepository(Protocol):
    async def copies(self, incident_id: int, platform: str) -> list[CardCopy]:
        """Every copy of the incident's card on the platform, oldest first."""
        ...

    async def add(
        self,
        *,
        incident_id: int,
        platform: str,
        channel: str,
        message_id: str,
        kind: str,
        person_id: str | None,
        rendered_event: int,
        now: datetime,
    ) -> bool:
        """Remember a posted copy; False when the incident has a copy in ``channel`` already."""
        ...

    async def in_message(self, platform: str, channel: str, message_id: str) -> list[CardCopy]:
        """Every copy shown by one message (several for a storm digest), oldest first."""
        ...

    async def rendered(self, copy_id: int, event_id: int, now: datetime) -> None:
        """The copy now shows the incident as of ``event_id`` (never lowered)."""
        ...

    async def drop(self, copy_id: int) -> None:
        """Forget a copy that no longer exists on the platform (deleted message)."""
        ...
