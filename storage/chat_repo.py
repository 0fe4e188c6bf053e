"""Chat identities and card copies over SQL (:mod:`core.chat.ports`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.chat.ports import CardCopy, ChatIdentity
from storage.chat_tables import CardCopyRow, ChatIdentityRow
from storage.statements import dialect_name, insert_for

IDENTITIES = ChatIdentityRow.__table__  # type: ignore[attr-defined]
CARDS = CardCopyRow.__table__  # type: ignore[attr-defined]


def _identity(row: ChatIdentityRow) -> ChatIdentity:
    return ChatIdentity(row.platform, row.person_id, row.external_id, row.email, row.found_at)


class SqlChatIdentities:
    """Implements :class:`core.chat.ports.ChatIdentityRepository`."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def by_person(self, platform: str, person_id: str) -> ChatIdentity | None:
        row = await self._session.get(ChatIdentityRow, (platform, person_id))
        return _identity(row) if row is not None else None

    async def by_external(self, platform: str, external_id: str) -> list[ChatIdentity]:
        query = select(ChatIdentityRow).where(
            IDENTITIES.c.platform == platform, IDENTITIES.c.external_id == external_id
        )
        return [_identity(r) for r in (await self._session.execute(query)).scalars()]

    async def remember(self, identity: ChatIdentity) -> None:
        values = {
            "platform": identity.platform,
            "person_id": identity.person_id,
            "external_id": identity.external_id,
            "email": identity.email,
            "found_at": identity.found_at,
        }
        statement = (
            insert_for(dialect_name(self._session), IDENTITIES)
            .values(**values)
            .on_conflict_do_update(
                index_elements=["platform", "person_id"],
                set_={k: values[k] for k in ("external_id", "email", "found_at")},
            )
        )
        await self._session.execute(statement)

    async def forget(self, platform: str, person_id: str) -> None:
        await self._session.execute(
            delete(IDENTITIES).where(
                IDENTITIES.c.platform == platform, IDENTITIES.c.person_id == person_id
            )
        )


class SqlCardCopies:
    """Implements :class:`core.chat.ports.CardCopyRepository`."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def copies(self, incident_id: int, platform: str) -> list[CardCopy]:
        return await self._select(CARDS.c.incident_id == incident_id, CARDS.c.platform == platform)

    async def in_message(self, platform: str, channel: str, message_id: str) -> list[CardCopy]:
        return await self._select(
            CARDS.c.platform == platform,
            CARDS.c.channel == channel,
            CARDS.c.message_id == message_id,
        )

    async def _select(self, *where: Any) -> list[CardCopy]:
        query = select(CARDS).where(*where).order_by(CARDS.c.id)
        return [
            CardCopy(
                r.id,
                r.incident_id,
                r.platform,
                r.channel,
                r.message_id,
                r.kind,
                r.person_id,
                r.rendered_event,
                r.posted_at,
            )
            for r in await self._session.execute(query)
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
        statement = (
            insert_for(dialect_name(self._session), CARDS)
            .values(
                incident_id=incident_id,
                platform=platform,
                channel=channel,
                message_id=message_id,
                kind=kind,
                person_id=person_id,
                rendered_event=rendered_event,
                posted_at=now,
                updated_at=now,
            )
            .on_conflict_do_nothing(index_elements=["incident_id", "platform", "channel"])
            .returning(CARDS.c.id)
        )
        return (await self._session.execute(statement)).first() is not None

    async def rendered(self, copy_id: int, event_id: int, now: datetime) -> None:
        await self._session.execute(
            update(CARDS)
            .where(CARDS.c.id == copy_id, CARDS.c.rendered_event < event_id)
            .values(rendered_event=event_id, updated_at=now)
        )

    async def drop(self, copy_id: int) -> None:
        await self._session.execute(delete(CARDS).where(CARDS.c.id == copy_id))
