"""The incident lifecycle as an explicit state machine: ``transition(state, event, now)``.

States: ``triggered`` (paging, escalating), ``acknowledged`` (someone is on it; escalation
stops; may be snoozed), ``resolved`` (final). Effects describe what must happen outside
(page a tier, schedule or cancel the next escalation, notify, open or close a ticket); the
adapters carry them out. The machine never reads the clock and has no I/O.

Escalation: tier *t* is paged, and if nobody acknowledges within its ``escalate_after`` the
next tier is paged; after the last tier the policy starts again from the first tier, up to
``repeat`` more times; then the incident stays triggered with nobody left to page
(``exhausted``), which is itself notified. A due escalation carries the tier and cycle it was
scheduled for, so a stale one (the incident moved on meanwhile) changes nothing.

Maintenance: an incident opened in a maintenance window (``Open.held_until``) is triggered and
notified but pages nobody (``pages`` False) until ``MaintenanceEnded``, which pages its first
tier then if it is still triggered and nobody paged it by hand meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal

Status = Literal["triggered", "acknowledged", "resolved"]


@dataclass(frozen=True)
class PolicyView:
    """What the machine needs of an escalation policy: tier timeouts and ``repeat``."""

    timeouts: tuple[timedelta, ...]
    repeat: int = 0


@dataclass(frozen=True)
class IncidentState:
    """Where an incident stands. ``tier`` is 0-based; ``cycle`` counts runs through the tiers."""

    status: Status = "triggered"
    tier: int = 0
    cycle: int = 0
    start_tier: int = 0
    pages: bool = True
    exhausted: bool = False
    assignee: str | None = None
    snoozed_until: datetime | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    resolved_at: datetime | None = None
    resolved_by: str | None = None


# Events -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Open:
    """A new incident. ``pages`` False: notify only (a severity that does not page).

    ``held_until``: opened in a maintenance window ending then; it is recorded and notified
    but not paged (``pages`` False in its state) and held until that end (``HoldForMaintenance``).
    """

    start_tier: int = 0
    pages: bool = True
    held_until: datetime | None = None


@dataclass(frozen=True)
class Acknowledge:
    actor: str


@dataclass(frozen=True)
class Resolve:
    actor: str  # "alertmanager" (or another source) when the alerts resolved themselves


@dataclass(frozen=True)
class Escalate:
    """Page the next tier now (by hand)."""

    actor: str


@dataclass(frozen=True)
class Reassign:
    """Make ``person`` responsible: they are paged, and escalation goes on from there."""

    actor: str
    person: str


@dataclass(frozen=True)
class Snooze:
    """Quiet an acknowledged incident until ``until``; then it triggers again."""

    actor: str
    until: datetime


@dataclass(frozen=True)
class EscalationDue:
    """A scheduled escalation fired; ``tier`` and ``cycle`` are those it was scheduled for."""

    tier: int
    cycle: int


@dataclass(frozen=True)
class SnoozeEnded:
    until: datetime


@dataclass(frozen=True)
class MaintenanceEnded:
    """The maintenance window an incident was held in ended; ``pages``: whether it pages now
    (what its severity and policy said when it opened)."""

    pages: bool = True


Event = (
    Open
    | Acknowledge
    | Resolve
    | Escalate
    | Reassign
    | Snooze
    | EscalationDue
    | SnoozeEnded
    | MaintenanceEnded
)


# Effects ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PageTier:
    """Page the targets of ``tier`` (0-based) in ``cycle``."""

    tier: int
    cycle: int


@dataclass(frozen=True)
class PagePerson:
    person: str


@dataclass(frozen=True)
class ScheduleEscalation:
    """Replace any pending escalation with one due at ``due_at`` for ``tier``/``cycle``."""

    due_at: datetime
    tier: int
    cycle: int


@dataclass(frozen=True)
class ScheduleSnoozeEnd:
    due_at: datetime


@dataclass(frozen=True)
class HoldForMaintenance:
    """Keep the incident from paging until ``until`` (then ``MaintenanceEnded``); ``pages``:
    whether it pages then."""

    until: datetime
    pages: bool


@dataclass(frozen=True)
class CancelPending:
    """Forget every pending escalation and snooze end of the incident."""


@dataclass(frozen=True)
class Notify:
    """Tell people (the incident card, the team channel) what happened."""

    kind: Literal[
        "triggered",
        "acknowledged",
        "resolved",
        "escalated",
        "reassigned",
        "snoozed",
        "retriggered",
        "exhausted",
        "maintenance_ended",
    ]
    actor: str | None = None


@dataclass(frozen=True)
class Ignored:
    """The event changes nothing; ``reason`` says why (for the timeline and the caller)."""

    reason: str


Effect = (
    PageTier
    | PagePerson
    | ScheduleEscalation
    | ScheduleSnoozeEnd
    | HoldForMaintenance
    | CancelPending
    | Notify
    | Ignored
)


class TransitionError(ValueError):
    """An event that makes no sense in this state (acknowledging a resolved incident)."""


def transition(
    state: IncidentState, event: Event, policy: PolicyView | None, now: datetime
) -> tuple[IncidentState, tuple[Effect, ...]]:
    """Apply ``event`` at ``now``; returns the new state and the effects to carry out.

    Raises :class:`TransitionError` for a person's action that cannot apply (acting on a
    resolved incident, snoozing one that is not acknowledged, a snooze end in the past). Events
    that are merely late or repeated (a second acknowledgement, a stale escalation) give
    ``Ignored`` and leave the state as it was. ``policy`` None: nobody to page; the incident
    still opens, notifies and resolves.
    """
    if isinstance(event, Open):
        return _open(event, policy, now)
    if state.status == "resolved":
        if isinstance(event, (EscalationDue, SnoozeEnded, Resolve, MaintenanceEnded)):
            return state, (Ignored("the incident is resolved"),)
        raise TransitionError("the incident is resolved already")
    if isinstance(event, Acknowledge):
        if state.status == "acknowledged":
            return state, (Ignored(f"acknowledged already by {state.acknowledged_by}"),)
        acked = replace(
            state,
            status="acknowledged",
            acknowledged_at=now,
            acknowledged_by=event.actor,
            assignee=event.actor,
        )
        return acked, (CancelPending(), Notify("acknowledged", event.actor))
    if isinstance(event, Resolve):
        done = replace(
            state, status="resolved", resolved_at=now, resolved_by=event.actor, snoozed_until=None
        )
        return done, (CancelPending(), Notify("resolved", event.actor))
    if isinstance(event, EscalationDue):
        if (
            state.status != "triggered"
            or (event.tier, event.cycle) != (state.tier, state.cycle)
            or state.exhausted
        ):
            return state, (Ignored("a stale escalation"),)
        return _next_tier(state, policy, now, None)
    if isinstance(event, Escalate):
        return _next_tier(
            replace(state, status="triggered", snoozed_until=None), policy, now, event.actor
        )
    if isinstance(event, Reassign):
        moved = replace(
            state, status="triggered", assignee=event.person, snoozed_until=None, exhausted=False
        )
        effects: list[Effect] = [
            CancelPending(),
            PagePerson(event.person),
            Notify("reassigned", event.actor),
        ]
        if policy is not None and policy.timeouts:
            timeout = policy.timeouts[min(state.tier, len(policy.timeouts) - 1)]
            effects.append(ScheduleEscalation(now + timeout, moved.tier, moved.cycle))
        return moved, tuple(effects)
    if isinstance(event, Snooze):
        if state.status != "acknowledged":
            raise TransitionError(
                "only an acknowledged incident can be snoozed; acknowledge it first"
            )
        if event.until <= now:
            raise TransitionError("snooze until a time in the future")
        return replace(state, snoozed_until=event.until), (
            ScheduleSnoozeEnd(event.until),
            Notify("snoozed", event.actor),
        )
    if isinstance(event, SnoozeEnded):
        if state.status != "acknowledged" or state.snoozed_until != event.until:
            return state, (Ignored("a stale snooze end"),)
        fresh = replace(
            state,
            status="triggered",
            tier=state.start_tier,
            cycle=0,
            exhausted=False,
            snoozed_until=None,
            acknowledged_at=None,
            acknowledged_by=None,
        )
        return fresh, (Notify("retriggered"), *_page(fresh, policy, now))
    if isinstance(event, MaintenanceEnded):
        return _maintenance_ended(state, event, policy, now)
    raise TypeError(f"unknown event {event!r}")  # pragma: no cover - the union is exhaustive


Action = Literal["acknowledge", "resolve"]
"""What a person can do to an incident from a page or a card's main buttons."""


