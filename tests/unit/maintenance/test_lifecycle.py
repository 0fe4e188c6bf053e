"""The state machine's maintenance transitions: an incident opened in a window, and the
window's end in every state (a table, fixed times)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from core.incidents.lifecycle import (
    Acknowledge,
    CancelPending,
    Escalate,
    HoldForMaintenance,
    Ignored,
    IncidentState,
    MaintenanceEnded,
    Notify,
    Open,
    PageTier,
    PolicyView,
    Resolve,
    ScheduleEscalation,
    transition,
)

T0 = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
END = T0 + timedelta(hours=2)
MIN = timedelta(minutes=1)
POLICY = PolicyView(timeouts=(5 * MIN, 10 * MIN), repeat=1)


def held() -> IncidentState:
    return transition(IncidentState(), Open(held_until=END), POLICY, T0)[0]


def test_open_in_a_window_notifies_holds_and_pages_nobody() -> None:
    state, effects = transition(IncidentState(), Open(held_until=END), POLICY, T0)
    assert (state.status, state.pages, state.tier) == ("triggered", False, 0)
    assert effects == (Notify("triggered"), HoldForMaintenance(END, True))


def test_open_in_a_window_without_paging_is_not_held() -> None:
    for policy, pages in ((POLICY, False), (None, True)):
        state, effects = transition(IncidentState(), Open(pages=pages, held_until=END), policy, T0)
        assert effects == (Notify("triggered"),) and not state.pages


def _acked() -> IncidentState:
    return transition(held(), Acknowledge("ann"), POLICY, T0 + MIN)[0]


def _escalated() -> IncidentState:
    return transition(held(), Escalate("ann"), POLICY, T0 + MIN)[0]


def _resolved() -> IncidentState:
    return transition(held(), Resolve("alertmanager"), POLICY, T0 + MIN)[0]


@pytest.mark.parametrize(
    ("name", "before", "event", "status", "pages", "effects"),
    [
        # still firing at the end: pages the first tier now and escalates from there
        (
            "triggered",
            held,
            MaintenanceEnded(),
            "triggered",
            True,
            (Notify("maintenance_ended"), PageTier(0, 0), ScheduleEscalation(END + 5 * MIN, 0, 0)),
        ),
        # a policy that no longer pages: told, nobody paged
        (
            "notify-only",
            held,
            MaintenanceEnded(pages=False),
            "triggered",
            False,
            (Notify("maintenance_ended"),),
        ),
        # acknowledged in the window: nobody paged; it pages again like any incident later
        ("acknowledged", _acked, MaintenanceEnded(), "acknowledged", True, ()),
        # escalated by hand in the window: paging already, nothing changes
        (
            "escalated",
            _escalated,
            MaintenanceEnded(),
            "triggered",
            True,
            (Ignored("paging already"),),
        ),
        # resolved in the window: nothing to page
        (
            "resolved",
            _resolved,
            MaintenanceEnded(),
            "resolved",
            False,
            (Ignored("the incident is resolved"),),
        ),
    ],
)
def test_maintenance_ended(
    name: str, before: object, event: MaintenanceEnded, status: str, pages: bool, effects: tuple
) -> None:
    state = before()  # type: ignore[operator]
    after, out = transition(state, event, POLICY, END)
    assert (after.status, after.pages, out) == (status, pages, effects), name


def test_escalating_by_hand_in_the_window_pages_and_cancels_nothing_held() -> None:
    state, effects = transition(held(), Escalate("ann"), POLICY, T0 + MIN)
    assert state.pages and state.tier == 1 and PageTier(1, 0) in effects
    assert CancelPending() in effects


def test_a_held_incident_that_is_exhausted_pages_again_at_the_end() -> None:
    spent = replace(held(), exhausted=True)
    after, effects = transition(spent, MaintenanceEnded(), POLICY, END)
    assert not after.exhausted and PageTier(0, 0) in effects
