"""In-memory Teams conversation references (:class:`core.chat.ports.ConversationRefRepository`),
on a fake :class:`~tests.fake_store.Store`.

``Store.conversations`` is a dict by conversation id: replacing a value keeps its place, which
is the order SQL's row ids give ("oldest first" is the order first seen).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from core.chat.ports import ConversationRef
from tests.fake_store import Store, as_json, instant


class FakeConversationRefs:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def save(self, ref: ConversationRef) -> None:
        held = replace(ref, reference=as_json(ref.reference), updated_at=instant(ref.updated_at))
        self._store.conversations[ref.conversation_id] = held

    async def get(self, conversation_id: str) -> ConversationRef | None:
        return self._store.conversations.get(conversation_id)

    async def personal(
        self, *, user_id: str | None = None, aad_object_id: str | None = None
    ) -> ConversationRef | None:
        matches = [
            (r.updated_at, order, r)
            for order, r in enumerate(self._store.conversations.values())
            if r.kind == "personal"
            and r.active
            and (
                (user_id is not None and r.user_id == user_id)
                or (aad_object_id is not None and r.aad_object_id == aad_object_id)
            )
        ]
        return max(matches, key=lambda m: m[:2])[2] if matches else None

    async def in_team(self, team_id: str) -> list[ConversationRef]:
        return [r for r in await self.channels() if r.team_id == team_id]

    async def channels(self) -> list[ConversationRef]:
        return [r for r in self._store.conversations.values() if r.kind == "channel" and r.active]

    async def deactivate(self, conversation_id: str, now: datetime) -> bool:
        ref = self._store.conversations.get(conversation_id)
        if ref is None or not ref.active:
            return False
        self._store.conversations[conversation_id] = replace(
            ref, active=False, updated_at=instant(now)
        )
        return True

    async def deactivate_team(self, team_id: str, now: datetime) -> int:
        of_team = [
            r.conversation_id
            for r in self._store.conversations.values()
            if r.team_id == team_id and r.active
        ]
        for conversation_id in of_team:
            await self.deactivate(conversation_id, now)
        return len(of_team)
