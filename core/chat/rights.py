"""Who may change what from chat: only a team's managers act for someone else.

Anyone may put themselves on call (an override of their own) or record their own time off.
Putting someone else on call needs the schedule's team's managers; recording someone else's
time off needs a manager of a team the person is on
(:func:`core.oncall.targets.teams_of`), or any team's manager when the person is on none.
"""

from __future__ import annotations

from core.config.model import Configuration
from core.oncall.targets import teams_of


def manages(config: Configuration, person_id: str, team_id: str) -> bool:
    return any(t.id == team_id and person_id in t.managers for t in config.teams)


def override_refusal(
    config: Configuration, actor: str, schedule_id: str, person_id: str
) -> str | None:
    """None when ``actor`` may put ``person_id`` on call in ``schedule_id``; else why not."""
    if actor == person_id:
        return None
    schedule = config.schedule(schedule_id)
    team = schedule.team if schedule else None
    if team and manages(config, actor, team):
        return None
    return (
        f"only a manager of {team or 'the schedule’s team'} may put someone else on call "
        f"in {schedule_id}"
    )


def time_off_refusal(config: Configuration, actor: str, person_id: str) -> str | None:
    """None when ``actor`` may record time off for ``person_id``; else why not."""
    if actor == person_id:
        return None
    teams = teams_of(config, person_id)
    if teams and any(manages(config, actor, t) for t in teams):
        return None
    if not teams and any(actor in t.managers for t in config.teams):
        return None
    return f"only a manager of {person_id}'s team may record their time off"
