"""Who may change rotations from chat (``/oncall config``): the managers of a schedule's team.

A schedule without a team, or whose team names no managers, can be changed only in the file
itself. The refusals name teams and schedules as the configuration names them.
"""

from __future__ import annotations

from core.chat.rights import manages
from core.config.model import Configuration, Schedule


def editable_schedules(config: Configuration, person_id: str | None) -> tuple[Schedule, ...]:
    """The schedules ``person_id`` may change: those of the teams they manage, in file order."""
    if person_id is None:
        return ()
    return tuple(
        s for s in config.schedules if s.team is not None and manages(config, person_id, s.team)
    )


def config_refusal(
    config: Configuration, person_id: str | None, schedule_id: str | None = None
) -> str | None:
    """None when ``person_id`` may change ``schedule_id`` (or, without one, some schedule).

    Unknown people, people who manage no team, and managers of other teams are refused.
    """
    if person_id is None:
        return "you are not in the on-call configuration, so you cannot change rotations"
    if schedule_id is None:
        if editable_schedules(config, person_id):
            return None
        if any(person_id in t.managers for t in config.teams):
            return "the teams you manage have no schedules to change"
        return "only a team's managers may change its rotations, and you manage no team"
    schedule = config.schedule(schedule_id)
    if schedule is None:
        return f"there is no schedule {schedule_id!r} any more"
    shown = schedule.name or schedule.id
    if schedule.team is None:
        return f"{shown} belongs to no team, so it can be changed only in the file"
    if manages(config, person_id, schedule.team):
        return None
    team = next((t for t in config.teams if t.id == schedule.team), None)
    return f"only a manager of {(team.name if team else None) or schedule.team} may change {shown}"
