"""Load per person over a window: hours on call, pages, off-hours time and rest granted.

Built on :func:`core.metrics.report.response_report` (so the figures are the report's: hours
on call are the person's final shifts in the team's schedules, every schedule without a team;
pages and their off-hours time count for incidents resolved in the window) and on rest
granted after night pages (:mod:`core.rest.grant`): the time off that rule recorded (actor
:data:`core.rest.grant.ACTOR`, not cancelled) overlapping the window, counted once per rest
and measured clipped to the window.

Who appears: every member of the team (a member of a layer of one of its schedules, or a
manager: :func:`core.oncall.targets.teams_of`), or every configured person without a team,
plus anyone else the report names (a person paged or on call by an override); people with
nothing still appear, with zeros. Order: the configuration's people order, others after by id.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.config.model import Configuration
from core.metrics.report import PersonFigures, Report, response_report
from core.oncall.targets import teams_of
from core.ports import StoredTimeOff, UnitOfWork
from core.rest.grant import ACTOR as REST_ACTOR
from core.schedule.model import utc


@dataclass(frozen=True)
class PersonLoad:
    """One person's load in a window (durations are never negative)."""

    person: str
    name: str
    teams: tuple[str, ...]
    on_call: timedelta
    pages: int
    off_hours_time: timedelta
    rest_count: int
    rest_time: timedelta


@dataclass(frozen=True)
class Load:
    """The report the load was built from and the load per person."""

    report: Report
    people: tuple[PersonLoad, ...]


def members(config: Configuration, team: str | None) -> list[str]:
    """The ids of ``team``'s members in the configuration's people order (every configured
    person when ``team`` is None; an unknown team has none)."""
    if team is None:
        return [p.id for p in config.people]
    return [p.id for p in config.people if team in teams_of(config, p.id)]


def rests(
    time_off: Sequence[StoredTimeOff], person: str, start: datetime, end: datetime
) -> tuple[int, timedelta]:
    """How many rests after night pages ``person`` was granted overlapping ``[start, end)``
    and how long they are inside it. Time off recorded by anyone else is not rest; a rest
    touching the window only at an edge does not count."""
    start, end = utc(start), utc(end)
    count, length = 0, timedelta(0)
    for off in time_off:
        if off.person_id != person or off.created_by != REST_ACTOR:
            continue
        lo, hi = max(utc(off.start), start), min(utc(off.end), end)
        if hi > lo:
            count += 1
            length += hi - lo
    return count, length


def person_loads(
    config: Configuration,
    by_person: Sequence[PersonFigures],
    time_off: Sequence[StoredTimeOff],
    team: str | None,
    start: datetime,
    end: datetime,
) -> list[PersonLoad]:
    """The load of everyone described in the module docstring, from the report's figures."""
    figures = {p.person: p for p in by_person}
    ids = members(config, team)
    ids += sorted(pid for pid in figures if pid not in ids)
    out = []
    for pid in ids:
        f = figures.get(pid)
        person = config.person(pid)
        count, length = rests(time_off, pid, start, end)
        out.append(
            PersonLoad(
                person=pid,
                name=person.display_name if person else (f.name if f else pid),
                teams=teams_of(config, pid),
                on_call=f.on_call if f else timedelta(0),
                pages=f.pages if f else 0,
                off_hours_time=f.off_hours_time if f else timedelta(0),
                rest_count=count,
                rest_time=length,
            )
        )
    return out


async def team_load(
    report_uow: UnitOfWork, uow: UnitOfWork, start: datetime, end: datetime, team: str | None
) -> Load:
    """The load over ``[start, end)`` of ``team`` (everyone when None), with its report.

    ``report_uow`` is given to :func:`response_report` (which raises
    :class:`core.metrics.report.ReportError` for a bad window or an unknown team); ``uow``
    reads the configuration and the time off. Read only.
    """
    report = await response_report(report_uow, start, end, team)
    async with uow:
        config = await uow.config.load() or Configuration()
        time_off = await uow.schedules.time_off(report.start, report.end)
    people = person_loads(config, report.by_person, time_off, team, report.start, report.end)
    return Load(report=report, people=tuple(people))
