"""Who is on call now, and who is next, as neutral rows every surface renders.

``oncall who``, Slack's ``/oncall who`` and Teams' ``who`` call these and only format what they
return, so they cannot disagree. Each runs in one read unit of work, takes ``now`` from its
caller and answers from :mod:`core.oncall.views`. Refusals are
:class:`core.oncall.targets.QueryError` (an unknown or ambiguous target:
:class:`~core.oncall.targets.UnknownTarget`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.config.model import Configuration
from core.oncall import views
from core.oncall.targets import (
    PersonRef,
    QueryError,
    Target,
    check_target,
    person_ref,
    resolve_target,
    schedules_of,
    teams_of,
)
from core.ports import UnitOfWork
from core.schedule.model import OnCall

NEXT_LOOKAHEAD = timedelta(days=31)


@dataclass(frozen=True)
class OnCallShift:
    """A final-schedule shift with its full bounds. ``end`` is None when it does not end within
    a year; ``source`` is ``layer:ID``, ``override``, ``swap`` or ``cover``."""

    person: PersonRef
    start: datetime
    end: datetime | None
    source: str


@dataclass(frozen=True)
class WhoRow:
    """One schedule of the answer, or one person a service's first tier pages directly.

    For a schedule: ``current`` is the shift containing the instant asked about (None: a
    coverage gap) and ``next`` the shift after it (after the gap, in a gap), None when none
    starts within the look-ahead or ``current`` does not end within a year. For a person paged
    directly: ``schedule`` and ``schedule_name`` are None, ``direct`` is the person, ``team`` is
    the service's team, ``current`` and ``next`` are None.
    """

    schedule: str | None
    schedule_name: str | None
    team: str | None
    current: OnCallShift | None
    next: OnCallShift | None
    direct: PersonRef | None = None

    @property
    def is_gap(self) -> bool:
        """True when nobody would be paged through this row now."""
        return self.current is None and self.direct is None


@dataclass(frozen=True)
class WhoAnswer:
    """Who is on call at ``at``: the targets asked about (empty for every schedule), the
    configuration's time zone (to show times in), and one row per schedule or direct person."""

    at: datetime
    timezone: str
    targets: tuple[Target, ...]
    rows: tuple[WhoRow, ...]


# (tier target "schedule:ID" or "person:ID", the team of a direct person's service)
_Entry = tuple[str, str | None]
_Select = Callable[[Configuration], tuple[tuple[Target, ...], list[_Entry]]]


async def who(
    uow: UnitOfWork,
    now: datetime,
    target: Target | str | None = None,
    *,
    lookahead: timedelta = NEXT_LOOKAHEAD,
) -> WhoAnswer:
    """Who is on call at ``now`` for a schedule, a team, a service, or (None) every schedule.

    A string is one word as typed in chat, resolved by :func:`resolve_target`. A team: its
    schedules in file order (none is an empty answer). A service: its escalation policy's first
    tier, in order, a ``person:`` target as a direct row (no policy: an empty answer). Every
    schedule: file order. Targets are checked against the newest configuration applied before
    ``now`` plus 400 days (the current one, unless ``now`` is long ago). The next shift is looked
    for up to ``lookahead`` after the current shift ends (after ``now`` in a gap). Raises
    :class:`UnknownTarget` for an unknown or ambiguous target and :class:`QueryError` for a
    person target (use :func:`who_for_person`).
    """

    def select(config: Configuration) -> tuple[tuple[Target, ...], list[_Entry]]:
        if target is None:
            return (), [(f"schedule:{s.id}", None) for s in config.schedules]
        chosen = resolve_target(config, target) if isinstance(target, str) else target
        if chosen.kind == "person":
            raise QueryError("who is on call is asked of a schedule, team or service")
        check_target(config, chosen)
        if chosen.kind == "service":
            service = next(s for s in config.services if s.id == chosen.id)
            return (chosen,), [
                (t, service.team) for t in views.first_tier_targets(config, chosen.id)
            ]
        return (chosen,), [(f"schedule:{s.id}", None) for s in schedules_of(config, chosen)]

    return await _answer(uow, now, lookahead, select)


