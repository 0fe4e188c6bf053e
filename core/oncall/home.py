"""A person's own overview: their next shifts, their open incidents, their teams' readiness.

What a chat home page shows (Slack's App Home; a Teams tab later), computed once here so every
surface shows the same. Read-only: one read unit of work (entered twice: once by
:func:`core.oncall.who.who_for_teams`, once for the rest), ``now`` from the caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from core.config.model import Configuration
from core.incidents.ports import IncidentRecord
from core.oncall import views
from core.oncall.listing import ListedShift
from core.oncall.targets import PersonRef, person_ref, teams_of
from core.oncall.who import WhoRow, who_for_teams
from core.ports import UnitOfWork

HOME_AHEAD = timedelta(days=14)
OPEN_INCIDENTS_READ = 500
"""Open incidents looked at (newest first) to find the person's own and count the teams'."""


@dataclass(frozen=True)
class GapAhead:
    """An instant range in which a service's first tier would page nobody.

    ``schedule`` is the first schedule of that tier (the one an override would fill), None
    when the tier names none (a service without an escalation policy).
    """

    service: str
    service_name: str | None
    schedule: str | None
    start: datetime
    end: datetime


@dataclass(frozen=True)
class TeamReadiness:
    """One team: who is on call now in each schedule and who is next (the next hand-over is
    ``next.start`` of a row), its coverage gaps ahead, and how many incidents are open."""

    team: str
    name: str | None
    managed: bool
    rows: tuple[WhoRow, ...]
    gaps: tuple[GapAhead, ...]
    open_incidents: int

    @property
    def display_name(self) -> str:
        return self.name or self.team


@dataclass(frozen=True)
class Home:
    """The overview of ``person`` at ``at``, looking ahead to ``until``.

    ``shifts``: the person's final shifts (overrides, swaps and covers included) that end
    after ``at`` and start before ``until``, clipped to that window, time order. ``incidents``:
    open incidents assigned to or acknowledged by the person, newest first. ``teams``: the
    person's teams in file order (:func:`core.oncall.targets.teams_of`). ``manager``: the
    person manages at least one team. ``timezone``: the zone the person reads times in.
    """

    person: PersonRef
    timezone: str
    at: datetime
    until: datetime
    shifts: tuple[ListedShift, ...]
    incidents: tuple[IncidentRecord, ...]
    teams: tuple[TeamReadiness, ...]
    manager: bool
    schedule_names: dict[str, str]


def _first_schedule(config: Configuration, service_id: str) -> str | None:
    for target in views.first_tier_targets(config, service_id):
        kind, _, ref = target.partition(":")
        if kind == "schedule":
            return ref
    return None


def _mine(record: IncidentRecord, person_id: str) -> bool:
    state = record.state
    return state.status != "resolved" and person_id in (state.assignee, state.acknowledged_by)


async def home_for(
    uow: UnitOfWork, person_id: str, now: datetime, *, ahead: timedelta = HOME_AHEAD
) -> Home | None:
    """The overview of ``person_id`` at ``now``; None for a person the configuration lacks.

    Gaps are those of the services of the person's teams over ``[now, now + ahead)``, service
    by service in file order; a service without an escalation policy is one gap over the
    whole window (nobody would be paged). A person in no team has no teams (and no gaps),
    but still their shifts (an override can put anyone on call) and incidents.
    """
    async with uow:
        config = await uow.config.load() or Configuration()
    if config.person(person_id) is None:
        return None
    teams = teams_of(config, person_id)
    answer = await who_for_teams(uow, now, teams)
    until = now + ahead
    async with uow:
        config = await uow.config.load() or Configuration()
        state = await views.load_state(uow, now, until)
        listed = await uow.incidents.listing(False, OPEN_INCIDENTS_READ)
    person = person_ref(config, person_id)
    shifts = tuple(
        ListedShift(sid, person, max(s.start, now), min(s.end, until), s.source)
        for sid, s in views.person_shifts(state, person_id, now, until)
    )
    open_incidents = [r for r in listed if r.state.status != "resolved"]
    readiness = []
    for team_id in teams:
        team = next(t for t in config.teams if t.id == team_id)
        gaps = tuple(
            GapAhead(service.id, service.name, _first_schedule(config, service.id), g.start, g.end)
            for service in config.services
            if service.team == team_id
            for g in views.coverage_gaps(state, service.id, now, until)
        )
        readiness.append(
            TeamReadiness(
                team=team_id,
                name=team.name,
                managed=person_id in team.managers,
                rows=tuple(r for r in answer.rows if r.team == team_id),
                gaps=gaps,
                open_incidents=sum(r.team_id == team_id for r in open_incidents),
            )
        )
    found = config.person(person_id)
    return Home(
        person=person,
        timezone=(found.timezone if found else None) or config.timezone,
        at=now,
        until=until,
        shifts=shifts,
        incidents=tuple(r for r in open_incidents if _mine(r, person_id)),
        teams=tuple(readiness),
        manager=any(person_id in t.managers for t in config.teams),
        schedule_names={s.id: s.name or s.id for s in config.schedules},
    )
