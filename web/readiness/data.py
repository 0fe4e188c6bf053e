"""What the readiness page and ``/api/v1/services`` show, gathered in one read unit of work.

Every fact comes from core: who is on call and the next hand-over from
:mod:`core.oncall.readiness` (over :mod:`core.oncall.views`), gaps from
:func:`core.oncall.views.coverage_gaps`, maintenance from :mod:`core.maintenance`, MTTA and
MTTR from :func:`core.metrics.report.figures` over the incidents resolved in the last 30 days,
per service (the median; a service with no incident resolved then has None).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.config.model import Configuration, Service
from core.incidents.cards import incident_description
from core.maintenance.service import all_windows
from core.maintenance.windows import Window
from core.metrics.ports import IncidentMetrics
from core.metrics.report import Figures, figures
from core.oncall import readiness, views
from core.ports import UnitOfWork
from core.schedule.model import Interval, Shift
from core.schedule.whoat import LOOK_AROUND
from web.deps import WebDeps

METRICS_WINDOW = timedelta(days=30)
OPEN_LIMIT = 1000
REACH_MARGIN = timedelta(days=1)


@dataclass(frozen=True)
class OpenIncident:
    """An open incident as the page lists it. ``description`` is
    :func:`core.incidents.cards.incident_description` (the alert's description, else its
    summary, as sent: escaped by the template), as on the incident's own page and its card;
    empty when the board was built without descriptions or the alert has neither."""

    id: int
    title: str
    status: str
    severity: str
    description: str


@dataclass(frozen=True)
class ServiceReadiness:
    """One service as the page and the API show it."""

    service: Service
    team_name: str
    verdict: readiness.Verdict
    tiers: tuple[readiness.TierNow, ...]
    handover: readiness.Handover | None
    open_incidents: tuple[OpenIncident, ...]
    gaps: tuple[Interval, ...]
    first_tier_shifts: tuple[tuple[str, tuple[Shift, ...]], ...]
    figures: Figures | None

    @property
    def gap_hours(self) -> float:
        """The gaps' total length in hours, to one decimal."""
        seconds = sum((g.end - g.start).total_seconds() for g in self.gaps)
        return round(seconds / 3600, 1)

    @property
    def mtta_seconds(self) -> float | None:
        """The median time to acknowledge over 30 days; None without data."""
        found = self.figures.mtta_median if self.figures else None
        return found.total_seconds() if found is not None else None

    @property
    def mttr_seconds(self) -> float | None:
        """The median time to resolve over 30 days; None without data."""
        found = self.figures.mttr_median if self.figures else None
        return found.total_seconds() if found is not None else None


@dataclass(frozen=True)
class Board:
    """Every service, in the readiness order, at ``now`` with gaps over ``[now, until)``."""

    now: datetime
    until: datetime
    config: Configuration
    services: tuple[ServiceReadiness, ...]

    @property
    def paging_nobody(self) -> int:
        """How many services would page nobody now."""
        return sum(1 for s in self.services if s.verdict.pages_nobody)

    @property
    def open_incidents(self) -> int:
        """Open incidents across the services shown."""
        return sum(len(s.open_incidents) for s in self.services)

    @property
    def gap_count(self) -> int:
        """Coverage gaps across the services in the window."""
        return sum(len(s.gaps) for s in self.services)


def state_window(now: datetime, until: datetime) -> tuple[datetime, datetime]:
    """The window the board's schedule state is loaded over: what its views reach, no more.

    Not just ``[now, until]``: :func:`core.oncall.views.who_for` at ``now`` gives the current
    shift's full bounds, searched up to :data:`core.schedule.whoat.LOOK_AROUND` (a year) each
    way, so an override that ended an hour ago, or one starting in ten months, moves the
    ``start``/``end`` shown (and the hand-over, which is at that end and, in a gap, within
    :data:`core.oncall.readiness.HANDOVER_LOOKAHEAD`). Gaps and the first tier's timeline
    need ``[now, until)``. A day's margin each way covers the search's last probe."""
    reach = LOOK_AROUND + REACH_MARGIN
    return now - reach, max(now + reach, until + REACH_MARGIN)


async def board(
    deps: WebDeps, days: int, only: str | None = None, *, describe: bool = False
) -> Board:
    """The readiness of every service (of ``only`` when given: an unknown id gives none) at
    the clock's now, gaps over the next ``days``. ``describe``: read each open incident's
    description (the page shows it; the API does not)."""
    now = deps.clock.now().replace(microsecond=0)
    until = now + timedelta(days=days)
    async with deps.read_unit() as uow:
        state = await views.load_state(uow, *state_window(now, until))
        config = state.config
        windows = await all_windows(uow, config, now)
        records = await uow.incidents.listing(False, OPEN_LIMIT)
        resolved = await uow.metrics.resolved_between(now - METRICS_WINDOW, now)
        open_by: dict[str, list[OpenIncident]] = {}
        for record in records:
            if record.state.status == "resolved":
                continue
            if only is not None and record.service_id != only:
                continue
            open_by.setdefault(record.service_id, []).append(
                OpenIncident(
                    record.id,
                    record.title,
                    record.state.status,
                    record.severity,
                    (incident_description(record) or "") if describe else "",
                )
            )
    metrics_by: dict[str, list[IncidentMetrics]] = {}
    for m in resolved:
        metrics_by.setdefault(m.service_id, []).append(m)
    teams = {t.id: t.name or t.id for t in config.teams}
    out = []
    for service in config.services:
        if only is not None and service.id != only:
            continue
        out.append(_one(config, state, service, now, until, windows, teams, open_by, metrics_by))
    ordered = sorted(out, key=lambda s: readiness.order_key(s.verdict, s.service))
    return Board(now, until, config, tuple(ordered))


def _one(
    config: Configuration,
    state: views.ScheduleState,
    service: Service,
    now: datetime,
    until: datetime,
    windows: Sequence[Window],
    teams: dict[str, str],
    open_by: dict[str, list[OpenIncident]],
    metrics_by: dict[str, list[IncidentMetrics]],
) -> ServiceReadiness:
    tiers = readiness.tiers_now(config, state, service, now)
    first = tiers[0] if tiers else None
    shifts = tuple(
        (t.schedule_name or t.target, views.final_for(state, t.schedule, now, until).shifts)
        for t in (first.targets if first else ())
        if t.schedule is not None
    )
    mine = metrics_by.get(service.id)
    return ServiceReadiness(
        service=service,
        team_name=teams.get(service.team, service.team),
        verdict=readiness.assess(config, state, service.id, now, windows),
        tiers=tiers,
        handover=readiness.next_handover(state, first, now) if first else None,
        open_incidents=tuple(sorted(open_by.get(service.id, []), key=lambda i: i.id)),
        gaps=tuple(views.coverage_gaps(state, service.id, now, until)),
        first_tier_shifts=shifts,
        figures=figures(mine) if mine else None,
    )


def coverage(
    state: views.ScheduleState, lo: datetime, hi: datetime
) -> list[tuple[Service, list[Interval]]]:
    """Every service with its coverage gaps over ``[lo, hi)`` (``oncall gaps``)."""
    return [(s, views.coverage_gaps(state, s.id, lo, hi)) for s in state.config.services]


async def gap_state(uow: UnitOfWork, lo: datetime, hi: datetime) -> views.ScheduleState:
    """The state ``oncall gaps`` computes from."""
    async with uow:
        return await views.load_state(uow, lo, hi)
