"""The incident state machine: every event in every state, with fixed times."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from core.incidents.lifecycle import (
    Acknowledge,
    CancelPending,
    Escalate,
    EscalationDue,
    Ignored,
    IncidentState,
    Notify,
    Open,
    PagePerson,
    PageTier,
    PolicyView,
    Reassign,
    Resolve,
    ScheduleEscalation,
    ScheduleSnoozeEnd,
    Snooze,
    SnoozeEnded,
    TransitionError,
    transition,
)

T0 = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)
POLICY = PolicyView(timeouts=(5 * MIN, 10 * MIN), repeat=1)


def opened(start_tier: int = 0, policy: PolicyView | None = POLICY) -> IncidentState:
    return transition(IncidentState(), Open(start_tier=start_tier), policy, T0)[0]


def test_open_pages_the_first_tier_and_schedules_the_next() -> None:
    state, effects = transition(IncidentState(), Open(), POLICY, T0)
    assert (state.status, state.tier, state.cycle, state.pages) == ("triggered", 0, 0, True)
    assert effects == (Notify("triggered"), PageTier(0, 0), ScheduleEscalation(T0 + 5 * MIN, 0, 0))


def test_open_at_a_later_tier_and_beyond_the_last() -> None:
    state, effects = transition(IncidentState(), Open(start_tier=1), POLICY, T0)
    assert state.tier == 1 and PageTier(1, 0) in effects
    state, _ = transition(IncidentState(), Open(start_tier=7), POLICY, T0)
    assert state.tier == 1  # clamped to the last tier


def test_open_without_paging() -> None:
    for policy, pages in ((POLICY, False), (None, True), (PolicyView(()), True)):
        state, effects = transition(IncidentState(), Open(pages=pages), policy, T0)
        assert not state.pages and effects == (Notify("triggered"),)


def test_escalation_walks_tiers_then_repeats_then_is_exhausted() -> None:
    state = opened()
    timeline = []
    now = T0
    for _ in range(5):
        state, effects = transition(state, EscalationDue(state.tier, state.cycle), POLICY, now)
        timeline.append(
            (state.tier, state.cycle, state.exhausted, [type(e).__name__ for e in effects])
        )
    assert timeline == [
        (1, 0, False, ["CancelPending", "Notify", "PageTier", "ScheduleEscalation"]),
        (0, 1, False, ["CancelPending", "Notify", "PageTier", "ScheduleEscalation"]),  # repeat 1
        (1, 1, False, ["CancelPending", "Notify", "PageTier", "ScheduleEscalation"]),
        (1, 1, True, ["CancelPending", "Notify"]),  # exhausted: notified once
        (1, 1, True, ["Ignored"]),
    ]


def test_escalation_due_times_follow_each_tier() -> None:
    state = opened()
    state, effects = transition(state, EscalationDue(0, 0), POLICY, T0 + 5 * MIN)
    assert ScheduleEscalation(T0 + 15 * MIN, 1, 0) in effects


def test_stale_escalation_is_ignored() -> None:
    state = opened()
    moved, _ = transition(state, EscalationDue(0, 0), POLICY, T0)
    again, effects = transition(moved, EscalationDue(0, 0), POLICY, T0)
    assert again == moved and effects == (Ignored("a stale escalation"),)


def test_acknowledge_stops_escalation_once() -> None:
    state, effects = transition(opened(), Acknowledge("ann"), POLICY, T0 + MIN)
    assert (state.status, state.acknowledged_by, state.acknowledged_at, state.assignee) == (
        "acknowledged",
        "ann",
        T0 + MIN,
        "ann",
    )
    assert effects == (CancelPending(), Notify("acknowledged", "ann"))
    again, effects = transition(state, Acknowledge("bob"), POLICY, T0 + 2 * MIN)
    assert again == state and isinstance(effects[0], Ignored)
    # An escalation that was already due is stale now.
    assert transition(state, EscalationDue(0, 0), POLICY, T0 + 5 * MIN)[1] == (
        Ignored("a stale escalation"),
    )


@pytest.mark.parametrize("start", ["triggered", "acknowledged"])
def test_resolve(start: str) -> None:
    state = (
        opened()
        if start == "triggered"
        else transition(opened(), Acknowledge("ann"), POLICY, T0)[0]
    )
    done, effects = transition(state, Resolve("bob"), POLICY, T0 + 3 * MIN)
    assert (done.status, done.resolved_by, done.resolved_at) == ("resolved", "bob", T0 + 3 * MIN)
    assert effects == (CancelPending(), Notify("resolved", "bob"))


@pytest.mark.parametrize(
    "event",
    [Acknowledge("ann"), Escalate("ann"), Reassign("ann", "bob"), Snooze("ann", T0 + 60 * MIN)],
)
def test_people_cannot_act_on_a_resolved_incident(event) -> None:
    done = transition(opened(), Resolve("x"), POLICY, T0)[0]
    with pytest.raises(TransitionError, match="resolved already"):
        transition(done, event, POLICY, T0)


@pytest.mark.parametrize("event", [Resolve("alertmanager"), EscalationDue(0, 0), SnoozeEnded(T0)])
def test_late_events_on_a_resolved_incident_are_ignored(event) -> None:
    done = transition(opened(), Resolve("x"), POLICY, T0)[0]
    assert transition(done, event, POLICY, T0 + MIN) == (
        done,
        (Ignored("the incident is resolved"),),
    )


def test_manual_escalation_from_acknowledged_retriggers_the_next_tier() -> None:
    acked = transition(opened(), Acknowledge("ann"), POLICY, T0)[0]
    state, effects = transition(acked, Escalate("ann"), POLICY, T0 + MIN)
    assert (state.status, state.tier) == ("triggered", 1)
    assert effects == (
        CancelPending(),
        Notify("escalated", "ann"),
        PageTier(1, 0),
        ScheduleEscalation(T0 + 11 * MIN, 1, 0),
    )


def test_manual_escalation_without_policy_is_ignored() -> None:
    state = opened(policy=None)
    assert transition(state, Escalate("ann"), None, T0)[1] == (
        Ignored("no escalation policy: nobody further to page"),
    )


def test_reassign_pages_the_person_and_keeps_escalating() -> None:
    state, effects = transition(opened(), Reassign("dana", "bob"), POLICY, T0 + MIN)
    assert (state.status, state.assignee) == ("triggered", "bob")
    assert effects == (
        CancelPending(),
        PagePerson("bob"),
        Notify("reassigned", "dana"),
        ScheduleEscalation(T0 + 6 * MIN, 0, 0),
    )


def test_snooze_then_retrigger_from_the_start_tier() -> None:
    acked = transition(opened(start_tier=1), Acknowledge("ann"), POLICY, T0)[0]
    until = T0 + 30 * MIN
    snoozed, effects = transition(acked, Snooze("ann", until), POLICY, T0 + MIN)
    assert snoozed.snoozed_until == until and effects == (
        ScheduleSnoozeEnd(until),
        Notify("snoozed", "ann"),
    )
    state, effects = transition(snoozed, SnoozeEnded(until), POLICY, until)
    assert (state.status, state.tier, state.cycle, state.snoozed_until, state.acknowledged_by) == (
        "triggered",
        1,
        0,
        None,
        None,
    )
    assert effects == (
        Notify("retriggered"),
        PageTier(1, 0),
        ScheduleEscalation(until + 10 * MIN, 1, 0),
    )


def test_snooze_rules() -> None:
    with pytest.raises(TransitionError, match="acknowledge it first"):
        transition(opened(), Snooze("ann", T0 + MIN), POLICY, T0)
    acked = transition(opened(), Acknowledge("ann"), POLICY, T0)[0]
    with pytest.raises(TransitionError, match="in the future"):
        transition(acked, Snooze("ann", T0), POLICY, T0)
    # A snooze end that no longer applies (snoozed again, or acknowledged anew) changes nothing.
    snoozed = transition(acked, Snooze("ann", T0 + 60 * MIN), POLICY, T0)[0]
    assert transition(snoozed, SnoozeEnded(T0 + 30 * MIN), POLICY, T0 + 30 * MIN)[1] == (
        Ignored("a stale snooze end"),
    )


def test_resolving_clears_the_snooze() -> None:
    acked = transition(opened(), Acknowledge("ann"), POLICY, T0)[0]
    snoozed = transition(acked, Snooze("ann", T0 + 60 * MIN), POLICY, T0)[0]
    done = transition(snoozed, Resolve("ann"), POLICY, T0 + MIN)[0]
    assert done.snoozed_until is None
    assert (
        replace(
            done,
            resolved_at=None,
            resolved_by=None,
            status="acknowledged",
            snoozed_until=snoozed.snoozed_until,
        )
        == snoozed
    )
