"""The one computation behind every view of who is on call.

The CLI, chat, the dashboard, iCal feeds, hand-overs and paging all ask these functions, so
they can never disagree. Each takes a :class:`ScheduleState`: the configuration revisions in
force over the window, the overrides and the time off, as loaded by :func:`load_state`.

History: a configuration change rewrites the future only. A window that spans several
revisions is computed piece by piece, each piece with the revision in force then; the first
revision ever applied also defines everything before it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from core.config.model import Configuration, Schedule
from core.ports import Revision, StoredCheckpoint, StoredOverride, StoredTimeOff, UnitOfWork
from core.schedule.final import final_schedule, who_at
from core.schedule.from_config import engine_inputs
from core.schedule.intervals import intersect, normalize
from core.schedule.layer import merge_shifts
from core.schedule.model import (
    FinalSchedule,
    Interval,
    OnCall,
    Override,
    QueueCheckpoint,
    ScheduleSpec,
    Shift,
    TimeOff,
    utc,
)
from core.schedule.roster import Roster

WHO_LOOK_AROUND = timedelta(days=400)
BEGINNING = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class ScheduleState:
    """What the views compute from. ``revisions`` are oldest first; the first is in force
    from the start of the loaded window."""

    revisions: tuple[Revision, ...]
    overrides: tuple[StoredOverride, ...] = ()
    time_off: tuple[StoredTimeOff, ...] = ()
    checkpoints: tuple[StoredCheckpoint, ...] = ()
    _inputs: dict[tuple[int, str], tuple[ScheduleSpec, Roster]] = field(
        default_factory=dict, compare=False, repr=False
    )

    @property
    def config(self) -> Configuration:
        """The newest configuration in the window (an empty one when none was applied)."""
        return self.revisions[-1].config if self.revisions else Configuration()

    def in_force(self, at: datetime) -> Revision | None:
        """The revision in force at ``at`` (the first one for any earlier instant)."""
        chosen = self.revisions[0] if self.revisions else None
        for revision in self.revisions[1:]:
            if revision.applied_at <= at:
                chosen = revision
        return chosen

    def segments(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime, Revision]]:
        """``[start, end)`` cut where a new revision took force."""
        out: list[tuple[datetime, datetime, Revision]] = []
        for i, revision in enumerate(self.revisions):
            lo = start if i == 0 else max(start, revision.applied_at)
            nxt = self.revisions[i + 1].applied_at if i + 1 < len(self.revisions) else end
            hi = min(end, nxt)
            if lo < hi:
                out.append((lo, hi, revision))
        return out

    def inputs(self, revision: Revision, schedule_id: str) -> tuple[ScheduleSpec, Roster]:
        """The engine's inputs for one schedule under one revision (cached)."""
        key = (revision.id, schedule_id)
        cached = self._inputs.get(key)
        if cached is None:
            cached = _engine_inputs(revision.config, schedule_id, self.time_off)
            self._inputs[key] = cached
        return cached

    def engine_checkpoints(
        self, revision: Revision, schedule_id: str
    ) -> dict[str, QueueCheckpoint]:
        """Stored queue checkpoints of the schedule's layers under ``revision``, by layer id."""
        return {
            c.layer_id: QueueCheckpoint(c.turn_index, c.queue)
            for c in self.checkpoints
            if c.revision_id == revision.id and c.schedule_id == schedule_id
        }

    def engine_overrides(self, schedule_id: str) -> list[Override]:
        """Overrides and accepted swaps of one schedule, newest winning."""
        return [
            Override(
                o.person_id, o.start, o.end, o.id, "swap" if o.source == "swap" else "override"
            )
            for o in self.overrides
            if o.schedule_id == schedule_id
        ]


def _engine_inputs(
    config: Configuration, schedule_id: str, time_off: Iterable[StoredTimeOff]
) -> tuple[ScheduleSpec, Roster]:
    offs = [TimeOff(t.person_id, t.start, t.end) for t in time_off]
    schedule = config.schedule(schedule_id)
    if schedule is None:
        return _unconfigured(schedule_id)
    return engine_inputs(schedule, {p.id: p for p in config.people}, offs)


def _unconfigured(schedule_id: str) -> tuple[ScheduleSpec, Roster]:
    """A schedule with no layers: not (or no longer) configured; overrides alone can show."""
    return ScheduleSpec(id=schedule_id, zone=UTC, layers=()), Roster({})


