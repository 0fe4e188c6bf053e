"""Coverage-gap warnings over SQL (:class:`core.oncall.ports.GapWarningRepository`)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Table, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.oncall.ports import GapWarning
from storage.gap_tables import GapWarningRow
from storage.statements import dialect_name, insert_for

GAPS: Table = GapWarningRow.__table__  # type: ignore[attr-defined]


class SqlGapWarnings:
    """Implements :class:`core.oncall.ports.GapWarningRepository`."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def all(self) -> list[GapWarning]:
        query = select(GAPS).order_by(GAPS.c.service_id, GAPS.c.gap_start)
        return [
            GapWarning(
                r.service_id,
                r.gap_start,
                r.gap_end,
                r.team_id,
                r.schedule_id,
                r.seen_until,
                r.warned_at,
            )
            for r in await self._session.execute(query)
        ]

    async def replace(self, remove: Sequence[GapWarning], add: Sequence[GapWarning]) -> bool:
        """See the port. On False some rows may be changed already: the caller must not
        commit (leaving the unit rolls them back). A concurrent worker's delete or insert of
        the same row makes this one wait for it (PostgreSQL), then see it done."""
        for old in remove:
            result = await self._session.execute(
                delete(GAPS).where(
                    GAPS.c.service_id == old.service_id, GAPS.c.gap_start == old.start
                )
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                return False
        if not add:
            return True
        statement = (
            insert_for(dialect_name(self._session), GAPS)
            .values(
                [
                    {
                        "service_id": w.service_id,
                        "gap_start": w.start,
                        "gap_end": w.end,
                        "team_id": w.team_id,
                        "schedule_id": w.schedule_id,
                        "seen_until": w.seen_until,
                        "warned_at": w.warned_at,
                    }
                    for w in add
                ]
            )
            .on_conflict_do_nothing(index_elements=["service_id", "gap_start"])
            .returning(GAPS.c.service_id)
        )
        return len((await self._session.execute(statement)).all()) == len(add)
