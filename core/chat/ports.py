"""Repositories of the chat surfaces; ``storage/`` implements them.

``platform`` is ``"slack"`` or ``"teams"`` everywhere, so both surfaces share the tables.
Teams' conversation references (:class:`ConversationRef`) are Teams' own and carry no platform.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


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


CONVERSATION_KINDS = frozenset({"personal", "groupChat", "channel"})  # Teams' conversationType


@dataclass(frozen=True)
class ConversationRef:
    """Where the bot can write to in Teams without being spoken to: a personal chat, a group
    chat or a team channel, as the bot last saw it.

    ``conversation_id`` is Teams' conversation id; for a channel the channel id
    (``"19:...@thread.tacv2"``), never with ``";messageid=..."`` (the id of a thread in it):
    one is refused, as is a ``kind`` that is none of :data:`CONVERSATION_KINDS`, so two
    spellings of one channel never become two references. ``team_id`` is set for channels
    (the team's id); ``user_id`` (``"29:..."``) and ``aad_object_id`` (the user's Azure AD
    object id) for personal chats. ``reference`` is botbuilder's ``ConversationReference``
    serialized: a JSON-able dict, given back as JSON keeps it (tuples come back as lists).
    ``updated_at`` (timezone-aware) is when the bot last saw it, or when it stopped using it.
    """

    conversation_id: str
    kind: str  # "personal" | "groupChat" | "channel"
    service_url: str
    tenant_id: str | None
    team_id: str | None
    user_id: str | None
    aad_object_id: str | None
    reference: dict[str, Any]
    active: bool
    updated_at: datetime

    def __post_init__(self) -> None:
        if ";messageid=" in self.conversation_id:
            raise ValueError(f"a thread's id is no conversation id: {self.conversation_id!r}")
        if self.kind not in CONVERSATION_KINDS:
            raise ValueError(f"unknown Teams conversation kind {self.kind!r}")


class ConversationRefRepository(Protocol):
    """Teams' conversation references, one per ``conversation_id``.

    "Oldest first" is the order in which conversations were first saved (replacing one keeps
    its place); "newest" is the latest ``updated_at``.
    """

    async def save(self, ref: ConversationRef) -> None:
        """Store or replace the reference of ``ref.conversation_id`` (active again if it was not).

        Every field is replaced, ``active`` and ``updated_at`` included, as given (handlers
        pass ``active=True``).
        """
        ...

    async def get(self, conversation_id: str) -> ConversationRef | None:
        """The reference, active or not; None when never seen."""
        ...

    async def personal(
        self, *, user_id: str | None = None, aad_object_id: str | None = None
    ) -> ConversationRef | None:
        """The active personal chat of the user matched by either id (newest first); None when
        the bot has none with them, or both ids are None."""
        ...

    async def in_team(self, team_id: str) -> list[ConversationRef]:
        """Active channel references of the team, oldest first."""
        ...

    async def channels(self) -> list[ConversationRef]:
        """Every active channel reference (any team), oldest first."""
        ...

    async def deactivate(self, conversation_id: str, now: datetime) -> bool:
        """Stop using one reference (the bot was removed, or Teams answered 403/404 for it);
        False when unknown or inactive already. ``updated_at`` becomes ``now``."""
        ...

    async def deactivate_team(self, team_id: str, now: datetime) -> int:
        """The bot was removed from a team: every reference of it is inactive; how many changed.

        "Of it" is every reference whose ``team_id`` is ``team_id`` (its channels); personal
        and group chats carry no team and stay. Those changed get ``updated_at = now``.
        """
        ...