async def load_state(
    uow: UnitOfWork,
    start: datetime,
    end: datetime,
    *,
    schedule_ids: Sequence[str] | None = None,
) -> ScheduleState:
    """Load what the views need for ``[start, end)`` inside an entered unit of work.

    Time off is loaded for every person (a cover may fall to anyone in a layer) and from the
    beginning, not only inside the window: the fair queue at a turn depends on every turn
    before it, so time off weeks earlier can decide who holds a turn in the window. Overrides
    are loaded for ``schedule_ids`` only when given.
    """
    start, end = utc(start), utc(end)
    revisions = await uow.schedules.revisions(start, end)
    overrides = await uow.schedules.overrides(start, end, schedule_ids)
    time_off = await uow.schedules.time_off(BEGINNING, end)
    checkpoints = await uow.schedules.checkpoints([r.id for r in revisions])
    return ScheduleState(tuple(revisions), tuple(overrides), tuple(time_off), tuple(checkpoints))


def final_for(
    state: ScheduleState, schedule_id: str, start: datetime, end: datetime
) -> FinalSchedule:
    """The final schedule of ``schedule_id`` over ``[start, end)``: shifts and gaps.

    Pieces computed under different revisions are joined, and a person's shift that runs on
    across a revision change stays one shift. An unknown schedule with no overrides is one gap.
    """
    start, end = utc(start), utc(end)
    if start >= end:
        return FinalSchedule((), ())
    overrides = state.engine_overrides(schedule_id)
    segments = state.segments(start, end)
    if not segments:
        return final_schedule(*_unconfigured(schedule_id), start, end, overrides=overrides)
    shifts: list[Shift] = []
    gaps: list[Interval] = []
    for lo, hi, revision in segments:
        spec, roster = state.inputs(revision, schedule_id)
        checkpoints = state.engine_checkpoints(revision, schedule_id)
        part = final_schedule(spec, roster, lo, hi, overrides=overrides, checkpoints=checkpoints)
        shifts.extend(part.shifts)
        gaps.extend(part.gaps)
    return FinalSchedule(tuple(merge_shifts(shifts)), tuple(normalize(gaps)))


def who_for(state: ScheduleState, schedule_id: str, at: datetime) -> OnCall | None:
    """Who is on call in ``schedule_id`` at ``at``, with the bounds of their final shift.

    Computed with the revision in force at ``at``; None in a gap. ``end`` is None when the
    shift does not end within a year.
    """
    at = utc(at)
    revision = state.in_force(at)
    if revision is None:
        spec, roster = _unconfigured(schedule_id)
        checkpoints: dict[str, QueueCheckpoint] = {}
    else:
        spec, roster = state.inputs(revision, schedule_id)
        checkpoints = state.engine_checkpoints(revision, schedule_id)
    overrides = state.engine_overrides(schedule_id)
    return who_at(spec, roster, at, overrides=overrides, checkpoints=checkpoints)


def schedules_of_team(config: Configuration, team_id: str) -> list[Schedule]:
    """The team's schedules, in file order."""
    return [s for s in config.schedules if s.team == team_id]


def first_tier_targets(config: Configuration, service_id: str) -> list[str]:
    """The targets (``schedule:ID``, ``person:ID``) of the first tier of the service's policy.

    Empty when the service or its policy is unknown, or it has no policy.
    """
    service = next((s for s in config.services if s.id == service_id), None)
    if service is None or service.escalation_policy is None:
        return []
    policy = next(
        (p for p in config.escalation_policies if p.id == service.escalation_policy), None
    )
    return list(policy.tiers[0].targets) if policy and policy.tiers else []


def coverage_gaps(
    state: ScheduleState, service_id: str, start: datetime, end: datetime
) -> list[Interval]:
    """Instants of ``[start, end)`` at which the service's first tier would page nobody.

    A ``person:`` target always counts as someone to page, so a first tier that names a
    person has no gap; a service without a policy is one gap over the whole window.
    """
    start, end = utc(start), utc(end)
    targets = first_tier_targets(state.config, service_id)
    if not targets:
        return [Interval(start, end)] if start < end else []
    if any(t.startswith("person:") for t in targets):
        return []
    uncovered: list[Interval] = [Interval(start, end)]
    for target in targets:
        schedule_id = target.partition(":")[2]
        uncovered = intersect(uncovered, list(final_for(state, schedule_id, start, end).gaps))
        if not uncovered:
            break
    return uncovered


def person_shifts(
    state: ScheduleState, person_id: str, start: datetime, end: datetime
) -> list[tuple[str, Shift]]:
    """Every final shift of ``person_id`` in ``[start, end)``, across schedules, in time order.

    Covers and overrides count: this is when the person can be paged.
    """
    schedule_ids = {s.id for r in state.revisions for s in r.config.schedules}
    schedule_ids |= {o.schedule_id for o in state.overrides}
    out = [
        (sid, shift)
        for sid in sorted(schedule_ids)
        for shift in final_for(state, sid, start, end).shifts
        if shift.person == person_id
    ]
    return sorted(out, key=lambda pair: (pair[1].start, pair[0]))
