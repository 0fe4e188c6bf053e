"""``/api/v1/services``, ``/api/v1/services/{service_id}``, ``/api/v1/oncall``, ``/api/v1/gaps``.

The services' answers carry the same facts as the readiness page (:mod:`web.readiness.data`);
``oncall`` and ``gaps`` have the shapes of ``oncall who --json`` and ``oncall gaps --json``
(CONTRACT.md). Every bad parameter is a 400 problem; nothing here writes.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo

from aiohttp import web

from core.oncall import who as who_query
from core.oncall.readiness import Handover, TierNow
from core.timeinput import TimeInputError, parse_instant
from web.deps import deps_of
from web.openapi import Api
from web.params import zone_param
from web.problems import ApiError
from web.readiness import data
from web.readiness.models import (
    GapsOut,
    GapsParams,
    HandoverOut,
    OncallOut,
    OncallParams,
    OncallRow,
    ServiceGaps,
    ServiceOut,
    ServiceParams,
    ServicesOut,
    ServicesParams,
    Span,
    TargetOut,
    TierOut,
)

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


def at_param(text: str | None, zone: tzinfo, now: datetime) -> datetime:
    """The ``at`` parameter (ISO 8601; naive read in ``zone``); 400 when unreadable or outside
    the years 2000..2099."""
    if text is None:
        return now
    try:
        moment = parse_instant(text, zone=zone, now=now, what="at")
    except TimeInputError as exc:
        raise ApiError(400, str(exc)) from None
    except (OverflowError, ValueError):
        raise ApiError(400, f"at {text!r} is not a time we can read") from None
    if not EARLIEST <= moment < LATEST:
        raise ApiError(400, "at must be between the years 2000 and 2099")
    return moment


def service_out(item: data.ServiceReadiness, zone: tzinfo) -> ServiceOut:
    """One service's answer, times in ``zone``."""

    def t(moment: datetime | None) -> datetime | None:
        return moment.astimezone(zone) if moment is not None else None

    service, verdict, fig = item.service, item.verdict, item.figures
    return ServiceOut(
        id=service.id,
        name=service.name or service.id,
        team=service.team,
        team_name=item.team_name,
        importance=service.importance,
        policy=service.escalation_policy,
        tiers=[_tier(tier, zone) for tier in item.tiers],
        pages_nobody=verdict.pages_nobody,
        status=verdict.status,
        reason=verdict.reason,
        maintenance_until=t(verdict.maintenance_until),
        next_handover=_handover(item.handover, zone),
        open_incidents=len(item.open_incidents),
        open_incident_ids=[i.id for i in item.open_incidents],
        gaps=[Span(start=g.start.astimezone(zone), end=g.end.astimezone(zone)) for g in item.gaps],
        gap_hours=item.gap_hours,
        incidents_30d=fig.incidents if fig else 0,
        mtta_seconds=item.mtta_seconds,
        mttr_seconds=item.mttr_seconds,
    )


def _tier(tier: TierNow, zone: tzinfo) -> TierOut:
    return TierOut(
        number=tier.number,
        escalate_after_seconds=int(tier.escalate_after.total_seconds()),
        targets=[
            TargetOut(
                target=t.target,
                schedule=t.schedule,
                schedule_name=t.schedule_name,
                person=t.person.id if t.person else None,
                person_name=t.person.display_name if t.person else None,
                start=t.start.astimezone(zone) if t.start else None,
                end=t.end.astimezone(zone) if t.end else None,
            )
            for t in tier.targets
        ],
    )


def _handover(handover: Handover | None, zone: tzinfo) -> HandoverOut | None:
    if handover is None:
        return None
    return HandoverOut(
        at=handover.at.astimezone(zone),
        schedule=handover.schedule,
        person=handover.person.id if handover.person else None,
        person_name=handover.person.display_name if handover.person else None,
    )


def register(api: Api) -> None:
    """Declare the readiness operations on ``api``."""

    @api.get(
        "/services",
        summary="Every service's readiness: who is on call per tier, gaps, incidents, MTTA/MTTR",
        response=ServicesOut,
        params=ServicesParams,
        tag="readiness",
    )
    async def services(request: web.Request, params: ServicesParams) -> ServicesOut:
        zone = zone_param(params.tz)
        found = await data.board(deps_of(request), params.days)
        return ServicesOut(
            at=found.now.astimezone(zone),
            until=found.until.astimezone(zone),
            services=[service_out(s, zone) for s in found.services],
        )

    @api.get(
        "/services/{service_id}",
        summary="One service's readiness",
        response=ServiceOut,
        params=ServiceParams,
        tag="readiness",
        errors=(404,),
    )
    async def one_service(request: web.Request, params: ServiceParams) -> ServiceOut:
        zone = zone_param(params.tz)
        found = await data.board(deps_of(request), params.days, only=params.service_id)
        if not found.services:
            raise ApiError(404, f"no service {params.service_id!r}")
        return service_out(found.services[0], zone)

    @api.get(
        "/oncall",
        summary="Who is on call in every schedule now or at a given instant (oncall who --json)",
        response=OncallOut,
        params=OncallParams,
        tag="readiness",
    )
    async def oncall(request: web.Request, params: OncallParams) -> OncallOut:
        deps = deps_of(request)
        zone = zone_param(params.tz)
        moment = at_param(params.at, zone, deps.clock.now().replace(microsecond=0))
        answer = await who_query.who(deps.read_unit(), moment)
        rows = []
        for row in answer.rows:
            found = row.current
            person = found.person if found else row.direct
            rows.append(
                OncallRow(
                    schedule=row.schedule,
                    person=person.id if person else None,
                    start=found.start.astimezone(zone) if found else None,
                    end=found.end.astimezone(zone) if found and found.end else None,
                )
            )
        return OncallOut(at=answer.at.astimezone(zone), oncall=rows)

    @api.get(
        "/gaps",
        summary="Coverage gaps per service over the next days (oncall gaps --json)",
        response=GapsOut,
        params=GapsParams,
        tag="readiness",
    )
    async def gaps(request: web.Request, params: GapsParams) -> GapsOut:
        deps = deps_of(request)
        zone = zone_param(params.tz)
        lo = deps.clock.now().replace(microsecond=0)
        hi = lo + timedelta(days=params.days)
        state = await data.gap_state(deps.read_unit(), lo, hi)
        return GapsOut(
            start=lo.astimezone(zone),
            end=hi.astimezone(zone),
            services=[
                ServiceGaps(
                    service=service.id,
                    importance=service.importance,
                    gaps=[
                        Span(start=g.start.astimezone(zone), end=g.end.astimezone(zone))
                        for g in found
                    ],
                )
                for service, found in data.coverage(state, lo, hi)
            ],
        )
