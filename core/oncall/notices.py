"""Hand-overs and coverage gaps, announced through the outbox.

Both jobs recompute a window and write one outbox message per hand-over or gap, keyed by what
it announces (``handover/<schedule>/<instant>``, ``gap/<service>/<start>``). The outbox refuses
a second row with the same key, so running the jobs often, after a restart or on two instances
at once never announces anything twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise

from core.config.model import Configuration
from core.incidents.ports import OutboxMessage
from core.oncall.views import ScheduleState, coverage_gaps, final_for, load_state
from core.ports import UnitOfWork

HANDOVER_LOOKBACK = timedelta(minutes=15)
GAP_HORIZON = timedelta(days=7)
GAP_LOOKBACK = timedelta(days=7)


@dataclass(frozen=True)
class Handover:
    """At ``at``, ``outgoing`` hands ``schedule_id`` to ``incoming`` (None: a gap on that side)."""

    schedule_id: str
    at: datetime
    outgoing: str | None
    incoming: str | None


def handovers(
    state: ScheduleState, schedule_id: str, start: datetime, end: datetime
) -> list[Handover]:
    """Changes of who is on call in ``(start, end]``; the same person staying on is no hand-over."""
    final = final_for(state, schedule_id, start, end + timedelta(seconds=1))
    pieces = sorted(
        [(s.start, s.end, s.person) for s in final.shifts]
        + [(g.start, g.end, None) for g in final.gaps]
    )
    out = []
    for (_, _, before), (at, _, after) in pairwise(pieces):
        if before != after and start < at <= end:
            out.append(Handover(schedule_id, at, before, after))
    return out


async def announce_handovers(
    uow: UnitOfWork, now: datetime, *, read: UnitOfWork | None = None
) -> int:
    """Write a message for every hand-over of the last minutes; returns how many were new.

    With ``read`` (a unit that only reads), the hand-overs are found there and only the
    messages are written in ``uow``; a hand-over changed by an override recorded in the
    moment between the two is announced as it was found.
    """
    start = now - HANDOVER_LOOKBACK

    def messages(state: ScheduleState) -> list[OutboxMessage]:
        config = state.config
        out = []
        for schedule in config.schedules:
            team = next((t for t in config.teams if t.id == schedule.team), None)
            for handover in handovers(state, schedule.id, start, now):
                payload = {
                    "schedule": schedule.id,
                    "schedule_name": schedule.name or schedule.id,
                    "at": handover.at.isoformat(),
                    "outgoing": handover.outgoing,
                    "incoming": handover.incoming,
                    "slack_channel": team.slack_channel if team else None,
                    "slack_usergroup": team.slack_usergroup if team else None,
                    "teams_channel": team.teams_channel if team else None,
                    "people": _contacts(config, [handover.outgoing, handover.incoming]),
                }
                key = f"handover/{schedule.id}/{handover.at.isoformat()}"
                out.append(OutboxMessage(key, "chat", "handover", payload, now))
        return out

    return await _computed_then_written(uow, read, start, now + timedelta(seconds=1), messages)


async def _computed_then_written(
    uow: UnitOfWork,
    read: UnitOfWork | None,
    start: datetime,
    end: datetime,
    messages: Callable[[ScheduleState], list[OutboxMessage]],
) -> int:
    """Load the state of ``[start, end)`` and write the messages computed from it (keys make
    a repeat a no-op); how many were new. With ``read``, the computation happens in that
    unit and ``uow``'s write transaction only writes, so it never holds SQLite's one write
    lock while schedules are computed."""
    source = read if read is not None else uow
    async with source:
        outgoing = messages(await load_state(source, start, end))
        if read is None:
            written = await uow.outbox.add_many(outgoing)
            await uow.commit()
            return written
    if not outgoing:
        return 0
    async with uow:
        written = await uow.outbox.add_many(outgoing)
        await uow.commit()
    return written


async def warn_about_gaps(
    uow: UnitOfWork,
    now: datetime,
    horizon: timedelta = GAP_HORIZON,
    *,
    read: UnitOfWork | None = None,
) -> int:
    """Warn each team's managers of coverage gaps in the coming days; returns new warnings.

    A gap is keyed by where it starts. Gaps are computed from a floor a week back (at a UTC
    midnight), so a gap under way keeps its start from run to run; one that began before the
    floor is keyed by the floor, so it is repeated at most once a day, as a reminder.

    With ``read`` (a unit that only reads), the gaps are computed there and only the warnings
    are written in ``uow``, so the computation never holds SQLite's one write lock. A gap
    closed (an override added) in the moment between the two is still warned about once.
    """
    floor = (now - GAP_LOOKBACK).replace(hour=0, minute=0, second=0, microsecond=0)
    return await _computed_then_written(
        uow, read, floor, now + horizon, lambda state: _gap_warnings(state, floor, now, horizon)
    )


def _gap_warnings(
    state: ScheduleState, floor: datetime, now: datetime, horizon: timedelta
) -> list[OutboxMessage]:
    config = state.config
    out = []
    for service in config.services:
        team = next((t for t in config.teams if t.id == service.team), None)
        for gap in coverage_gaps(state, service.id, floor, now + horizon):
            if gap.end <= now:
                continue  # over already
            payload = {
                "service": service.id,
                "service_name": service.name or service.id,
                "importance": service.importance,
                "from": gap.start.isoformat(),
                "to": gap.end.isoformat(),
                "team": service.team,
                "managers": _contacts(config, list(team.managers) if team else []),
                "slack_channel": team.slack_channel if team else None,
            }
            key = f"gap/{service.id}/{gap.start.isoformat()}"
            out.append(OutboxMessage(key, "chat", "coverage_gap", payload, now))
    return out


def _contacts(config: Configuration, people: list[str | None]) -> list[dict[str, str | None]]:
    out = []
    for person_id in people:
        person = config.person(person_id) if person_id else None
        if person is not None:
            out.append(
                {
                    "id": person.id,
                    "name": person.display_name,
                    "slack": person.slack,
                    "email": person.email,
                    "teams": person.teams,
                }
            )
    return out
