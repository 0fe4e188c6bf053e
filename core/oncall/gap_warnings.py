"""Coverage-gap warnings: each team's managers hear of a gap once, again when it changes, and
once more when it is covered.

Every run computes the gaps of the next :data:`GAP_HORIZON` and compares them with the gaps
warned about before (:class:`core.oncall.ports.GapWarning` rows). A gap overlapping no warned
one is *new*; one overlapping a warned gap but with another end (or a start that moved while
both are still ahead) has *changed*; a warned gap that overlaps no gap any more is *resolved*
(covered, or its service no longer configured), unless it simply ended. Each manager of the
team gets one outbox message (kind ``coverage_gap``) per run listing every change of the
team's services, keyed ``gaps/<team>/<manager>/<now>``. The record and the messages are
written in one transaction, so a change is announced exactly once, also when two workers run
at once (the second finds the record changed and writes nothing).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from core.config.model import Configuration
from core.incidents.ports import OutboxMessage
from core.oncall.contacts import contacts
from core.oncall.ports import GapWarning
from core.oncall.views import ScheduleState, coverage_gaps, first_tier_targets, load_state
from core.ports import UnitOfWork

GAP_HORIZON = timedelta(days=14)
GAP_LOOKBACK = timedelta(days=7)

Change = Literal["new", "changed", "resolved"]


@dataclass(frozen=True)
class FoundGap:
    """A gap of a service as computed now; ``end`` None: it runs past the horizon."""

    service_id: str
    team_id: str | None
    schedule_id: str | None
    start: datetime
    end: datetime | None


@dataclass(frozen=True)
class GapChange:
    """What managers are told about one gap. ``was`` is the warning it replaces (changed)."""

    change: Change
    gap: FoundGap
    was: GapWarning | None = None


@dataclass(frozen=True)
class GapDiff:
    """The changes to announce and the rows that make the record match what was found."""

    changes: tuple[GapChange, ...]
    remove: tuple[GapWarning, ...]
    add: tuple[GapWarning, ...]


def found_gaps(
    state: ScheduleState, floor: datetime, now: datetime, until: datetime
) -> list[FoundGap]:
    """The gaps of every service in ``[floor, until)`` that have not ended by ``now``.

    A gap under way keeps its real start (back to ``floor``); one reaching ``until`` has no
    known end (``end`` None). The schedule is the first ``schedule:`` target of the service's
    first tier (None without one: a service with no escalation policy is one long gap).
    """
    config = state.config
    out = []
    for service in config.services:
        targets = first_tier_targets(config, service.id)
        schedule_id = next((t[9:] for t in targets if t.startswith("schedule:")), None)
        for gap in coverage_gaps(state, service.id, floor, until):
            if gap.end <= now:
                continue  # over already
            end = None if gap.end >= until else gap.end
            out.append(FoundGap(service.id, service.team, schedule_id, gap.start, end))
    return out


def _overlaps(old: GapWarning, gap: FoundGap) -> bool:
    """Whether the two overlap; a missing end is no end."""
    return (gap.end is None or old.start < gap.end) and (old.end is None or gap.start < old.end)


def _same(old: GapWarning, gap: FoundGap, now: datetime) -> bool:
    """True when managers need not hear of ``gap`` again after ``old``.

    A start moving while the gap is under way (both starts past) is no news; an end that was
    past the horizon and is now known to lie past it still is none either.
    """
    starts = old.start == gap.start or (old.start <= now and gap.start <= now)
    open_end = gap.end is None or gap.end >= old.seen_until
    ends = open_end if old.end is None else gap.end == old.end
    return starts and ends and old.schedule_id == gap.schedule_id


def diff_gaps(
    recorded: Sequence[GapWarning], found: Sequence[FoundGap], now: datetime, until: datetime
) -> GapDiff:
    """Compare the warned gaps with the gaps found now (see the module's docstring).

    A warned gap split in two by an override is two changed gaps; two warned gaps joined
    (an override cancelled) are one changed gap. A warned gap that ended by ``now`` is dropped
    from the record without a word. Rows of gaps that are no news are rewritten only when
    what they remember moved (an open end seen further, a start under way).
    """
    changes: list[GapChange] = []
    remove: dict[tuple[str, datetime], GapWarning] = {}
    add: list[GapWarning] = []
    matched: set[tuple[str, datetime]] = set()
    kept: dict[tuple[str, datetime], GapWarning] = {}
    for gap in found:
        overlapping = [o for o in recorded if o.service_id == gap.service_id and _overlaps(o, gap)]
        matched.update((o.service_id, o.start) for o in overlapping)
        row = GapWarning(
            gap.service_id, gap.start, gap.end, gap.team_id, gap.schedule_id, until, now
        )
        same = next((o for o in overlapping if _same(o, gap, now)), None)
        if same is not None:
            seen = same.seen_until if gap.end is not None else until
            row = dataclasses.replace(row, warned_at=same.warned_at, seen_until=seen)
        elif overlapping:
            changes.append(GapChange("changed", gap, overlapping[0]))
        else:
            changes.append(GapChange("new", gap))
        if same is not None and row == same and len(overlapping) == 1:
            kept[(same.service_id, same.start)] = same
            continue  # nothing to record either
        remove.update(((o.service_id, o.start), o) for o in overlapping)
        add.append(row)
    for old in recorded:
        if (old.service_id, old.start) in matched:
            continue
        remove[(old.service_id, old.start)] = old
        if old.end is None or old.end > now:
            gap = FoundGap(old.service_id, old.team_id, old.schedule_id, old.start, old.end)
            changes.append(GapChange("resolved", gap))
    starts = {(row.service_id, row.start) for row in add}
    add.extend(row for key, row in kept.items() if key in remove and key not in starts)
    return GapDiff(tuple(changes), tuple(remove.values()), tuple(add))


async def warn_about_gaps(
    uow: UnitOfWork,
    now: datetime,
    horizon: timedelta = GAP_HORIZON,
    *,
    read: UnitOfWork | None = None,
) -> int:
    """Tell each team's managers what changed about its coverage gaps; returns how many gaps
    were new, changed or resolved (0 when another worker recorded the same at once).

    Gaps are computed from a floor a week back (at a UTC midnight), so a gap under way keeps
    its start from run to run. With ``read`` (a unit that only reads), the gaps are computed
    there and only the record and the messages are written in ``uow``, so the computation
    never holds SQLite's one write lock; no change means no write transaction at all.
    Teams without managers (or services without a team) are recorded but told nothing.
    """
    floor = (now - GAP_LOOKBACK).replace(hour=0, minute=0, second=0, microsecond=0)
    until = now + horizon
    source = read if read is not None else uow
    async with source:
        state = await load_state(source, floor, until)
        found = found_gaps(state, floor, now, until)
        if read is None:
            return await _record(uow, state.config, found, now, until)
    async with uow:
        return await _record(uow, state.config, found, now, until)


async def _record(
    uow: UnitOfWork,
    config: Configuration,
    found: list[FoundGap],
    now: datetime,
    until: datetime,
) -> int:
    diff = diff_gaps(await uow.gap_warnings.all(), found, now, until)
    if not diff.remove and not diff.add:
        return 0
    if not await uow.gap_warnings.replace(diff.remove, diff.add):
        return 0  # another worker recorded this very change: it announces it
    await uow.outbox.add_many(gap_messages(config, diff.changes, now, until))
    await uow.commit()
    return len(diff.changes)


def gap_messages(
    config: Configuration, changes: Sequence[GapChange], now: datetime, until: datetime
) -> list[OutboxMessage]:
    """One ``coverage_gap`` message per manager of each team with changes, gaps in time order.

    A resolved gap of a service no longer configured is told to the team it was recorded with.
    """
    by_team: dict[str, list[GapChange]] = {}
    for change in changes:
        service = next((s for s in config.services if s.id == change.gap.service_id), None)
        team_id = service.team if service is not None else change.gap.team_id
        if team_id:
            by_team.setdefault(team_id, []).append(change)
    out = []
    for team_id, team_changes in by_team.items():
        team = next((t for t in config.teams if t.id == team_id), None)
        if team is None:
            continue
        gaps = [_gap_entry(config, c) for c in sorted(team_changes, key=lambda c: c.gap.start)]
        for manager in contacts(config, team.managers):
            payload = {
                "team": team.id,
                "team_name": team.name or team.id,
                "slack_channel": team.slack_channel,
                "manager": manager,
                "horizon_end": until.isoformat(),
                "gaps": gaps,
            }
            key = f"gaps/{team.id}/{manager['id']}/{now.isoformat()}"
            out.append(OutboxMessage(key, "chat", "coverage_gap", payload, now))
    return out


def _gap_entry(config: Configuration, change: GapChange) -> dict[str, Any]:
    gap = change.gap
    service = next((s for s in config.services if s.id == gap.service_id), None)
    schedule = config.schedule(gap.schedule_id) if gap.schedule_id else None
    was = change.was
    return {
        "change": change.change,
        "service": gap.service_id,
        "service_name": (service.name if service else None) or gap.service_id,
        "importance": service.importance if service else None,
        "schedule": gap.schedule_id,
        "schedule_name": (schedule.name if schedule else None) or gap.schedule_id,
        "from": gap.start.isoformat(),
        "to": gap.end.isoformat() if gap.end else None,
        "was_from": was.start.isoformat() if was else None,
        "was_to": was.end.isoformat() if was and was.end else None,
    }
