"""In-memory maintenance windows and holds
(:class:`core.maintenance.ports.MaintenanceRepository`), as ``storage/maintenance_repo.py``
keeps them."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING

from core.maintenance.ports import MaintenanceHold, StoredWindow
from tests.fake_store import instant

if TYPE_CHECKING:
    from tests.fake_store import Store


@dataclass
class HoldRow:
    hold: MaintenanceHold
    done_at: datetime | None = None
    done_by: str | None = None


@dataclass
class MaintenanceData:
    """The two tables: windows by id, holds by incident id."""

    windows: dict[int, StoredWindow] = field(default_factory=dict)
    holds: dict[int, HoldRow] = field(default_factory=dict)
    last_window_id: int = 0


class FakeMaintenance:
    def __init__(self, store: Store) -> None:
        self._data = store.maintenance
        self._store = store

    async def add_window(
        self,
        service_id: str | None,
        team_id: str | None,
        starts_at: datetime,
        ends_at: datetime,
        reason: str | None,
        actor: str,
        now: datetime,
    ) -> int:
        self._data.last_window_id += 1
        wid = self._data.last_window_id
        self._data.windows[wid] = StoredWindow(
            wid,
            service_id,
            team_id,
            instant(starts_at),
            instant(ends_at),
            reason,
            actor,
            instant(now),
        )
        return wid

    async def window(self, window_id: int) -> StoredWindow | None:
        return self._data.windows.get(window_id)

    async def windows(self, ending_after: datetime) -> list[StoredWindow]:
        found = [
            w
            for w in self._data.windows.values()
            if w.cancelled_at is None and w.ends_at > ending_after
        ]
        return sorted(found, key=lambda w: (w.starts_at, w.id))

    async def cancel_window(self, window_id: int, now: datetime) -> bool:
        old = self._data.windows.get(window_id)
        if old is None or old.cancelled_at is not None:
            return False
        self._data.windows[window_id] = replace(old, cancelled_at=instant(now))
        return True

    async def hold(
        self,
        incident_id: int,
        service_id: str,
        team_id: str | None,
        due_at: datetime,
        pages: bool,
        now: datetime,
    ) -> None:
        if incident_id not in self._store.incidents:
            raise ValueError(f"no incident {incident_id} (foreign key)")
        hold = MaintenanceHold(incident_id, service_id, team_id, instant(due_at), pages)
        self._data.holds[incident_id] = HoldRow(hold)

    async def holds(self) -> list[MaintenanceHold]:
        pending = [r.hold for r in self._data.holds.values() if r.done_at is None]
        return sorted(pending, key=lambda h: h.due_at)

    async def move_hold(self, incident_id: int, due_at: datetime) -> int:
        row = self._data.holds.get(incident_id)
        if row is None or row.done_at is not None:
            return 0
        row.hold = replace(row.hold, due_at=instant(due_at))
        return 1

    async def claim_due_holds(
        self, now: datetime, limit: int, worker: str
    ) -> list[MaintenanceHold]:
        due = sorted(
            (r for r in self._data.holds.values() if r.done_at is None and r.hold.due_at <= now),
            key=lambda r: (r.hold.due_at, r.hold.incident_id),
        )[:limit]
        for row in due:
            row.done_at, row.done_by = instant(now), worker
        return [r.hold for r in due]