def allowed_actions(state: IncidentState) -> tuple[Action, ...]:
    """The actions that change an incident in ``state``, in the order buttons show them:
    ``acknowledge`` only while triggered, ``resolve`` until resolved; a resolved incident
    allows none.

    The rest are what :func:`transition` refuses or ignores: acknowledging an acknowledged
    incident is ignored (a no-op), acknowledging a resolved one raises
    :class:`TransitionError`, resolving a resolved one is ignored."""
    if state.status == "resolved":
        return ()
    if state.status == "triggered":
        return ("acknowledge", "resolve")
    return ("resolve",)


def _open(
    event: Open, policy: PolicyView | None, now: datetime
) -> tuple[IncidentState, tuple[Effect, ...]]:
    pages = event.pages and policy is not None and bool(policy.timeouts)
    start = min(event.start_tier, len(policy.timeouts) - 1) if pages and policy else 0
    state = IncidentState(status="triggered", tier=start, cycle=0, start_tier=start, pages=pages)
    effects: tuple[Effect, ...] = (Notify("triggered"),)
    if pages and event.held_until is not None:
        held = replace(state, pages=False)
        return held, (*effects, HoldForMaintenance(event.held_until, True))
    if pages:
        effects += _page(state, policy, now)
    return state, effects


def _maintenance_ended(
    state: IncidentState, event: MaintenanceEnded, policy: PolicyView | None, now: datetime
) -> tuple[IncidentState, tuple[Effect, ...]]:
    """Edge cases: acknowledged during the window, it pages no more, but escalates again like
    any incident if a snooze of it ends; paging already (escalated by hand during the
    window), nothing changes; resolved, ignored (above)."""
    pages = event.pages and policy is not None and bool(policy.timeouts)
    if state.status == "acknowledged":
        return replace(state, pages=pages), ()
    if state.pages:
        return state, (Ignored("paging already"),)
    fresh = replace(state, pages=pages, exhausted=False)
    return fresh, (Notify("maintenance_ended"), *_page(fresh, policy, now))


def _page(state: IncidentState, policy: PolicyView | None, now: datetime) -> tuple[Effect, ...]:
    if not state.pages or policy is None or not policy.timeouts:
        return ()
    due = now + policy.timeouts[state.tier]
    return (PageTier(state.tier, state.cycle), ScheduleEscalation(due, state.tier, state.cycle))


def _next_tier(
    state: IncidentState, policy: PolicyView | None, now: datetime, actor: str | None
) -> tuple[IncidentState, tuple[Effect, ...]]:
    if policy is None or not policy.timeouts:
        return state, (Ignored("no escalation policy: nobody further to page"),)
    tier, cycle = state.tier + 1, state.cycle
    if tier >= len(policy.timeouts):
        tier, cycle = 0, cycle + 1
    if cycle > policy.repeat:
        spent = replace(state, exhausted=True)
        return spent, (CancelPending(), Notify("exhausted", actor))
    moved = replace(state, tier=tier, cycle=cycle, pages=True, exhausted=False)
    return moved, (CancelPending(), Notify("escalated", actor), *_page(moved, policy, now))
