"""The in-memory record of coverage-gap warnings, like ``storage/gap_repo.py``."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from core.oncall.ports import GapWarning
from tests.fake_store import Store, instant, maybe_instant


class FakeGapWarnings:
    """Implements :class:`core.oncall.ports.GapWarningRepository`: unique by service and start,
    instants kept in UTC; ``replace`` refuses (False, nothing changed) like SqlGapWarnings."""

    def __init__(self, store: Store) -> None:
        self._store = store

    async def all(self) -> list[GapWarning]:
        return [self._store.gap_warnings[k] for k in sorted(self._store.gap_warnings)]

    async def replace(self, remove: Sequence[GapWarning], add: Sequence[GapWarning]) -> bool:
        rows = self._store.gap_warnings
        before = dict(rows)
        for old in remove:
            if rows.pop((old.service_id, instant(old.start)), None) is None:
                rows.clear()
                rows.update(before)
                return False
        for new in add:
            key = (new.service_id, instant(new.start))
            if key in rows:
                rows.clear()
                rows.update(before)
                return False
            rows[key] = dataclasses.replace(
                new,
                start=instant(new.start),
                end=maybe_instant(new.end),
                seen_until=instant(new.seen_until),
                warned_at=instant(new.warned_at),
            )
        return True
