"""Routing labels to services, teams, policies and severity rules; nothing is ever dropped."""

from __future__ import annotations

import pytest

from core.incidents.routing import UNROUTED, route_alert
from integrations.config_repo.loader import load_configuration
from tests.support import EXAMPLE_CONFIG
from tests.unit.oncall.common import config

EXAMPLE = load_configuration(EXAMPLE_CONFIG)


@pytest.mark.parametrize(
    ("labels", "service", "team", "policy", "matched"),
    [
        (
            {"service": "checkout-api", "severity": "critical"},
            "checkout-api",
            "payments",
            "payments-default",
            "service",
        ),
        ({"service": "ledger"}, "payments-ledger", "payments", "payments-default", "service"),
        (
            {"service": "sso", "env": "prod"},
            "identity-sso",
            "identity",
            "identity-default",
            "service",
        ),
        (
            {"team": "payments", "region": "eu"},
            "checkout-api",
            "payments",
            "payments-default",
            "route",
        ),
        ({"namespace": "kube-system"}, "kubernetes", "platform", "platform-default", "route"),
        ({"alertname": "Whatever"}, "catch-all", "platform", "platform-low-urgency", "route"),
        ({}, "catch-all", "platform", "platform-low-urgency", "route"),
        # The oncall_service label pins a service, over its match and every route.
        (
            {"oncall_service": "identity-sso", "service": "ledger"},
            "identity-sso",
            "identity",
            "identity-default",
            "service",
        ),
        # An unknown pinned id is ignored: the labels route as usual.
        (
            {"oncall_service": "nope", "service": "ledger"},
            "payments-ledger",
            "payments",
            "payments-default",
            "service",
        ),
        # A service match wins over a route that also fits.
        (
            {"service": "ci-runners", "namespace": "kube-system"},
            "ci-runners",
            "platform",
            "platform-low-urgency",
            "service",
        ),
    ],
)
def test_example_routing(labels: dict, service: str, team: str, policy: str, matched: str) -> None:
    decision = route_alert(EXAMPLE, labels)
    assert (
        decision.service_id,
        decision.team_id,
        decision.policy.id if decision.policy else None,
        decision.matched,
    ) == (service, team, policy, matched)


def test_nothing_matches_is_unrouted_not_dropped() -> None:
    decision = route_alert(config(routes=[]), {"alertname": "Lost"})
    assert (decision.service_id, decision.team_id, decision.policy, decision.matched) == (
        UNROUTED,
        None,
        None,
        "none",
    )
    assert not decision.pages


def test_pinned_unrouted_takes_no_service_even_past_a_catch_all_route() -> None:
    decision = route_alert(EXAMPLE, {"oncall_service": UNROUTED, "service": "ledger"})
    assert (decision.service_id, decision.policy, decision.matched) == (UNROUTED, None, "none")
    assert not decision.pages


def test_services_with_empty_match_are_reached_only_by_routes() -> None:
    decision = route_alert(config(routes=[]), {"service": "orphan"})
    assert decision.service_id == UNROUTED


@pytest.mark.parametrize(
    ("severity", "name", "page", "ticket"),
    [
        ("critical", "critical", True, True),
        ("CRITICAL", "critical", True, True),
        ("warning", "warning", False, True),
        ("info", "info", False, False),
        ("disaster", "disaster", True, True),  # unknown: treated as critical, never lost
        (None, "critical", True, True),  # missing: likewise
    ],
)
def test_severity_rules(severity: str | None, name: str, page: bool, ticket: bool) -> None:
    labels = {"service": "checkout-api"} | ({"severity": severity} if severity else {})
    decision = route_alert(EXAMPLE, labels)
    assert (decision.severity, decision.rule.page, decision.rule.ticket) == (name, page, ticket)
    assert decision.pages == page


def test_severity_may_name_its_policy_and_start_tier() -> None:
    severities = {
        "critical": {"page": True, "notify": ["dm"]},
        "warning": {"page": True, "escalation_policy": "ops", "start_tier": 2},
    }
    policies = [
        {
            "id": "ops",
            "tiers": [
                {"targets": ["schedule:primary"], "escalate_after": "5m"},
                {"targets": ["person:dan"], "escalate_after": "5m"},
            ],
        },
        {"id": "web", "tiers": [{"targets": ["schedule:office"], "escalate_after": "5m"}]},
        {"id": "direct", "tiers": [{"targets": ["person:dan"], "escalate_after": "5m"}]},
    ]
    cfg = config(
        severities=severities,
        escalation_policies=policies,
        routes=[{"match": {}, "service": "site"}],
    )
    warning = route_alert(cfg, {"severity": "warning"})
    assert (warning.service_id, warning.policy.id, warning.start_tier) == ("site", "ops", 1)  # type: ignore[union-attr]
    critical = route_alert(cfg, {"severity": "critical"})
    assert (critical.policy.id, critical.start_tier) == ("web", 0)  # type: ignore[union-attr]
