"""The load area's API operations: the response report and the load per person."""

from __future__ import annotations

from aiohttp import web

from web.deps import deps_of
from web.load.data import Period, PeriodError, load_of, load_out, read_period, report_of, report_out
from web.load.models import LoadOut, PeriodParams, ReportOut
from web.openapi import Api
from web.problems import ApiError


async def _period(request: web.Request, params: PeriodParams) -> Period:
    try:
        return await read_period(
            deps_of(request), params.since, params.until, params.team, params.tz
        )
    except PeriodError as exc:
        raise ApiError(exc.status, exc.detail) from None


def register(api: Api) -> None:
    """Declare ``GET /api/v1/report`` and ``GET /api/v1/load``."""

    @api.get(
        "/report",
        summary="MTTA, MTTR, pages, off-hours load and hours on call (as `oncall report --json`)",
        response=ReportOut,
        params=PeriodParams,
        tag="load",
        errors=(404,),
    )
    async def report(request: web.Request, params: PeriodParams) -> ReportOut:
        period = await _period(request, params)
        return report_out(await report_of(deps_of(request), period), period.zone)

    @api.get(
        "/load",
        summary="Per person: hours on call, pages, off-hours minutes and rest granted",
        response=LoadOut,
        params=PeriodParams,
        tag="load",
        errors=(404,),
    )
    async def load(request: web.Request, params: PeriodParams) -> LoadOut:
        period = await _period(request, params)
        return load_out(await load_of(deps_of(request), period), period.zone)
