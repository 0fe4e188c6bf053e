"""Who may change what from chat: only a team's managers act for someone else.

Anyone may put themselves on call (an override of their own) or record their own time off.
Putting someone else on call needs the schedule's team's managers; recording someone else's
time off needs a manager of a team the person is on
(:func:`core.oncall.targets.teams_of`), or any team's manager when the person is on none.
The refusals name teams, schedules and people as the configuration names them.
"""

from __future__ import annotations

from core.config.model import Configuration
from core.oncall.targets import teams_of


def manages(config: Configuration, person_id: str, team_id: str) -> bool:
    return any(t.id == team_id and person_id in t.managers for t in config.teams)


def _person(config: Configuration, person_id: str) -> str:
    person = config.person(person_id)
    return person.display_name if person else person_id


def _team(config: Configuration, team_id: str) -> str:
    team = next((t for t in config.teams if t.id == team_id), None)
    return (team.name if team else None) or team_id


def override_refusal(
    config: Configuration, actor: str, schedule_id: str, person_id: str
) -> str | None:
    """None when ``actor`` may put ``person_id`` on call in ``schedule_id``; else why not.

    A schedule without a team (or an unknown one) has no managers: only the person themself.
    """
    if actor == person_id:
        return None
    schedule = config.schedule(schedule_id)
    team = schedule.team if schedule else None
    if team and manages(config, actor, team):
        return None
    shown = (schedule.name if schedule else None) or schedule_id
    if not team:
        return f"{shown} belongs to no team, so nobody may put someone else on call in it"
    return f"only a manager of {_team(config, team)} may put someone else on call in {shown}"


def time_off_refusal(config: Configuration, actor: str, person_id: str) -> str | None:
    """None when ``actor`` may record time off for ``person_id``; else why not."""
    if actor == person_id:
        return None
    teams = teams_of(config, person_id)
    if teams and any(manages(config, actor, t) for t in teams):
        return None
    if not teams and any(actor in t.managers for t in config.teams):
        return None
    name = _person(config, person_id)
    if not teams:
        return f"only a team's manager may record time off for {name}"
    return (
        f"only a manager of {' or '.join(_team(config, t) for t in teams)} may record "
        f"time off for {name}"
    )
