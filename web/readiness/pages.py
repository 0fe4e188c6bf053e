"""``GET /``: the readiness page, server-rendered from :func:`web.readiness.data.board`.

Times are shown in the viewer's zone (``?tz=``, then the cookie, else the configuration's);
an unknown ``?tz=`` is ignored and the page says which zone it shows. Services that would
page nobody come first, in red, with the reason.
"""

from __future__ import annotations

from aiohttp import web

from web.deps import deps_of
from web.readiness import data
from web.render import render, viewer_zone, zone_names
from web.timeline import Segment, Timeline, timeline

DAYS = 14


def service_timeline(item: data.ServiceReadiness, board: data.Board, zone: str) -> Timeline:
    """The first tier's schedules (who holds each shift) and the service's gaps, one track
    each, over the board's window."""
    tracks: list[tuple[str, list[Segment]]] = [
        (label, [Segment(s.start, s.end, _name(board, s.person), "shift") for s in shifts])
        for label, shifts in item.first_tier_shifts
    ]
    tracks.append(("Gaps", [Segment(g.start, g.end, "nobody", "gap") for g in item.gaps]))
    return timeline(board.now, board.until, zone, tracks)


def _name(board: data.Board, person_id: str) -> str:
    person = board.config.person(person_id)
    return person.display_name if person else person_id


async def readiness_page(request: web.Request) -> web.Response:
    """The readiness of every service (see the module docstring)."""
    found = await data.board(deps_of(request), DAYS, describe=True)
    zone = viewer_zone(request, found.config.timezone)
    rows = [(item, service_timeline(item, found, zone)) for item in found.services]
    return render(
        request,
        "readiness.html",
        board=found,
        rows=rows,
        tz=zone,
        zones=zone_names(),
        days=DAYS,
    )


def add_routes(app: web.Application) -> None:
    """``GET /``."""
    app.router.add_get("/", readiness_page)
