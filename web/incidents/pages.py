"""The incident pages: ``GET /incidents`` (open ones, ``?all=1`` for all, 50 a page with
``before=<id>``), ``GET /incidents/{id}`` (the page chat cards and tickets link to) and the
``POST /incidents/{id}/acknowledge|resolve`` forms.

The forms check the CSRF token first (403, nothing changed), then the incident (404), the
person chosen under "Acting as" (400) and the transition (409 when it is not allowed, for
example acknowledging a resolved incident). A success answers 303 back to the incident page
and remembers the person in the ``oncall_as`` cookie (HttpOnly, SameSite=Strict) to preselect
next time. An unknown or malformed id is a 404 page.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo

from aiohttp import web

from core.config.model import Configuration
from core.incidents.cards import incident_description
from core.incidents.lifecycle import TransitionError
from core.incidents.service import IncidentNotFound
from core.tickets.record import ticket_label, ticket_link
from web.access import check_csrf
from web.deps import deps_of
from web.incidents import data
from web.incidents.models import MAX_ID
from web.params import small_int
from web.render import render, viewer_zone, zone_names, zone_or_none
from web.timeline import Segment, timeline

AS_COOKIE = "oncall_as"
PAGE_SIZE = 50
REFRESH_SECONDS = 30


def _id(raw: str | None) -> int | None:
    """An incident id in a path or a query: :func:`web.params.small_int` in 1..MAX_ID, so
    None (a 404 page, or no cursor) for anything but plain ASCII digits, and for ids of ten
    digits (the API takes those; pages reach ids up to 999,999,999)."""
    return small_int(raw, 1, MAX_ID)


def _problem(request: web.Request, status: int, heading: str, message: str) -> web.Response:
    return render(
        request, "incident_error.html", status=status, heading=heading, message=message, tz=None
    )


async def _zone(request: web.Request) -> str:
    async with deps_of(request).read_unit() as uow:
        config = await uow.config.load() or Configuration()
    return viewer_zone(request, config.timezone)


async def incidents_page(request: web.Request) -> web.StreamResponse:
    """The listing (see the module docstring); a bad ``before`` is ignored."""
    show_all = request.query.get("all") == "1"
    before = _id(request.query.get("before"))
    page = await data.listing(
        deps_of(request), data.ALL if show_all else data.OPEN, PAGE_SIZE, before
    )
    zone = await _zone(request)
    rows = [
        {
            "record": r,
            "description": incident_description(r),
            "ticket": ticket_label(ticket_link(page.tickets.get(r.id))),
        }
        for r in page.records
    ]
    keep = {"all": "1"} if show_all else {}
    return render(
        request,
        "incidents.html",
        rows=rows,
        show_all=show_all,
        next_before=page.next_before,
        tz=zone,
        zones=zone_names(),
        keep=keep,
    )


def _target_name(target: str, loaded: data.Loaded) -> str:
    kind, _, ref = target.partition(":")
    if kind == "person":
        return loaded.names.get(ref, ref)
    schedule = next((s for s in loaded.config.schedules if s.id == ref), None)
    return f"schedule {schedule.name if schedule and schedule.name else ref}"


def _drawing(loaded: data.Loaded, now: datetime, zone: str) -> object:
    state, opened = loaded.record.state, loaded.record.opened_at
    end = state.resolved_at or max(now, opened + timedelta(minutes=1))
    acked = state.acknowledged_at
    segments = [Segment(opened, acked or end, "triggered", "incident")]
    if acked is not None and acked < end:
        segments.append(Segment(acked, end, "acknowledged", "shift"))
    margin = max((end - opened) / 20, timedelta(minutes=1))
    return timeline(opened - margin, end + margin, zone, [("Status", segments)])


async def incident_page(request: web.Request) -> web.StreamResponse:
    """One incident in full; an open one reloads every :data:`REFRESH_SECONDS`."""
    incident_id = _id(request.match_info["incident_id"])
    deps = deps_of(request)
    now = deps.clock.now()
    loaded = await data.load(deps, incident_id, now) if incident_id is not None else None
    if loaded is None:
        return _problem(request, 404, "No such incident", "There is no incident with that id.")
    zone = viewer_zone(request, loaded.config.timezone)
    card = loaded.card
    hold = card.get("maintenance_until")
    chosen = request.cookies.get(AS_COOKIE, "")
    people = [(p.id, p.display_name) for p in loaded.config.people]
    doc = data.document(loaded, zone_of(zone))
    return render(
        request,
        "incident.html",
        incident=doc.incident,
        card=card,
        loaded=loaded,
        names=loaded.names,
        links=loaded.links,
        actions=loaded.actions,
        path_tiers=[
            {
                **tier,
                "targets": [_target_name(t, loaded) for t in tier["targets"]],
                "oncall": [loaded.names.get(p, p) for p in tier.get("oncall", [])],
            }
            for tier in card["escalation_path"]
        ],
        hold=datetime.fromisoformat(hold) if isinstance(hold, str) else None,
        timeline=doc.timeline,
        drawing=_drawing(loaded, now, zone),
        ticket=doc.ticket,
        ticket_text=ticket_label(doc.ticket.model_dump()) if doc.ticket else "",
        metrics=doc.metrics,
        review=doc.review,
        people=people,
        chosen=chosen if chosen in dict(people) else "",
        refresh=REFRESH_SECONDS if doc.incident.status != "resolved" else None,
        tz=zone,
        zones=zone_names(),
    )


def zone_of(name: str) -> tzinfo:
    """The zone called ``name`` (UTC when unknown)."""
    return zone_or_none(name) or UTC


async def _act(request: web.Request, *, resolve: bool) -> web.StreamResponse:
    try:
        form = await check_csrf(request)
    except web.HTTPForbidden:
        return _problem(
            request,
            403,
            "Form expired",
            "The form's CSRF token is missing or stale: reload the page.",
        )
    incident_id = _id(request.match_info["incident_id"])
    if incident_id is None:
        return _problem(request, 404, "No such incident", "There is no incident with that id.")
    person = form.get("as", "")
    verb = "resolve" if resolve else "acknowledge"
    try:
        await data.act_as(deps_of(request), incident_id, person, resolve=resolve)
    except data.UnknownPerson:
        return _problem(
            request, 400, "Who are you?", "Choose a configured person under “Acting as”."
        )
    except IncidentNotFound:
        return _problem(request, 404, "No such incident", "There is no incident with that id.")
    except TransitionError as exc:
        return _problem(
            request, 409, f"Cannot {verb} incident #{incident_id}", f"Not allowed now: {exc}."
        )
    response = web.Response(status=303, headers={"Location": f"/incidents/{incident_id}"})
    response.set_cookie(
        AS_COOKIE,
        person,
        max_age=365 * 86400,
        httponly=True,
        samesite="Strict",
        secure=deps_of(request).secure_cookies,
        path="/",
    )
    return response


async def acknowledge(request: web.Request) -> web.StreamResponse:
    """``POST /incidents/{id}/acknowledge`` (see the module docstring)."""
    return await _act(request, resolve=False)


async def resolve(request: web.Request) -> web.StreamResponse:
    """``POST /incidents/{id}/resolve`` (see the module docstring)."""
    return await _act(request, resolve=True)


def add_routes(app: web.Application) -> None:
    """Register the pages and the forms."""
    app.router.add_get("/incidents", incidents_page)
    app.router.add_get("/incidents/{incident_id}", incident_page)
    app.router.add_post("/incidents/{incident_id}/acknowledge", acknowledge)
    app.router.add_post("/incidents/{incident_id}/resolve", resolve)
