"""``GET /api/v1/schedules`` and ``GET /api/v1/schedules/{schedule_id}/shifts``.

Times are ISO 8601 with offsets, in ``tz`` when given, else UTC. The shifts document is
CONTRACT.md's ``oncall schedule --json`` plus ``layers`` and ``time_off``.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from core.oncall.who import OnCallShift
from web.deps import deps_of
from web.openapi import Api
from web.params import zone_param
from web.problems import ApiError
from web.render import zone_or_none
from web.schedules import data
from web.schedules.models import (
    FinalShift,
    LayerRef,
    LayerShift,
    LayerShifts,
    ListParams,
    OnCallNow,
    PersonSpan,
    ScheduleList,
    ScheduleShifts,
    ScheduleSummary,
    ShiftsParams,
    Span,
)


def _on_call(found: OnCallShift | None, zone: tzinfo) -> OnCallNow | None:
    if found is None:
        return None
    return OnCallNow(
        person=found.person.id,
        name=found.person.name,
        since=found.start.astimezone(zone),
        until=found.end.astimezone(zone) if found.end else None,
        source=found.source,
    )


def register(api: Api) -> None:
    """Declare the schedules operations on ``api``."""

    @api.get(
        "/schedules",
        summary="Every schedule with its layers and who is on call now and next",
        response=ScheduleList,
        params=ListParams,
        tag="schedules",
    )
    async def list_schedules(request: web.Request, params: ListParams) -> ScheduleList:
        zone = zone_param(params.tz)
        deps = deps_of(request)
        config, rows = await data.every_schedule(deps, deps.clock.now())
        by_id = {r.schedule: r for r in rows}
        out = []
        for schedule in config.schedules:
            row = by_id.get(schedule.id)
            out.append(
                ScheduleSummary(
                    id=schedule.id,
                    name=schedule.name,
                    team=schedule.team,
                    timezone=data.zone_of(config, schedule),
                    layers=[LayerRef(id=la.id, name=la.id) for la in schedule.layers],
                    on_call=_on_call(row.current if row else None, zone),
                    next=_on_call(row.next if row else None, zone),
                )
            )
        return ScheduleList(schedules=out)

    @api.get(
        "/schedules/{schedule_id}/shifts",
        summary="A schedule's final shifts, gaps, layers and members' time off over a window",
        response=ScheduleShifts,
        params=ShiftsParams,
        tag="schedules",
        errors=(404,),
    )
    async def shifts(request: web.Request, params: Any) -> ScheduleShifts:
        tz_name: str | None = params.tz
        zone = zone_param(tz_name)
        deps = deps_of(request)
        try:
            config, schedule = await data.configured(deps, params.schedule_id)
        except data.UnknownSchedule:
            raise ApiError(404, f"unknown schedule {params.schedule_id!r}") from None
        read_in = zone_or_none(tz_name or data.zone_of(config, schedule)) or ZoneInfo("UTC")
        try:
            lo, hi = data.api_window(getattr(params, "from"), params.to, read_in, deps.clock.now())
        except data.BadWindow as exc:
            raise ApiError(400, str(exc)) from None
        got = await data.window_of(deps, config, schedule, lo, hi)
        return document(got, zone)


def _at(moment: datetime, zone: tzinfo) -> datetime:
    return moment.astimezone(zone)


def document(got: data.ScheduleWindow, zone: tzinfo) -> ScheduleShifts:
    """The shifts document of a window, its times in ``zone``."""
    return ScheduleShifts(
        schedule=got.schedule.id,
        start=_at(got.start, zone),
        end=_at(got.end, zone),
        shifts=[
            FinalShift(
                person=s.person.id, start=_at(s.start, zone), end=_at(s.end, zone), source=s.source
            )
            for s in got.final.shifts
        ],
        gaps=[Span(start=_at(g.start, zone), end=_at(g.end, zone)) for g in got.final.gaps],
        layers=[
            LayerShifts(
                layer=track.layer,
                shifts=[
                    LayerShift(
                        person=s.person,
                        start=_at(s.start, zone),
                        end=_at(s.end, zone),
                        source=s.source,
                    )
                    for s in track.shifts
                ],
            )
            for track in got.layers
        ],
        time_off=[
            PersonSpan(person=t.person, start=_at(t.start, zone), end=_at(t.end, zone))
            for t in got.time_off
        ],
    )
