"""In-memory chat identities and card copies (:mod:`core.chat.ports`), on a fake
:class:`~tests.fake_store.Store`."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from core.chat.ports import CardCopy, ChatIdentity
from tests.fake_store import Store


class FakeChatIdentities:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def by_person(self, platform: str, person_id: str) -> ChatIdentity | None:
        return self._store.identities.get((platform, person_id))

    async def by_external(self, platform: str, external_id: str) -> list[ChatIdentity]:
        return [
            i
            for (p, _), i in sorted(self._store.identities.items())
            if p == platform and i.external_id == external_id
        ]

    async def remember(self, identity: ChatIdentity) -> None:
        self._store.identities[(identity.platform, identity.person_id)] = identity

    async def forget(self, platform: str, person_id: str) -> None:
        self._store.identities.pop((platform, person_id), None)


class FakeCardCopies:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def copies(self, incident_id: int, platform: str) -> list[CardCopy]:
        return [
            c for c in self._store.cards if (c.incident_id, c.platform) == (incident_id, platform)
        ]

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
        if any(
            (c.incident_id, c.platform, c.channel) == (incident_id, platform, channel)
            for c in self._store.cards
        ):
            return False
        copy_id = self._store.new_row_id("card_copies")
        self._store.cards.append(
            CardCopy(
                copy_id,
                incident_id,
                platform,
                channel,
                message_id,
                kind,
                person_id,
                rendered_event,
                now,
            )
        )
        return True

    async def in_message(self, platform: str, channel: str, message_id: str) -> list[CardCopy]:
        return [
            c
            for c in self._store.cards
            if (c.platform, c.channel, c.message_id) == (platform, channel, message_id)
        ]

    async def rendered(self, copy_id: int, event_id: int, now: datetime) -> None:
        self._store.cards = [
            replace(c, rendered_event=event_id)
            if c.id == copy_id and c.rendered_event < event_id
            else c
            for c in self._store.cards
        ]

    async def drop(self, copy_id: int) -> None:
        self._store.cards = [c for c in self._store.cards if c.id != copy_id]
