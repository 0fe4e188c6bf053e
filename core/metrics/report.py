"""The response report behind ``oncall report`` and ``/oncall stats``.

An incident is *in* the window ``[start, end)`` when it was resolved in it (open incidents and
incidents resolved before metrics existed are not counted). Everything about an incident, its
pages included, counts in the window of its resolution, even a page sent before ``start``.
MTTA and MTTR are the nearest-rank median and 90th percentile (:mod:`core.metrics.stats`) of
the times to acknowledge (incidents nobody acknowledged left out) and to resolve (incidents
resolved while held in a maintenance window left out); a held incident's times run from the end
of its hold (:func:`core.metrics.compute.response_clock`). Off-hours
pages and time are per page (two incidents paging one person at once count twice). Hours on
call are the person's final shifts (overrides, swaps and covers included) over the window, in
the team's schedules (every schedule without a team), a person on call in two schedules at
once counting once; hours still ahead (a window ending in the future) count as planned.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.config.model import Configuration
from core.metrics.ports import IncidentMetrics
from core.metrics.stats import median, percentile
from core.oncall.targets import QueryError
from core.oncall.views import final_for, load_state
from core.ports import UnitOfWork
from core.schedule.intervals import normalize, total
from core.schedule.model import Interval, utc

MAX_REPORT = timedelta(days=400)
DEFAULT_REPORT = timedelta(days=30)


class ReportError(QueryError):
    """A report that cannot be made: an inverted or over-long window, an unknown team."""


@dataclass(frozen=True)
class Figures:
    """The figures of a group of incidents (all, a team's, a service's)."""

    incidents: int
    acknowledged: int
    mtta_median: timedelta | None
    mtta_p90: timedelta | None
    mttr_median: timedelta | None
    mttr_p90: timedelta | None
    escalations: int
    pages: int
    off_hours_pages: int
    off_hours_time: timedelta
    off_hours_incidents: int


@dataclass(frozen=True)
class PersonFigures:
    """One person's load: pages, off-hours, what they acknowledged, resolved, responded to,
    and hours on call."""

    person: str
    name: str
    pages: int
    off_hours_pages: int
    off_hours_time: timedelta
    acknowledged: int
    resolved: int
    responded: int
    on_call: timedelta


@dataclass(frozen=True)
class Report:
    start: datetime
    end: datetime
    team: str | None
    overall: Figures
    by_team: tuple[tuple[str, Figures], ...]
    by_service: tuple[tuple[str, str | None, Figures], ...]  # service, its team, figures
    by_person: tuple[PersonFigures, ...]
    incidents: tuple[IncidentMetrics, ...]


def figures(metrics: Sequence[IncidentMetrics]) -> Figures:
    """The figures of ``metrics`` (empty: zeros and no percentiles)."""
    pages = [p for m in metrics for p in m.pages]
    return Figures(
        incidents=len(metrics),
        acknowledged=sum(1 for m in metrics if m.time_to_acknowledge is not None),
        mtta_median=median(m.time_to_acknowledge for m in metrics),
        mtta_p90=percentile((m.time_to_acknowledge for m in metrics), 90),
        mttr_median=median(m.time_to_resolve for m in metrics),
        mttr_p90=percentile((m.time_to_resolve for m in metrics), 90),
        escalations=sum(m.escalations for m in metrics),
        pages=len(pages),
        off_hours_pages=sum(1 for p in pages if p.off_hours),
        off_hours_time=sum((p.off_hours_time for p in pages), timedelta(0)),
        off_hours_incidents=sum(1 for m in metrics if m.off_hours),
    )


def people_figures(
    config: Configuration, metrics: Sequence[IncidentMetrics], on_call: dict[str, timedelta]
) -> list[PersonFigures]:
    """Per person (by id), everyone paged, acknowledging, resolving, responding or on call."""
    ids: set[str] = set(on_call)
    for m in metrics:
        ids.update(p.person_id for p in m.pages)
        ids.update(x for x in (m.acknowledged_by, m.responder) if x)
        if m.resolved_by and config.person(m.resolved_by):
            ids.add(m.resolved_by)
    out = []
    for pid in sorted(ids):
        pages = [p for m in metrics for p in m.pages if p.person_id == pid]
        person = config.person(pid)
        out.append(
            PersonFigures(
                person=pid,
                name=person.display_name if person else pid,
                pages=len(pages),
                off_hours_pages=sum(1 for p in pages if p.off_hours),
                off_hours_time=sum((p.off_hours_time for p in pages), timedelta(0)),
                acknowledged=sum(1 for m in metrics if m.acknowledged_by == pid),
                resolved=sum(1 for m in metrics if m.resolved_by == pid),
                responded=sum(1 for m in metrics if m.responder == pid),
                on_call=on_call.get(pid, timedelta(0)),
            )
        )
    return out


def _grouped(metrics: Iterable[IncidentMetrics], key: str) -> dict[str, list[IncidentMetrics]]:
    out: dict[str, list[IncidentMetrics]] = {}
    for m in metrics:
        value = getattr(m, key)
        out.setdefault(value if value is not None else "", []).append(m)
    return dict(sorted(out.items()))


def check_window(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """The window in UTC; :class:`ReportError` when it is empty, inverted or over 400 days."""
    start, end = utc(start), utc(end)
    if end <= start:
        raise ReportError("the report's end must be after its start")
    if end - start > MAX_REPORT:
        raise ReportError(f"a report covers at most {MAX_REPORT.days} days")
    return start, end


async def response_report(
    uow: UnitOfWork, start: datetime, end: datetime, team: str | None = None
) -> Report:
    """The report over ``[start, end)`` (see the module's docstring), of ``team`` when given.

    :class:`ReportError` for a bad window or a team the configuration does not name.
    """
    start, end = check_window(start, end)
    async with uow:
        config = await uow.config.load() or Configuration()
        if team is not None and all(t.id != team for t in config.teams):
            raise ReportError(f"unknown team {team!r}")
        metrics = await uow.metrics.resolved_between(start, end, team)
        state = await load_state(uow, start, end)
    schedule_ids = sorted(
        {
            s.id
            for r in state.revisions
            for s in r.config.schedules
            if team is None or s.team == team
        }
    )
    spans: dict[str, list[Interval]] = {}
    for sid in schedule_ids:
        for shift in final_for(state, sid, start, end).shifts:
            spans.setdefault(shift.person, []).append(Interval(shift.start, shift.end))
    on_call = {pid: total(normalize(pieces)) for pid, pieces in spans.items()}
    by_service = []
    for service_id, group in _grouped(metrics, "service_id").items():
        by_service.append((service_id, group[0].team_id, figures(group)))
    return Report(
        start=start,
        end=end,
        team=team,
        overall=figures(metrics),
        by_team=tuple((t, figures(g)) for t, g in _grouped(metrics, "team_id").items() if t),
        by_service=tuple(by_service),
        by_person=tuple(people_figures(config, metrics, on_call)),
        incidents=tuple(metrics),
    )
