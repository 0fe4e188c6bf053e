"""``allowed_actions`` agrees with the state machine: in every state a page can meet, each
action it offers is one ``transition`` carries out (the status changes), and each it withholds
is one ``transition`` refuses (``TransitionError``) or ignores (``Ignored``, state unchanged)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.incidents.lifecycle import (
    Acknowledge,
    Action,
    Event,
    Ignored,
    IncidentState,
    Open,
    PolicyView,
    Resolve,
    Snooze,
    TransitionError,
    allowed_actions,
    transition,
)

T0 = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)
POLICY = PolicyView(timeouts=(5 * MIN,), repeat=0)


def _states() -> dict[str, IncidentState]:
    triggered = transition(IncidentState(), Open(), POLICY, T0)[0]
    held = transition(IncidentState(), Open(pages=False, held_until=T0 + 60 * MIN), POLICY, T0)[0]
    acknowledged = transition(triggered, Acknowledge("anna"), POLICY, T0 + MIN)[0]
    snoozed = transition(acknowledged, Snooze("anna", T0 + 30 * MIN), POLICY, T0 + 2 * MIN)[0]
    resolved = transition(acknowledged, Resolve("anna"), POLICY, T0 + 3 * MIN)[0]
    unacked_resolved = transition(triggered, Resolve("alertmanager"), POLICY, T0 + 3 * MIN)[0]
    return {
        "triggered": triggered,
        "held for maintenance": held,
        "acknowledged": acknowledged,
        "snoozed": snoozed,
        "resolved": resolved,
        "resolved without acknowledgement": unacked_resolved,
    }


STATES = _states()
EVENTS: dict[Action, Event] = {"acknowledge": Acknowledge("ben"), "resolve": Resolve("ben")}


def test_the_buttons_of_each_status() -> None:
    assert allowed_actions(STATES["triggered"]) == ("acknowledge", "resolve")
    assert allowed_actions(STATES["acknowledged"]) == ("resolve",)
    assert allowed_actions(STATES["snoozed"]) == ("resolve",)
    assert allowed_actions(STATES["resolved"]) == ()


@pytest.mark.parametrize("name", STATES)
@pytest.mark.parametrize("action", EVENTS)
def test_agrees_with_transition(name: str, action: Action) -> None:
    state = STATES[name]
    now = T0 + 10 * MIN
    if action in allowed_actions(state):
        after, effects = transition(state, EVENTS[action], POLICY, now)
        assert after.status != state.status
        assert not any(isinstance(e, Ignored) for e in effects)
        return
    try:
        after, effects = transition(state, EVENTS[action], POLICY, now)
    except TransitionError:
        return
    assert after == state
    assert any(isinstance(e, Ignored) for e in effects)


def test_the_description_is_the_alerts_description_else_its_summary() -> None:
    from dataclasses import replace

    from core.incidents.cards import incident_description

    record = _record_for_description()
    assert incident_description(replace(record, annotations={})) is None
    assert incident_description(replace(record, annotations={"summary": "S"})) == "S"
    both = {"summary": "S", "description": "D"}
    assert incident_description(replace(record, annotations=both)) == "D"
    assert (
        incident_description(replace(record, annotations={"description": "", "summary": "S"}))
        == "S"
    )
    assert incident_description(replace(record, annotations={"description": ""})) is None


def _record_for_description() -> object:
    from core.incidents.ports import IncidentRecord

    return IncidentRecord(
        source="alertmanager",
        dedup_key="k",
        title="t",
        service_id="s",
        team_id=None,
        policy_id=None,
        severity="critical",
        state=STATES["triggered"],
        opened_at=T0,
        labels={},
        annotations={},
        links={},
        id=1,
    )
