"""Readiness: would a service page somebody now, and if not, why (core.oncall.readiness).

The configuration is tests/unit/oncall/common.py's: ``primary`` is a daily ann/bob rotation
from Mon 2026-03-02 09:00 UTC (nobody before), ``office`` is cat on weekdays 09:00-17:00 UTC;
``api`` pages primary, ``site`` pages office, ``batch`` pages dan directly, ``orphan`` has no
policy.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.config.model import EscalationPolicy, Service
from core.maintenance.windows import Window
from core.oncall.readiness import assess, next_handover, order_key, tiers_now
from core.oncall.views import ScheduleState
from tests.unit.oncall.common import DOC, at, config, revision

CFG = config()
STATE = ScheduleState((revision(CFG, "2026-03-01 00:00"),))


@pytest.mark.parametrize(
    ("service", "now", "status", "reason"),
    [
        ("api", "2026-03-02 10:00", "ok", None),
        # before the rotation's first turn there is nobody on primary
        (
            "api",
            "2026-03-02 08:59",
            "all_gaps",
            "every first-tier schedule is in a coverage gap now: primary",
        ),
        # the first turn starts exactly at 09:00: covered
        ("api", "2026-03-02 09:00", "ok", None),
        ("site", "2026-03-02 09:00", "ok", None),
        # office hours end at 17:00 (half-open): 17:00 is a gap
        (
            "site",
            "2026-03-02 17:00",
            "all_gaps",
            "every first-tier schedule is in a coverage gap now: office",
        ),
        (
            "site",
            "2026-03-07 12:00",
            "all_gaps",
            "every first-tier schedule is in a coverage gap now: office",
        ),
        # a person target always pages somebody, even when no schedule would
        ("batch", "2026-03-02 08:00", "ok", None),
        ("orphan", "2026-03-02 10:00", "no_policy", "it has no escalation policy"),
        ("ghost", "2026-03-02 10:00", "no_policy", "service 'ghost' is not configured"),
    ],
)
def test_verdict_table(service: str, now: str, status: str, reason: str | None) -> None:
    verdict = assess(CFG, STATE, service, at(now))
    assert (verdict.status, verdict.reason) == (status, reason)
    assert verdict.pages_nobody == (status != "ok")


def test_a_policy_that_is_not_defined_or_has_no_tiers() -> None:
    services = (*CFG.services, Service(id="lost", team="ops", escalation_policy="nowhere"))
    empty = EscalationPolicy.model_construct(id="empty", name=None, repeat=0, tiers=())
    services += (Service(id="hollow", team="ops", escalation_policy="empty"),)
    cfg = CFG.model_copy(
        update={"services": services, "escalation_policies": (*CFG.escalation_policies, empty)}
    )
    state = ScheduleState((revision(cfg, "2026-03-01 00:00"),))
    lost = assess(cfg, state, "lost", at("2026-03-02 10:00"))
    assert (lost.status, lost.reason) == (
        "unknown_policy",
        "its escalation policy 'nowhere' is not defined",
    )
    hollow = assess(cfg, state, "hollow", at("2026-03-02 10:00"))
    assert (hollow.status, hollow.reason) == (
        "no_tiers",
        "its escalation policy 'empty' has no tiers",
    )
    assert lost.pages_nobody and hollow.pages_nobody


def _two_schedules() -> tuple[object, ScheduleState]:
    policies = [
        *DOC["escalation_policies"],
        {
            "id": "both",
            "tiers": [{"targets": ["schedule:primary", "schedule:office"], "escalate_after": "5m"}],
        },
    ]
    services = [*DOC["services"], {"id": "combo", "team": "ops", "escalation_policy": "both"}]
    cfg = config(escalation_policies=policies, services=services)
    return cfg, ScheduleState((revision(cfg, "2026-03-01 00:00"),))


def test_one_covered_schedule_of_two_is_enough_and_both_gaps_are_named() -> None:
    cfg, state = _two_schedules()
    # Monday 08:00: primary not started, office closed -> both named, in file order
    both = assess(cfg, state, "combo", at("2026-03-02 08:00"))  # type: ignore[arg-type]
    assert both.uncovered == ("primary", "office")
    assert both.reason == "every first-tier schedule is in a coverage gap now: primary, office"
    # Saturday noon: office closed but primary covered
    assert assess(cfg, state, "combo", at("2026-03-07 12:00")).status == "ok"  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("start", "end", "now", "in_maintenance"),
    [
        ("2026-03-02 06:00", "2026-03-02 09:00", "2026-03-02 08:00", True),
        # a window starting exactly now covers it
        ("2026-03-02 08:00", "2026-03-02 09:00", "2026-03-02 08:00", True),
        # a window ending exactly now does not
        ("2026-03-02 06:00", "2026-03-02 08:00", "2026-03-02 08:00", False),
    ],
)
def test_maintenance_is_not_red(start: str, end: str, now: str, in_maintenance: bool) -> None:
    windows = [Window("api", None, at(start), at(end))]
    verdict = assess(CFG, STATE, "api", at(now), windows)
    if in_maintenance:
        assert verdict.status == "maintenance"
        assert verdict.maintenance_until == at(end)
        assert not verdict.pages_nobody
    else:
        assert verdict.status == "all_gaps"  # before primary's first turn


def test_a_team_window_covers_its_services_and_chained_windows_are_one() -> None:
    windows = [
        Window(None, "ops", at("2026-03-02 06:00"), at("2026-03-02 07:00")),
        Window(None, "ops", at("2026-03-02 07:00"), at("2026-03-02 11:00")),
    ]
    verdict = assess(CFG, STATE, "orphan", at("2026-03-02 06:30"), windows)
    assert (verdict.status, verdict.maintenance_until) == ("maintenance", at("2026-03-02 11:00"))
    assert assess(CFG, STATE, "site", at("2026-03-02 06:30"), windows).status == "all_gaps"


def test_tiers_now_and_the_next_handover() -> None:
    api = next(s for s in CFG.services if s.id == "api")
    tiers = tiers_now(CFG, STATE, api, at("2026-03-02 10:00"))
    assert len(tiers) == 1 and tiers[0].escalate_after == timedelta(minutes=5)
    (target,) = tiers[0].targets
    assert (target.schedule, target.person and target.person.id) == ("primary", "ann")
    assert (target.start, target.end) == (at("2026-03-02 09:00"), at("2026-03-03 09:00"))
    handover = next_handover(STATE, tiers[0], at("2026-03-02 10:00"))
    assert handover is not None
    assert (handover.at, handover.person and handover.person.id) == (at("2026-03-03 09:00"), "bob")


def test_handover_in_a_gap_is_the_next_shift_and_a_person_never_hands_over() -> None:
    site = next(s for s in CFG.services if s.id == "site")
    saturday = at("2026-03-07 12:00")
    (tier,) = tiers_now(CFG, STATE, site, saturday)
    handover = next_handover(STATE, tier, saturday)
    assert handover is not None
    assert (handover.at, handover.person and handover.person.id) == (at("2026-03-09 09:00"), "cat")
    batch = next(s for s in CFG.services if s.id == "batch")
    (direct,) = tiers_now(CFG, STATE, batch, saturday)
    assert direct.targets[0].person is not None and direct.targets[0].person.id == "dan"
    assert next_handover(STATE, direct, saturday) is None
    orphan = next(s for s in CFG.services if s.id == "orphan")
    assert tiers_now(CFG, STATE, orphan, saturday) == ()


def test_order_puts_services_paging_nobody_first_then_importance_then_name() -> None:
    now = at("2026-03-07 12:00")  # saturday: site (office) pages nobody, orphan has no policy
    services = [
        Service(id="api", team="ops", importance="low", escalation_policy="ops"),
        Service(id="batch", team="ops", importance="critical", escalation_policy="direct"),
        Service(id="site", team="web", importance="high", escalation_policy="web"),
        Service(id="orphan", team="ops", importance="critical"),
        Service(
            id="aaa", name="Zeta", team="ops", importance="critical", escalation_policy="direct"
        ),
    ]
    cfg = CFG.model_copy(update={"services": tuple(services)})
    state = ScheduleState((revision(cfg, "2026-03-01 00:00"),))
    ordered = sorted(services, key=lambda s: order_key(assess(cfg, state, s.id, now), s))
    assert [s.id for s in ordered] == ["orphan", "site", "batch", "aaa", "api"]