async def who_for_teams(
    uow: UnitOfWork,
    now: datetime,
    team_ids: Sequence[str],
    *,
    lookahead: timedelta = NEXT_LOOKAHEAD,
) -> WhoAnswer:
    """:func:`who` for several teams: their schedules, team by team in the order given, a
    repeated id once. No teams is an empty answer (not every schedule). Raises
    :class:`UnknownTarget` naming the first unknown team."""
    unique = list(dict.fromkeys(team_ids))

    def select(config: Configuration) -> tuple[tuple[Target, ...], list[_Entry]]:
        targets = tuple(Target("team", t) for t in unique)
        for t in targets:
            check_target(config, t)
        return targets, [
            (f"schedule:{s.id}", None)
            for t in targets
            for s in views.schedules_of_team(config, t.id)
        ]

    return await _answer(uow, now, lookahead, select)


async def who_for_person(
    uow: UnitOfWork,
    now: datetime,
    person_id: str,
    *,
    lookahead: timedelta = NEXT_LOOKAHEAD,
) -> WhoAnswer:
    """:func:`who_for_teams` for the person's teams (:func:`core.oncall.targets.teams_of`):
    what ``/oncall who`` with no word shows its caller. A person in no team gets an empty
    answer (the caller may then ask :func:`who` for every schedule). Raises
    :class:`UnknownTarget` for an unknown person."""

    def select(config: Configuration) -> tuple[tuple[Target, ...], list[_Entry]]:
        check_target(config, Target("person", person_id))
        targets = tuple(Target("team", t) for t in teams_of(config, person_id))
        return targets, [
            (f"schedule:{s.id}", None)
            for t in targets
            for s in views.schedules_of_team(config, t.id)
        ]

    return await _answer(uow, now, lookahead, select)


async def _answer(
    uow: UnitOfWork, now: datetime, lookahead: timedelta, select: _Select
) -> WhoAnswer:
    async with uow:
        state = await views.load_state(
            uow, now - views.WHO_LOOK_AROUND, now + views.WHO_LOOK_AROUND
        )
    config = state.config
    targets, entries = select(config)
    rows = tuple(_row(state, entry, team, now, lookahead) for entry, team in entries)
    return WhoAnswer(at=now, timezone=config.timezone, targets=targets, rows=rows)


def _row(
    state: views.ScheduleState, entry: str, team: str | None, now: datetime, lookahead: timedelta
) -> WhoRow:
    config = state.config
    kind, _, ref = entry.partition(":")
    if kind == "person":
        return WhoRow(None, None, team, None, None, direct=person_ref(config, ref))
    schedule = config.schedule(ref)
    found = views.who_for(state, ref, now)
    following = None
    if found is None:
        following = _next_after(state, ref, now, lookahead, in_gap=True)
    elif found.end is not None:
        following = _next_after(state, ref, found.end, lookahead, in_gap=False)
    return WhoRow(
        schedule=ref,
        schedule_name=schedule.name if schedule else None,
        team=schedule.team if schedule else None,
        current=_shift(config, found),
        next=_shift(config, following),
    )


def _next_after(
    state: views.ScheduleState,
    schedule_id: str,
    after: datetime,
    lookahead: timedelta,
    *,
    in_gap: bool,
) -> OnCall | None:
    """The shift that starts first at or after ``after`` and before ``after + lookahead``."""
    if not in_gap:
        incoming = views.who_for(state, schedule_id, after)  # a hand-over at ``after``
        if incoming is not None:
            return incoming
    upcoming = views.final_for(state, schedule_id, after, after + lookahead).shifts
    return views.who_for(state, schedule_id, upcoming[0].start) if upcoming else None


def _shift(config: Configuration, found: OnCall | None) -> OnCallShift | None:
    if found is None:
        return None
    return OnCallShift(person_ref(config, found.person), found.start, found.end, found.source)
