"""What a hand-over message says, as of when it is delivered: a neutral brief every chat
surface renders.

The hand-over itself (schedule, instant, who hands to whom) is what the outbox row recorded;
the rest is looked up at delivery, so a hand-over sent late shows incidents and who is on call
as they are now, not as they were: the team's schedules on call now (what a chat user group
and channel topic should say), the incoming person's shift (until when), and the team's
incidents opened during the outgoing shift and those still open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from core.config.model import Schedule
from core.incidents.ports import IncidentRecord
from core.oncall import views
from core.oncall.targets import PersonRef, person_ref
from core.ports import UnitOfWork
from core.schedule.model import utc

INCIDENT_SCAN = 500  # the newest incidents looked at for a team's lists


@dataclass(frozen=True)
class BriefIncident:
    """An incident as a hand-over lists it."""

    id: int
    title: str
    service_id: str
    severity: str
    status: str
    opened_at: datetime


@dataclass(frozen=True)
class OnCallNow:
    """One schedule of the team at delivery: its person (None: a gap) and until when."""

    schedule_id: str
    schedule_name: str
    person: PersonRef | None
    until: datetime | None


@dataclass(frozen=True)
class HandoverBrief:
    """The hand-over at ``at`` in ``schedule_id`` and what surrounds it at ``now``.

    ``outgoing_since`` is the start of the outgoing person's shift (None in a gap before);
    ``incoming_until`` the end of the incoming person's (None: no end within a year, or a
    gap after). ``incoming_timezone`` is the incoming person's zone, else the configuration's.
    ``during_shift`` are the team's incidents opened in ``[outgoing_since, at)``, any status;
    ``still_open`` the team's incidents not resolved at ``now``; both newest first.
    """

    schedule_id: str
    schedule_name: str
    team_id: str | None
    team_name: str | None
    at: datetime
    outgoing: PersonRef | None
    outgoing_since: datetime | None
    incoming: PersonRef | None
    incoming_until: datetime | None
    incoming_timezone: str
    during_shift: tuple[BriefIncident, ...]
    still_open: tuple[BriefIncident, ...]
    on_call_now: tuple[OnCallNow, ...]
    timezone: str


async def handover_brief(
    uow: UnitOfWork,
    schedule_id: str,
    at: datetime,
    now: datetime,
    *,
    outgoing: str | None,
    incoming: str | None,
    team_id: str | None = None,
) -> HandoverBrief:
    """The brief of one hand-over, read in ``uow`` (entered here; it only reads).

    ``team_id`` is used when the schedule is no longer configured (a row written before a
    config change). The outgoing and incoming shifts are the final schedule's around ``at``
    when that person still holds them; an override recorded since (someone else took the
    shift) leaves the bound None. Only the newest 500 incidents are looked at, so a team's
    lists never cost more than that.
    """
    at, now = utc(at), utc(now)
    around = views.WHO_LOOK_AROUND
    async with uow:
        state = await views.load_state(uow, min(at, now) - around, max(at, now) + around)
        recent = await uow.incidents.listing(True, INCIDENT_SCAN)
    config = state.config
    schedule = config.schedule(schedule_id)
    team_id = schedule.team if schedule is not None else team_id
    team = next((t for t in config.teams if t.id == team_id), None)
    before = views.who_for(state, schedule_id, at - timedelta(microseconds=1))
    after = views.who_for(state, schedule_id, at)
    since = before.start if before is not None and before.person == outgoing else None
    until = after.end if after is not None and after.person == incoming else None
    person = config.person(incoming) if incoming else None
    mine = [_incident(r) for r in recent if team_id is not None and r.team_id == team_id]
    during = [i for i in mine if since is not None and since <= i.opened_at < at]
    return HandoverBrief(
        schedule_id=schedule_id,
        schedule_name=(schedule.name if schedule else None) or schedule_id,
        team_id=team_id,
        team_name=(team.name or team.id) if team else team_id,
        at=at,
        outgoing=person_ref(config, outgoing) if outgoing else None,
        outgoing_since=since,
        incoming=person_ref(config, incoming) if incoming else None,
        incoming_until=until,
        incoming_timezone=(person.timezone if person else None) or config.timezone,
        during_shift=tuple(during),
        still_open=tuple(i for i in mine if i.status != "resolved"),
        on_call_now=tuple(
            _on_call(state, s.id, s.name, now) for s in _team_schedules(state, team_id)
        ),
        timezone=config.timezone,
    )


def _team_schedules(state: views.ScheduleState, team_id: str | None) -> list[Schedule]:
    return views.schedules_of_team(state.config, team_id) if team_id else []


def _on_call(
    state: views.ScheduleState, schedule_id: str, name: str | None, now: datetime
) -> OnCallNow:
    found = views.who_for(state, schedule_id, now)
    person = person_ref(state.config, found.person) if found is not None else None
    return OnCallNow(schedule_id, name or schedule_id, person, found.end if found else None)


def _incident(record: IncidentRecord) -> BriefIncident:
    return BriefIncident(
        record.id,
        record.title,
        record.service_id,
        record.severity,
        record.state.status,
        record.opened_at,
    )
