"""Rest after night pages: a team's ``rest_after_night_pages: {minutes, rest}``.

When an incident is resolved, each person it paged is looked at, per shift of theirs that
contains one of its pages (their final shift in a schedule of a team with the rule: layer
turns, covers, overrides and swaps alike). Their *night paging* in that shift is the
off-hours part (:mod:`core.metrics.offhours`: outside ``available`` hours, else 22:00-07:00
their time) of the union of their pages' spans (page to acknowledgement, else resolution) of
every incident resolved so far whose page fell in the shift, clipped to the shift. When it
reaches ``minutes`` (exactly ``minutes`` is enough), they get ``rest`` off from the resolution:
time off recorded like any other (:func:`core.oncall.actions.record_time_off`, in this same
unit of work), so the fair queue covers it; the rested person and each person covering are
told (outbox kinds ``rest.granted`` and ``rest.cover``). When the rest would leave a coverage
gap in a schedule they are on (nobody could cover some of it), no time off is recorded and the
team's managers are told instead (``rest.refused``).

Once per shift: the decision (granted or refused) is recorded by person and shift start, and a
shift with a decision is never looked at again, so a second night page during the rest (or
later in the shift) grants nothing more. "The shift" is the one planned without the rests
already granted (a rest cuts a shift in two; both halves are still that one shift); a page
in no planned shift of theirs may be in a cover of someone else's rest, which is its shift.
Edge cases: a page outside any shift of theirs (a
``person:`` target) never counts; a shift that began more than :data:`LOOK_BACK` before the
page is taken to begin then; an override of the rested person stays theirs (time off does not
move overrides), which is no gap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from core.config.model import Configuration, RestRule, Team
from core.incidents.ports import OutboxMessage
from core.metrics.offhours import night_time
from core.metrics.ports import IncidentMetrics, RestGrant
from core.oncall.actions import record_time_off
from core.oncall.views import ScheduleState, final_for, load_state
from core.ports import StoredTimeOff, UnitOfWork
from core.rest.messages import rest_messages
from core.schedule.intervals import normalize, subtract
from core.schedule.model import Interval, Shift

LOOK_BACK = timedelta(days=31)
ACTOR = "oncall:rest"


@dataclass(frozen=True)
class RestCase:
    """A shift whose night paging reached its team's threshold."""

    person_id: str
    schedule_id: str
    team: Team
    rule: RestRule
    shift: Shift
    night: timedelta


def _rules(config: Configuration) -> dict[str, tuple[Team, RestRule]]:
    """Schedule id -> its team and the team's rule, for teams that set one."""
    teams = {t.id: t for t in config.teams if t.rest_after_night_pages is not None}
    out = {}
    for schedule in config.schedules:
        team = teams.get(schedule.team or "")
        if team is not None and team.rest_after_night_pages is not None:
            out[schedule.id] = (team, team.rest_after_night_pages)
    return out


def rested_state(
    state: ScheduleState, person_id: str, start: datetime, end: datetime
) -> ScheduleState:
    """``state`` as it would be with ``person_id`` off over ``[start, end)`` (nothing stored):
    the time off added and the queue checkpoints of later turns forgotten, as recording it
    would do."""
    off = StoredTimeOff(0, person_id, start, end, start, ACTOR)
    return replace(
        state,
        time_off=(*state.time_off, off),
        checkpoints=tuple(c for c in state.checkpoints if c.turn_start <= start),
        _inputs={},
    )


def gaps_left(
    state: ScheduleState, person_id: str, start: datetime, end: datetime
) -> list[tuple[str, Interval]]:
    """The coverage gaps resting ``person_id`` over ``[start, end)`` would open, per schedule
    whose layers name them (gaps there already are not the rest's doing)."""
    rested = rested_state(state, person_id, start, end)
    out: list[tuple[str, Interval]] = []
    for schedule in state.config.schedules:
        if not any(person_id in layer.members for layer in schedule.layers):
            continue
        before = list(final_for(state, schedule.id, start, end).gaps)
        after = list(final_for(rested, schedule.id, start, end).gaps)
        out.extend((schedule.id, gap) for gap in subtract(normalize(after), normalize(before)))
    return out


