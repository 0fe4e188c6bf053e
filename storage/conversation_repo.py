"""Teams' conversation references over SQL (:class:`core.chat.ports.ConversationRefRepository`).

Rows keep their ``id`` when replaced (an upsert, one statement on either engine), so "oldest
first" is the order conversations were first seen in.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.chat.ports import ConversationRef
from storage.conversation_tables import ConversationRefRow
from storage.statements import dialect_name, insert_for

CONVERSATIONS = ConversationRefRow.__table__  # type: ignore[attr-defined]
_FIELDS = (
    "kind",
    "service_url",
    "tenant_id",
    "team_id",
    "user_id",
    "aad_object_id",
    "reference",
    "active",
    "updated_at",
)


def _ref(row: Any) -> ConversationRef:
    return ConversationRef(
        row.conversation_id,
        row.kind,
        row.service_url,
        row.tenant_id,
        row.team_id,
        row.user_id,
        row.aad_object_id,
        row.reference,
        bool(row.active),
        row.updated_at,
    )


class SqlConversationRefs:
    """Implements :class:`core.chat.ports.ConversationRefRepository`."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def save(self, ref: ConversationRef) -> None:
        """Insert, or replace every field but the id of the row of ``ref.conversation_id``."""
        values = {"conversation_id": ref.conversation_id, **{f: getattr(ref, f) for f in _FIELDS}}
        statement = (
            insert_for(dialect_name(self._session), CONVERSATIONS)
            .values(**values)
            .on_conflict_do_update(
                index_elements=["conversation_id"], set_={f: values[f] for f in _FIELDS}
            )
        )
        await self._session.execute(statement)

    async def get(self, conversation_id: str) -> ConversationRef | None:
        found = await self._select(CONVERSATIONS.c.conversation_id == conversation_id)
        return found[0] if found else None

    async def personal(
        self, *, user_id: str | None = None, aad_object_id: str | None = None
    ) -> ConversationRef | None:
        """Newest ``updated_at`` first; of two equal, the one seen last."""
        matches = []
        if user_id is not None:
            matches.append(CONVERSATIONS.c.user_id == user_id)
        if aad_object_id is not None:
            matches.append(CONVERSATIONS.c.aad_object_id == aad_object_id)
        if not matches:
            return None
        query = (
            select(CONVERSATIONS)
            .where(
                CONVERSATIONS.c.kind == "personal",
                CONVERSATIONS.c.active.is_(True),
                or_(*matches),
            )
            .order_by(CONVERSATIONS.c.updated_at.desc(), CONVERSATIONS.c.id.desc())
            .limit(1)
        )
        row = (await self._session.execute(query)).first()
        return _ref(row) if row is not None else None

    async def in_team(self, team_id: str) -> list[ConversationRef]:
        return await self._active_channels(CONVERSATIONS.c.team_id == team_id)

    async def channels(self) -> list[ConversationRef]:
        return await self._active_channels()

    async def deactivate(self, conversation_id: str, now: datetime) -> bool:
        changed = await self._deactivate(CONVERSATIONS.c.conversation_id == conversation_id, now)
        return changed > 0

    async def deactivate_team(self, team_id: str, now: datetime) -> int:
        return await self._deactivate(CONVERSATIONS.c.team_id == team_id, now)

    async def _active_channels(self, *where: Any) -> list[ConversationRef]:
        return await self._select(
            CONVERSATIONS.c.kind == "channel", CONVERSATIONS.c.active.is_(True), *where
        )

    async def _select(self, *where: Any) -> list[ConversationRef]:
        query = select(CONVERSATIONS).where(*where).order_by(CONVERSATIONS.c.id)
        return [_ref(r) for r in await self._session.execute(query)]

    async def _deactivate(self, where: Any, now: datetime) -> int:
        result = await self._session.execute(
            update(CONVERSATIONS)
            .where(where, CONVERSATIONS.c.active.is_(True))
            .values(active=False, updated_at=now)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
