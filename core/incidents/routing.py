"""Which service, team, escalation policy and severity rule an alert's labels select.

Order of matching (CONFIG.md): the first service, in file order, whose non-empty ``match``
labels all equal the alert's; else the first route whose ``match`` labels all equal the
alert's (``match: {}`` matches everything); else the built-in ``unrouted`` service. Before
all of these, an ``oncall_service`` label naming a known service picks it (pages opened by
hand, ``/oncall page SERVICE``, and sources that know the service id); ``unrouted`` there
picks no service at all (``/oncall page @person``, which pages only that person). An alert
is never dropped: an unrouted one is still an incident, visible and counted.

Severity comes from the ``severity`` label (case-insensitive). A missing or unknown severity
is treated as the ``critical`` rule when the file has one, else as a paging rule: in doubt,
wake someone up rather than lose a page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from core.config.model import Configuration, EscalationPolicy, Service, SeverityRule

UNROUTED = "unrouted"
PIN_LABEL = "oncall_service"
FALLBACK_SEVERITY = "critical"
_FALLBACK_RULE = SeverityRule(page=True, notify=("dm", "channel"), ticket=True)
Matched = Literal["service", "route", "none"]


@dataclass(frozen=True)
class RouteDecision:
    """Where an alert goes. ``start_tier`` is 0-based and within the policy's tiers."""

    service_id: str
    team_id: str | None
    policy: EscalationPolicy | None
    severity: str
    rule: SeverityRule
    start_tier: int
    matched: Matched

    @property
    def pages(self) -> bool:
        """True when the alert should page through its escalation policy."""
        return self.rule.page and self.policy is not None


def labels_match(wanted: Mapping[str, str], labels: Mapping[str, str]) -> bool:
    """Every wanted label is present with exactly that value (an empty ``wanted`` matches)."""
    return all(labels.get(key) == value for key, value in wanted.items())


def select_service(
    config: Configuration, labels: Mapping[str, str]
) -> tuple[Service | None, Matched]:
    """The service the labels select and how (``service``, ``route`` or ``none``)."""
    pinned = labels.get(PIN_LABEL)
    if pinned == UNROUTED:
        return None, "none"  # a page to a person: no service's tiers, no route
    if pinned:
        chosen = next((s for s in config.services if s.id == pinned), None)
        if chosen is not None:
            return chosen, "service"
    for service in config.services:
        if service.match and labels_match(service.match, labels):
            return service, "service"
    services = {s.id: s for s in config.services}
    for route in config.routes:
        if labels_match(route.match, labels):
            return services.get(route.service), "route"
    return None, "none"


def severity_of(config: Configuration, labels: Mapping[str, str]) -> tuple[str, SeverityRule]:
    """The severity name and its rule (see the module docstring for missing or unknown ones)."""
    name = (labels.get("severity") or "").strip().lower()
    if name in config.severities:
        return name, config.severities[name]
    rule = config.severities.get(FALLBACK_SEVERITY, _FALLBACK_RULE)
    return name or FALLBACK_SEVERITY, rule


def route_alert(config: Configuration, labels: Mapping[str, str]) -> RouteDecision:
    """Route an alert by its labels; see the module docstring for the order of matching."""
    service, matched = select_service(config, labels)
    severity, rule = severity_of(config, labels)
    policies = {p.id: p for p in config.escalation_policies}
    policy_id = rule.escalation_policy or (service.escalation_policy if service else None)
    policy = policies.get(policy_id) if policy_id else None
    start = min(rule.start_tier, len(policy.tiers)) - 1 if policy else 0
    return RouteDecision(
        service_id=service.id if service else UNROUTED,
        team_id=service.team if service else None,
        policy=policy,
        severity=severity,
        rule=rule,
        start_tier=max(start, 0),
        matched=matched if service else "none",
    )
