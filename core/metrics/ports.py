"""Response metrics of resolved incidents as stored; ``storage/`` implements the repository.

Metrics are written once, at resolution, in the resolving transaction
(:func:`core.metrics.resolution.record_response`). Incidents resolved before metrics existed
have none: :meth:`MetricsRepository.get` gives None for them and reports leave them out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol


@dataclass(frozen=True)
class PageMetric:
    """One page of one person for an incident.

    ``until`` is when that page stopped asking for an answer: the first acknowledgement at or
    after ``at``, else the resolution. ``off_hours``: ``at`` fell outside the person's hours
    (:mod:`core.metrics.offhours`); ``off_hours_time``: how much of ``[at, until)`` did.
    """

    person_id: str
    at: datetime
    until: datetime
    off_hours: bool
    off_hours_time: timedelta


@dataclass(frozen=True)
class IncidentMetrics:
    """What one resolved incident cost: times, people, escalations, pages.

    ``acknowledged_at``/``acknowledged_by`` are the first acknowledgement's (a snoozed
    incident that triggered again and was acknowledged twice counts from the first);
    ``time_to_acknowledge`` is None when nobody acknowledged (the alerts resolved themselves).
    Both times run from the opening, or for an incident held in a maintenance window from the
    end of its hold (:func:`core.metrics.compute.response_clock`); an incident resolved while
    still held has neither (None).
    ``responder``: who acknowledged, else who resolved when that is a configured person, else
    the last person paged, else None. ``off_hours``: it was off-hours for the responder at
    their first page (at opening when they were never paged).
    """

    incident_id: int
    service_id: str
    team_id: str | None
    severity: str
    opened_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime
    time_to_acknowledge: timedelta | None
    time_to_resolve: timedelta | None
    acknowledged_by: str | None
    resolved_by: str | None
    escalations: int
    responder: str | None
    off_hours: bool
    pages: tuple[PageMetric, ...] = ()


@dataclass(frozen=True)
class PersonPage:
    """A stored page with the incident it belongs to (for rest after night pages)."""

    incident_id: int
    page: PageMetric


@dataclass(frozen=True)
class RestGrant:
    """The one decision about rest for one person's shift: ``granted`` (the time off is in
    the audit log, its reason naming the incident) or ``refused`` (nobody could cover; the
    managers were told)."""

    person_id: str
    shift_start: datetime
    schedule_id: str
    incident_id: int
    outcome: str  # "granted" | "refused"
    decided_at: datetime
    night_time: timedelta


class MetricsRepository(Protocol):
    """Metrics by incident; pages by person and time; rest decisions by person and shift."""

    async def save(self, metrics: IncidentMetrics) -> bool:
        """Store the metrics and their pages; False (nothing written) when the incident has
        metrics already."""
        ...

    async def get(self, incident_id: int) -> IncidentMetrics | None:
        """The incident's metrics; None for an open incident or one resolved before metrics
        existed."""
        ...

    async def resolved_between(
        self, start: datetime, end: datetime, team_id: str | None = None
    ) -> list[IncidentMetrics]:
        """Metrics of incidents resolved in ``[start, end)`` (of ``team_id`` when given),
        oldest resolution first (then by incident id), each with its pages."""
        ...

    async def pages_of(self, person_id: str, start: datetime, end: datetime) -> list[PersonPage]:
        """Stored pages of ``person_id`` whose ``at`` is in ``[start, end)``, in time order."""
        ...

    async def lock_pages_of(self, person_ids: Sequence[str]) -> None:
        """Wait until no other transaction holds these people's pages, then hold them until
        this one ends, so that pages read afterwards include every page committed by a
        resolution that held them first (two resolutions of one person's incidents at once
        are decided one after the other). Call before :meth:`pages_of` in a transaction
        that saved pages; one call per transaction (the ids are locked in sorted order)."""
        ...

    async def rest_decision(self, person_id: str, shift_start: datetime) -> RestGrant | None:
        """The rest decision made for this person's shift starting at ``shift_start``."""
        ...

    async def add_rest_decision(self, grant: RestGrant) -> bool:
        """Record a rest decision; False (nothing written) when the shift has one already."""
        ...
