"""Operational readiness of a service: would it page somebody now, and if not, why.

The dashboard's readiness page and its API ask :func:`assess` for every service; it answers
from the schedule state (:mod:`core.oncall.views`), so it agrees with paging, ``oncall who``
and ``oncall gaps``. Pure: it takes the configuration, the state, the maintenance windows and
``now``, and reads nothing else.

The rule, checked in this order:

1. a service in a maintenance window at ``now`` pages nobody on purpose: it is *not* a
   problem (``pages_nobody`` False), its verdict says until when;
2. no escalation policy, a policy the configuration does not define, or a policy without
   tiers: pages nobody;
3. a first tier that names a person always pages somebody (as in
   :func:`core.oncall.views.coverage_gaps`);
4. otherwise it pages nobody when every first-tier schedule is in a coverage gap at ``now``
   (an unconfigured schedule counts as a gap); the verdict names those schedules.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from core.config.model import Configuration, EscalationPolicy, Service
from core.maintenance.windows import Window, maintenance_end
from core.oncall import views
from core.oncall.targets import PersonRef, person_ref
from core.schedule.model import OnCall, utc

IMPORTANCE_ORDER = {"critical": 0, "high": 1, "normal": 2, "low": 3}
HANDOVER_LOOKAHEAD = timedelta(days=31)

Status = Literal["ok", "maintenance", "no_policy", "unknown_policy", "no_tiers", "all_gaps"]


@dataclass(frozen=True)
class TargetNow:
    """One target of a tier at ``now``: a schedule (``person`` None in a gap; ``start``/``end``
    bound the shift, ``end`` None when it does not end within a year) or a person paged
    directly (``schedule`` None, no bounds)."""

    target: str
    schedule: str | None
    schedule_name: str | None
    person: PersonRef | None
    start: datetime | None = None
    end: datetime | None = None


@dataclass(frozen=True)
class TierNow:
    """A tier of the service's policy (``number`` from 1) and who each target reaches now."""

    number: int
    escalate_after: timedelta
    targets: tuple[TargetNow, ...]


@dataclass(frozen=True)
class Handover:
    """The next change of who a first-tier schedule pages: at ``at``, to ``person`` (None: a
    coverage gap starts then)."""

    at: datetime
    schedule: str
    person: PersonRef | None


@dataclass(frozen=True)
class Verdict:
    """Whether the service would page somebody now. ``reason`` is in words, None when it
    pages somebody or is in maintenance; ``uncovered`` names the first-tier schedules in a gap
    (by display name, file order); ``maintenance_until`` is set when in maintenance."""

    service: str
    status: Status
    reason: str | None = None
    uncovered: tuple[str, ...] = ()
    maintenance_until: datetime | None = None

    @property
    def pages_nobody(self) -> bool:
        """True when an alert now would reach nobody (maintenance does not count)."""
        return self.status not in ("ok", "maintenance")


def policy_of(config: Configuration, service: Service) -> EscalationPolicy | None:
    """The service's escalation policy; None without one or when it is not defined."""
    if service.escalation_policy is None:
        return None
    return next((p for p in config.escalation_policies if p.id == service.escalation_policy), None)


def tiers_now(
    config: Configuration, state: views.ScheduleState, service: Service, now: datetime
) -> tuple[TierNow, ...]:
    """Every tier of the service's policy with who each target reaches at ``now`` (empty
    without a policy). A person target is shown as that person, configured or not."""
    policy = policy_of(config, service)
    if policy is None:
        return ()
    out = []
    for number, tier in enumerate(policy.tiers, start=1):
        out.append(
            TierNow(
                number,
                tier.escalate_after,
                tuple(_target(config, state, t, now) for t in tier.targets),
            )
        )
    return tuple(out)


def _target(
    config: Configuration, state: views.ScheduleState, target: str, now: datetime
) -> TargetNow:
    kind, _, ref = target.partition(":")
    if kind == "person":
        return TargetNow(target, None, None, person_ref(config, ref))
    schedule = config.schedule(ref)
    name = schedule.name or schedule.id if schedule else ref
    found = views.who_for(state, ref, now)
    if found is None:
        return TargetNow(target, ref, name, None)
    return TargetNow(target, ref, name, person_ref(config, found.person), found.start, found.end)


def assess(
    config: Configuration,
    state: views.ScheduleState,
    service_id: str,
    now: datetime,
    windows: Sequence[Window] = (),
) -> Verdict:
    """The verdict for ``service_id`` at ``now`` (the rule in the module docstring).

    An unknown service is ``no_policy`` with a reason saying it is not configured. Windows
    touching or overlapping count as one maintenance (:func:`maintenance_end`); a window
    starting exactly at ``now`` covers it, one ending exactly at ``now`` does not.
    """
    now = utc(now)
    service = next((s for s in config.services if s.id == service_id), None)
    if service is None:
        return Verdict(service_id, "no_policy", f"service {service_id!r} is not configured")
    until = maintenance_end(windows, service.id, service.team, now)
    if until is not None:
        return Verdict(service.id, "maintenance", maintenance_until=until)
    if service.escalation_policy is None:
        return Verdict(service.id, "no_policy", "it has no escalation policy")
    policy = policy_of(config, service)
    if policy is None:
        return Verdict(
            service.id,
            "unknown_policy",
            f"its escalation policy {service.escalation_policy!r} is not defined",
        )
    if not policy.tiers:
        return Verdict(service.id, "no_tiers", f"its escalation policy {policy.id!r} has no tiers")
    targets = policy.tiers[0].targets
    if any(t.startswith("person:") for t in targets):
        return Verdict(service.id, "ok")
    uncovered = tuple(
        t.schedule_name or t.target
        for t in (_target(config, state, target, now) for target in targets)
        if t.person is None
    )
    if len(uncovered) < len(targets):
        return Verdict(service.id, "ok")
    names = ", ".join(uncovered)
    return Verdict(
        service.id,
        "all_gaps",
        f"every first-tier schedule is in a coverage gap now: {names}",
        uncovered,
    )


def next_handover(
    state: views.ScheduleState,
    tier: TierNow,
    now: datetime,
    lookahead: timedelta = HANDOVER_LOOKAHEAD,
) -> Handover | None:
    """The earliest hand-over after ``now`` among the tier's schedules: the end of the current
    shift (to whoever holds the instant then; None when a gap starts), or in a gap the start
    of the next shift within ``lookahead``. None when nothing changes within the look-ahead
    (or the current shift does not end within a year). Person targets never hand over."""
    config = state.config
    found: list[Handover] = []
    for target in tier.targets:
        if target.schedule is None:
            continue
        if target.person is not None:
            if target.end is None:
                continue
            incoming = views.who_for(state, target.schedule, target.end)
            found.append(Handover(target.end, target.schedule, _ref(config, incoming)))
            continue
        upcoming = views.final_for(state, target.schedule, now, now + lookahead).shifts
        if upcoming:
            first = upcoming[0]
            found.append(Handover(first.start, target.schedule, person_ref(config, first.person)))
    return min(found, key=lambda h: (h.at, h.schedule), default=None)


def _ref(config: Configuration, found: OnCall | None) -> PersonRef | None:
    return person_ref(config, found.person) if found is not None else None


def order_key(verdict: Verdict, service: Service) -> tuple[int, int, str, str]:
    """How the readiness page orders services: those paging nobody first, then by importance
    (critical, high, normal, low), then by name (the id when unnamed), then id."""
    name = (service.name or service.id).casefold()
    return (
        0 if verdict.pages_nobody else 1,
        IMPORTANCE_ORDER.get(service.importance, 9),
        name,
        service.id,
    )
