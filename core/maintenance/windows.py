"""Maintenance windows as instants, and when the maintenance covering an instant ends.

Windows come from the configuration (wall-clock ``from``/``to`` in the window's zone, read with
the schedules' daylight-saving rule: a reading the clocks skip means the first instant after
the gap, one they repeat means the first of the two) and from the database (instants). A
window is half-open, ``[start, end)``: at its end the incident pages.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from core.config.model import Configuration
from core.config.timefmt import zone
from core.incidents.lifecycle import IncidentState
from core.incidents.ports import IncidentRecord
from core.maintenance.ports import StoredWindow
from core.schedule.wallclock import to_instant

NOTE = "oncall_maintenance_until"
"""The annotation an incident opened in a window carries: the window's end (ISO 8601)."""


@dataclass(frozen=True)
class Window:
    """One window as instants; ``id`` None for a window of the configuration."""

    service: str | None
    team: str | None
    start: datetime
    end: datetime
    reason: str | None = None
    id: int | None = None

    @property
    def subject(self) -> str:
        """``service X`` or ``team Y``, for people."""
        return f"service {self.service}" if self.service else f"team {self.team}"


def config_windows(config: Configuration) -> list[Window]:
    """The configuration's windows as instants (each in its own zone, else the file's)."""
    out: list[Window] = []
    for w in config.maintenance:
        tz = zone(w.timezone or config.timezone)
        out.append(
            Window(w.service, w.team, to_instant(w.from_, tz), to_instant(w.to, tz), w.reason)
        )
    return out


def stored_windows(rows: Iterable[StoredWindow]) -> list[Window]:
    """Stored windows in the same form (cancelled ones left out)."""
    return [
        Window(r.service_id, r.team_id, r.starts_at, r.ends_at, r.reason, r.id)
        for r in rows
        if r.cancelled_at is None
    ]


def applies(window: Window, service_id: str, team_id: str | None) -> bool:
    """The window covers the service: it names it, or names its team."""
    if window.service is not None:
        return window.service == service_id
    return team_id is not None and window.team == team_id


def maintenance_end(
    windows: Sequence[Window], service_id: str, team_id: str | None, now: datetime
) -> datetime | None:
    """When the maintenance of the service that covers ``now`` ends; None when none does.

    Windows that overlap or touch (one ends where the next starts) are one maintenance: the
    end is that of the last of the chain. A window starting exactly at ``now`` covers it; one
    ending exactly at ``now`` does not.
    """
    mine = [w for w in windows if applies(w, service_id, team_id)]
    end = now
    while True:
        later = max((w.end for w in mine if w.start <= end < w.end), default=None)
        if later is None:
            return end if end > now else None
        end = later


def held_until(record: IncidentRecord) -> datetime | None:
    """The window end an incident was opened under (its :data:`NOTE`), if any."""
    raw = record.annotations.get(NOTE)
    try:
        return datetime.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        return None


def shown_until(record: IncidentRecord, state: IncidentState) -> datetime | None:
    """The "in maintenance until" time to show: the window end the incident was opened under,
    while it is held (still triggered and not paging); None otherwise. Edge case: a window
    extended after the opening shows the first end (the timeline has each move)."""
    if state.status != "triggered" or state.pages:
        return None
    return held_until(record)


def current_and_upcoming(windows: Sequence[Window], now: datetime) -> list[Window]:
    """Windows not over at ``now``, by start."""
    return sorted((w for w in windows if w.end > now), key=lambda w: (w.start, w.end))
