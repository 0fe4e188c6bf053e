"""Reading the load area's period and figures, shared by its pages and API operations.

:func:`read_period` checks the request's ``since``/``until``/``team``/``tz`` as ``oncall
report`` does (dates and local times read in ``tz``, else the configuration's zone; a date is
its midnight; default the 30 days before now) and refuses, with a :class:`PeriodError`, an
unknown zone or team, an unreadable time, an empty or inverted period, one over
:data:`MAX_PERIOD`, or one outside [:data:`EARLIEST`, :data:`LATEST`] (schedule arithmetic
near the ends of the calendar would overflow). Nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from core.config.model import Configuration
from core.config.timefmt import zone as zone_named
from core.metrics.load import Load, team_load
from core.metrics.ports import IncidentMetrics
from core.metrics.report import (
    DEFAULT_REPORT,
    Figures,
    PersonFigures,
    Report,
    response_report,
)
from core.timeinput import TimeInputError, parse_instant
from web.deps import WebDeps
from web.load.models import (
    FiguresOut,
    IncidentOut,
    LoadOut,
    PageOut,
    Percentiles,
    PersonFiguresOut,
    PersonLoadOut,
    ReportOut,
    RestOut,
    ServiceFiguresOut,
    TeamFiguresOut,
)
from web.render import zone_or_none

MAX_PERIOD = timedelta(days=366)
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


class PeriodError(Exception):
    """A period that cannot be shown: ``status`` 400 (bad value) or 404 (unknown team)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


@dataclass(frozen=True)
class Period:
    """A checked period: ``[start, end)`` in UTC, the team (None: all), the zone asked for
    (None: none given) and the configuration it was read against."""

    start: datetime
    end: datetime
    team: str | None
    zone: tzinfo | None
    config: Configuration


async def read_period(
    deps: WebDeps, since: str | None, until: str | None, team: str | None, tz: str | None
) -> Period:
    """The period of a request (see the module docstring); empty strings count as absent."""
    since, until, team, tz = (v or None for v in (since, until, team, tz))
    zone = None
    if tz is not None:
        zone = zone_or_none(tz)
        if zone is None:
            raise PeriodError(400, f"unknown time zone {tz!r}")
    async with deps.read_unit() as uow:
        config = await uow.config.load() or Configuration()
    if team is not None and all(t.id != team for t in config.teams):
        raise PeriodError(404, f"unknown team {team!r}")
    read_zone = zone or zone_named(config.timezone)
    now = deps.clock.now()
    try:
        end = parse_instant(until, zone=read_zone, now=now, what="until") if until else now
        start = (
            parse_instant(since, zone=read_zone, now=now, what="since")
            if since
            else end - DEFAULT_REPORT
        )
    except TimeInputError as exc:
        raise PeriodError(400, str(exc)) from None
    except OverflowError:  # 0001-01-01 east of UTC, 9999-12-31 west of it
        raise PeriodError(400, "since and until must be between 1970 and 2200") from None
    if not (start >= EARLIEST and end <= LATEST):
        raise PeriodError(400, "since and until must be between 1970 and 2200")
    if end <= start:
        raise PeriodError(400, "until must be after since")
    if end - start > MAX_PERIOD:
        raise PeriodError(400, f"a period covers at most {MAX_PERIOD.days} days")
    return Period(start.astimezone(UTC), end.astimezone(UTC), team, zone, config)


async def load_of(deps: WebDeps, period: Period) -> Load:
    """The load and report of ``period`` (two read-only units of work)."""
    return await team_load(
        deps.read_unit(), deps.read_unit(), period.start, period.end, period.team
    )


async def report_of(deps: WebDeps, period: Period) -> Report:
    """The response report of ``period`` (:func:`core.metrics.report.response_report`)."""
    return await response_report(deps.read_unit(), period.start, period.end, period.team)


def _seconds(value: timedelta | None) -> int | None:
    return None if value is None else int(value.total_seconds())


def _time(moment: datetime | None, zone: tzinfo | None) -> str | None:
    return None if moment is None else moment.astimezone(zone or UTC).isoformat()


def _figures(f: Figures) -> dict[str, object]:
    return {
        "incidents": f.incidents,
        "acknowledged": f.acknowledged,
        "time_to_acknowledge": Percentiles(
            median=_seconds(f.mtta_median), p90=_seconds(f.mtta_p90)
        ),
        "time_to_resolve": Percentiles(median=_seconds(f.mttr_median), p90=_seconds(f.mttr_p90)),
        "escalations": f.escalations,
        "pages": f.pages,
        "off_hours_pages": f.off_hours_pages,
        "off_hours_seconds": _seconds(f.off_hours_time),
        "off_hours_incidents": f.off_hours_incidents,
    }


def _person(p: PersonFigures) -> PersonFiguresOut:
    return PersonFiguresOut(
        person=p.person,
        name=p.name,
        pages=p.pages,
        off_hours_pages=p.off_hours_pages,
        off_hours_seconds=_seconds(p.off_hours_time),
        acknowledged=p.acknowledged,
        resolved=p.resolved,
        responded=p.responded,
        on_call_seconds=_seconds(p.on_call),
    )


def _incident(m: IncidentMetrics, zone: tzinfo | None) -> IncidentOut:
    return IncidentOut(
        id=m.incident_id,
        service=m.service_id,
        team=m.team_id,
        severity=m.severity,
        opened_at=_time(m.opened_at, zone),
        acknowledged_at=_time(m.acknowledged_at, zone),
        resolved_at=_time(m.resolved_at, zone),
        time_to_acknowledge=_seconds(m.time_to_acknowledge),
        time_to_resolve=_seconds(m.time_to_resolve),
        acknowledged_by=m.acknowledged_by,
        resolved_by=m.resolved_by,
        responder=m.responder,
        escalations=m.escalations,
        off_hours=m.off_hours,
        pages=[
            PageOut(
                person=p.person_id,
                at=_time(p.at, zone),
                until=_time(p.until, zone),
                off_hours=p.off_hours,
                off_hours_seconds=_seconds(p.off_hours_time),
            )
            for p in m.pages
        ],
    )


def report_out(found: Report, zone: tzinfo | None) -> ReportOut:
    """The report as ``oncall report --json`` writes it (times in ``zone``, else UTC)."""
    return ReportOut(
        since=_time(found.start, zone),
        until=_time(found.end, zone),
        team=found.team,
        window="incidents resolved in [since, until)",
        percentiles="nearest-rank",
        overall=FiguresOut(**_figures(found.overall)),
        by_team=[TeamFiguresOut(team=t, **_figures(f)) for t, f in found.by_team],
        by_service=[
            ServiceFiguresOut(service=s, team=t, **_figures(f)) for s, t, f in found.by_service
        ],
        by_person=[_person(p) for p in found.by_person],
        incidents=[_incident(m, zone) for m in found.incidents],
    )


def load_out(load: Load, zone: tzinfo | None) -> LoadOut:
    """The load per person (hours rounded to hundredths, minutes rounded down)."""
    return LoadOut(
        since=load.report.start.astimezone(zone or UTC).isoformat(),
        until=load.report.end.astimezone(zone or UTC).isoformat(),
        team=load.report.team,
        people=[
            PersonLoadOut(
                person=p.person,
                name=p.name,
                teams=list(p.teams),
                hours_on_call=round(p.on_call.total_seconds() / 3600, 2),
                pages=p.pages,
                off_hours_minutes=int(p.off_hours_time.total_seconds() // 60),
                rest_granted=RestOut(
                    count=p.rest_count, minutes=int(p.rest_time.total_seconds() // 60)
                ),
            )
            for p in load.people
        ],
    )