def without_rest(state: ScheduleState) -> ScheduleState:
    """``state`` without the time off rest after night pages recorded (its queue checkpoints
    from the first such rest on forgotten): the shifts as they were planned, so a shift cut
    by a rest is still one shift."""
    rests = [t for t in state.time_off if t.created_by == ACTOR]
    if not rests:
        return state
    first = min(t.start for t in rests)
    return replace(
        state,
        time_off=tuple(t for t in state.time_off if t.created_by != ACTOR),
        checkpoints=tuple(c for c in state.checkpoints if c.turn_start <= first),
        _inputs={},
    )


def shift_of(
    planned: Sequence[Shift], actual: Sequence[Shift], person_id: str, at: datetime
) -> Shift | None:
    """The person's shift that contains ``at``: the planned one (rests not taken into
    account), else the actual one (a cover of someone's rest); None outside their shifts."""
    for shifts in (planned, actual):
        for shift in shifts:
            if shift.person == person_id and shift.start <= at < shift.end:
                return shift
    return None


async def _cases(
    uow: UnitOfWork, config: Configuration, metrics: IncidentMetrics, now: datetime
) -> list[RestCase]:
    """Shifts of people this incident paged that reach their threshold and have no decision."""
    rules = _rules(config)
    if not rules or not metrics.pages:
        return []
    lo = min(p.at for p in metrics.pages) - LOOK_BACK
    hi = max(now, max(p.at for p in metrics.pages) + timedelta(seconds=1))
    # two resolutions of one person's incidents at once must not each see only their own
    # pages: the second waits here for the first to commit, then reads both
    await uow.metrics.lock_pages_of(sorted({p.person_id for p in metrics.pages}))
    state = await load_state(uow, lo, hi, schedule_ids=sorted(rules))
    planned_state = without_rest(state)
    out: list[RestCase] = []
    seen: set[tuple[str, datetime]] = set()
    for sid, (team, rule) in sorted(rules.items()):
        planned = final_for(planned_state, sid, lo, hi).shifts
        actual = final_for(state, sid, lo, hi).shifts
        for page in metrics.pages:
            shift = shift_of(planned, actual, page.person_id, page.at)
            if shift is None or (page.person_id, shift.start) in seen:
                continue
            seen.add((page.person_id, shift.start))
            if await uow.metrics.rest_decision(page.person_id, shift.start) is not None:
                continue
            pages = await uow.metrics.pages_of(page.person_id, shift.start, shift.end)
            spans = [(p.page.at, p.page.until) for p in pages]
            night = night_time(config, page.person_id, spans, Interval(shift.start, shift.end))
            if night >= timedelta(minutes=rule.minutes):
                out.append(RestCase(page.person_id, sid, team, rule, shift, night))
    return out


async def rest_after_night_pages(
    uow: UnitOfWork, config: Configuration, metrics: IncidentMetrics, now: datetime
) -> list[RestGrant]:
    """Grant (or refuse, telling the managers) rest to the people ``metrics``' incident paged
    whose night paging in a shift reached their team's threshold; returns the decisions made.

    Runs in the resolving unit of work, after the incident's metrics are saved (its pages
    count). At most one rest per person per resolution.
    """
    decisions: list[RestGrant] = []
    rested: set[str] = set()
    for case in await _cases(uow, config, metrics, now):
        if case.person_id in rested:
            continue
        start, end = now, now + case.rule.rest
        state = await load_state(uow, start, end)
        gaps = gaps_left(state, case.person_id, start, end)
        grant = RestGrant(
            person_id=case.person_id,
            shift_start=case.shift.start,
            schedule_id=case.schedule_id,
            incident_id=metrics.incident_id,
            outcome="refused" if gaps else "granted",
            decided_at=now,
            night_time=case.night,
        )
        if not await uow.metrics.add_rest_decision(grant):
            continue  # decided meanwhile (another resolution in the same shift, at once)
        covers: tuple[tuple[str, Shift], ...] = ()
        if not gaps:
            outcome = await record_time_off(
                uow,
                person_id=case.person_id,
                start=start,
                end=end,
                actor=ACTOR,
                now=now,
                reason=f"rest after night pages (incident #{metrics.incident_id})",
            )
            covers = tuple((sid, s) for sid, s in outcome.covers if s.person != case.person_id)
        rested.add(case.person_id)
        decisions.append(grant)
        messages: list[OutboxMessage] = rest_messages(
            config, grant, case.team, case.rule, start, end, covers, gaps, now
        )
        await uow.outbox.add_many(messages)
    return decisions
