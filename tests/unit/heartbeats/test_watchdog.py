"""Alertmanager's Watchdog alert: a beat of the heartbeats whose labels it carries, never an
incident."""

from __future__ import annotations

from core.heartbeats.watchdog import split_watchdog
from core.incidents.ports import AlertBatch, NewAlert
from tests.unit.oncall.common import at, config

T0 = at("2026-03-02 10:00")
HEARTBEATS = [
    {"name": "eu", "interval": "5m", "service": "api", "watchdog": {"cluster": "eu"}},
    {"name": "any", "interval": "5m", "service": "api", "watchdog": {}},
    {"name": "http-only", "interval": "5m", "service": "api"},
]
CONFIG = config(heartbeats=HEARTBEATS)


def alert(name: str, status: str = "firing", **labels: str) -> NewAlert:
    return NewAlert(f"fp-{name}-{labels}", status, T0, None, {"alertname": name, **labels})


def batch(*alerts: NewAlert, source: str = "alertmanager", status: str = "firing") -> AlertBatch:
    common = dict(alerts[0].labels) if alerts else {"alertname": "Watchdog"}
    return AlertBatch(source, "g", status, "t", common, alerts=alerts)


def test_a_watchdog_beats_the_matching_heartbeats_and_leaves_nothing() -> None:
    split = split_watchdog(CONFIG, batch(alert("Watchdog", cluster="eu", prometheus="p1")))
    assert split.beaten == ("eu", "any") and split.rest is None


def test_labels_that_do_not_match_beat_only_the_catch_all() -> None:
    split = split_watchdog(CONFIG, batch(alert("Watchdog", cluster="us")))
    assert split.beaten == ("any",) and split.rest is None


def test_a_watchdog_nobody_claims_still_opens_nothing() -> None:
    lonely = config(heartbeats=HEARTBEATS[2:])
    split = split_watchdog(lonely, batch(alert("Watchdog")))
    assert split.beaten == () and split.rest is None


def test_a_resolved_watchdog_beats_nothing_and_opens_nothing() -> None:
    split = split_watchdog(CONFIG, batch(alert("Watchdog", "resolved"), status="resolved"))
    assert split.beaten == () and split.rest is None


def test_a_watchdog_group_without_alerts_opens_nothing() -> None:
    split = split_watchdog(CONFIG, batch())
    assert split.beaten == () and split.rest is None


def test_in_a_mixed_group_the_other_alerts_go_on() -> None:
    other = alert("HighLatency", cluster="eu")
    given = batch(alert("Watchdog", cluster="eu"), other)
    split = split_watchdog(CONFIG, given)
    assert split.beaten == ("eu", "any")
    assert split.rest is not None and split.rest.alerts == (other,)
    assert split.rest.status == "firing"


def test_other_alerts_and_other_sources_are_left_whole() -> None:
    given = batch(alert("HighLatency"))
    assert split_watchdog(CONFIG, given).rest is given
    generic = batch(alert("Watchdog"), source="generic")
    assert split_watchdog(CONFIG, generic).rest is generic
