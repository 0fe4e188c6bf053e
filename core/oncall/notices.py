"""Hand-overs and coverage gaps, announced through the outbox.

The hand-over job recomputes the last day and writes one outbox message per hand-over, keyed
by what it announces (``handover/<schedule>/<instant>``). The outbox refuses a second row with
the same key, so running the job often, after a restart or on two instances at once never
announces anything twice, and hand-overs missed while the bot was down are announced late,
with their true time, as long as they are less than :data:`HANDOVER_LOOKBACK` old (a
destination delivering late checks :func:`is_stale` again). Coverage-gap warnings are in
:mod:`core.oncall.gap_warnings` (re-exported here).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any, Literal

from core.incidents.ports import OutboxMessage
from core.oncall.contacts import contacts
from core.oncall.gap_warnings import GAP_HORIZON, GAP_LOOKBACK, warn_about_gaps
from core.oncall.handover_brief import HandoverBrief, handover_brief
from core.oncall.views import ScheduleState, final_for, load_state
from core.ports import UnitOfWork

HANDOVER_LOOKBACK = timedelta(days=1)

__all__ = [
    "GAP_HORIZON",
    "GAP_LOOKBACK",
    "HANDOVER_LOOKBACK",
    "Handover",
    "announce_handovers",
    "handovers",
    "is_stale",
    "warn_about_gaps",
]


def is_stale(at: datetime, now: datetime) -> bool:
    """True for a hand-over at ``at`` too old to announce at ``now`` (more than a day ago)."""
    return now - at > HANDOVER_LOOKBACK


def _person(value: object) -> str | None:
    found = value.get("id") if isinstance(value, dict) else value
    return str(found) if found else None


async def brief_to_announce(
    uow: UnitOfWork, payload: Mapping[str, Any], now: datetime
) -> tuple[datetime, HandoverBrief] | Literal["invalid", "stale"]:
    """What a ``handover`` outbox message announces, read at delivery (every chat surface
    calls this): the hand-over's time and brief (read in ``uow``, entered here); ``"invalid"``
    for a message without its schedule or an aware ISO 8601 time, ``"stale"`` for a hand-over
    more than a day old at ``now`` (not announced any more)."""
    try:
        at = datetime.fromisoformat(str(payload.get("at") or ""))
    except ValueError:
        return "invalid"
    if at.tzinfo is None or not payload.get("schedule"):
        return "invalid"
    if is_stale(at, now):
        return "stale"
    team = payload.get("team")
    brief = await handover_brief(
        uow,
        str(payload["schedule"]),
        at,
        now,
        outgoing=_person(payload.get("outgoing")),
        incoming=_person(payload.get("incoming")),
        team_id=str(team) if team else None,
    )
    return at, brief


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
    """Write a message for every hand-over of the last day; returns how many were new.

    The window is ``(now - HANDOVER_LOOKBACK, now]``, but never before the first configuration
    was applied: a fresh installation announces no hand-overs from before it existed.
    With ``read`` (a unit that only reads), the hand-overs are found there and only the
    messages are written in ``uow``; a hand-over changed by an override recorded in the
    moment between the two is announced as it was found.
    """
    start = now - HANDOVER_LOOKBACK

    def messages(state: ScheduleState) -> list[OutboxMessage]:
        config = state.config
        since = max(start, state.revisions[0].applied_at) if state.revisions else now
        out = []
        for schedule in config.schedules:
            team = next((t for t in config.teams if t.id == schedule.team), None)
            for handover in handovers(state, schedule.id, since, now):
                payload = {
                    "schedule": schedule.id,
                    "schedule_name": schedule.name or schedule.id,
                    "team": schedule.team,
                    "at": handover.at.isoformat(),
                    "outgoing": handover.outgoing,
                    "incoming": handover.incoming,
                    "slack_channel": team.slack_channel if team else None,
                    "slack_usergroup": team.slack_usergroup if team else None,
                    "teams_channel": team.teams_channel if team else None,
                    "people": contacts(config, [handover.outgoing, handover.incoming]),
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
    a repeat a no-op); how many were new. Messages whose keys the outbox knows already are
    left out first, so a run that finds nothing new opens no write transaction. With
    ``read``, the computation happens in that unit and ``uow``'s write transaction only
    writes, so it never holds SQLite's one write lock while schedules are computed."""
    source = read if read is not None else uow
    async with source:
        outgoing = messages(await load_state(source, start, end))
        if outgoing:  # announced already: no write (most runs find only those)
            known = await source.outbox.known_keys([m.key for m in outgoing])
            outgoing = [m for m in outgoing if m.key not in known]
        if read is None:
            if not outgoing:
                return 0
            written = await uow.outbox.add_many(outgoing)
            await uow.commit()
            return written
    if not outgoing:
        return 0
    async with uow:
        written = await uow.outbox.add_many(outgoing)
        await uow.commit()
    return written
