"""``/api/v1/incidents``: the listing, one incident's document, acknowledge and resolve.

Errors (problem+json): 400 for a bad parameter, an unknown ``tz``, a bad body or an unknown
person; 404 for an unknown incident; 409 when the transition is not allowed (acknowledging or
resolving a resolved incident); 415 for a body that is not JSON. Nothing is written on any.
"""

from __future__ import annotations

from datetime import tzinfo

from aiohttp import web

from core.incidents.lifecycle import TransitionError
from core.incidents.service import IncidentNotFound
from web.deps import deps_of
from web.incidents import data
from web.incidents.models import (
    ActBody,
    IncidentDocument,
    IncidentList,
    ListQuery,
    OneQuery,
)
from web.openapi import Api
from web.params import zone_param
from web.problems import ApiError

STATUSES = {
    "open": data.OPEN,
    "all": data.ALL,
    "triggered": frozenset({"triggered"}),
    "acknowledged": frozenset({"acknowledged"}),
    "resolved": frozenset({"resolved"}),
}


async def _document(request: web.Request, incident_id: int, zone: tzinfo) -> IncidentDocument:
    deps = deps_of(request)
    loaded = await data.load(deps, incident_id, deps.clock.now())
    if loaded is None:
        raise ApiError(404, f"no incident {incident_id}")
    return data.document(loaded, zone)


def register(api: Api) -> None:
    """Declare the incidents operations on ``api``."""

    @api.get(
        "/incidents",
        summary="Incidents, newest first (open ones unless status says otherwise)",
        response=IncidentList,
        params=ListQuery,
        tag="incidents",
    )
    async def list_incidents(request: web.Request, params: ListQuery) -> IncidentList:
        zone = zone_param(params.tz)
        page = await data.listing(
            deps_of(request), STATUSES[params.status], params.limit, params.before
        )
        return IncidentList(
            incidents=[data.item(r, page.tickets.get(r.id), zone) for r in page.records],
            next_before=page.next_before,
        )

    @api.get(
        "/incidents/{incident_id}",
        summary="One incident: its fields, timeline, ticket, metrics and review",
        response=IncidentDocument,
        params=OneQuery,
        tag="incidents",
        errors=(404,),
    )
    async def one_incident(request: web.Request, params: OneQuery) -> IncidentDocument:
        return await _document(request, params.incident_id, zone_param(params.tz))

    async def act(
        request: web.Request, params: OneQuery, body: ActBody, resolve: bool
    ) -> IncidentDocument:
        zone = zone_param(params.tz)
        try:
            await data.act_as(deps_of(request), params.incident_id, body.as_, resolve=resolve)
        except data.UnknownPerson as exc:
            raise ApiError(400, str(exc)) from None
        except IncidentNotFound:
            raise ApiError(404, f"no incident {params.incident_id}") from None
        except TransitionError as exc:
            raise ApiError(409, f"incident {params.incident_id}: {exc}") from None
        return await _document(request, params.incident_id, zone)

    @api.post(
        "/incidents/{incident_id}/acknowledge",
        summary="Acknowledge an incident as a configured person (escalation stops)",
        response=IncidentDocument,
        body=ActBody,
        params=OneQuery,
        tag="incidents",
        errors=(404, 409),
    )
    async def acknowledge(
        request: web.Request, params: OneQuery, body: ActBody
    ) -> IncidentDocument:
        return await act(request, params, body, False)

    @api.post(
        "/incidents/{incident_id}/resolve",
        summary="Resolve an incident as a configured person",
        response=IncidentDocument,
        body=ActBody,
        params=OneQuery,
        tag="incidents",
        errors=(404, 409),
    )
    async def resolve(request: web.Request, params: OneQuery, body: ActBody) -> IncidentDocument:
        return await act(request, params, body, True)
