"""``GET /schedules`` and ``GET /schedules/{schedule_id}``: the schedules' pages.

A schedule's page shows ``days`` days (1..31, default 14) from local midnight of ``from``
(``YYYY-MM-DD``, default today) in the viewer's time zone (``?tz=``, else the remembered one,
else the schedule's). An unknown schedule is a 404 page; a ``from``, ``days`` or ``tz`` that
cannot be read is a 400 page saying which and why.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from core.config.model import ID_PATTERN
from core.oncall.listing import ListedShift
from core.timeinput import TimeInputError, parse_day
from web.deps import deps_of
from web.params import small_int
from web.render import render, viewer_zone, zone_names, zone_or_none
from web.schedules import data
from web.timeline import Segment, Timeline, timeline

DEFAULT_DAYS = 14
MAX_DAYS = 31
SOURCE_KIND = {"override": "override", "swap": "swap", "cover": "cover"}


def source_kind(source: str) -> str:
    """The timeline kind of a final shift's source: override, swap, cover, else shift."""
    return SOURCE_KIND.get(source, "shift")


def source_text(source: str) -> str:
    """``layer weekly``, ``override``, ``swap``, ``cover``."""
    kind, _, ref = source.partition(":")
    return f"layer {ref}" if kind == "layer" else source


def _error(
    request: web.Request, status: int, message: str, zone: str | None = None
) -> web.Response:
    return render(
        request, "schedule_error.html", status=status, message=message, status_code=status, tz=zone
    )


async def list_page(request: web.Request) -> web.Response:
    """Every schedule: name, team, zone, who is on call now, until when, who is next."""
    deps = deps_of(request)
    if "tz" in request.query and zone_or_none(request.query["tz"]) is None:
        return _error(request, 400, f"unknown time zone {request.query['tz']!r}")
    config, rows = await data.every_schedule(deps, deps.clock.now())
    zone = viewer_zone(request, config.timezone)
    by_id = {r.schedule: r for r in rows}
    listed = [(s, data.zone_of(config, s), by_id.get(s.id)) for s in config.schedules]
    return render(
        request,
        "schedules.html",
        tz=zone,
        zones=zone_names(),
        schedules=listed,
        now=deps.clock.now(),
    )


def _read(request: web.Request, zone_name: str) -> tuple[date, int] | str:
    """``from`` and ``days`` of the query, or what is wrong with them."""
    query = request.query
    now = deps_of(request).clock.now()
    raw_days = query.get("days", str(DEFAULT_DAYS))
    days = small_int(raw_days, 1, MAX_DAYS)
    if days is None:
        return f"days must be a whole number from 1 to {MAX_DAYS}, not {raw_days[:40]!r}"
    try:
        day = (
            parse_day(query["from"][:40], what="from")
            if "from" in query
            else now.astimezone(zone_or_none(zone_name)).date()
        )
    except TimeInputError as exc:
        return str(exc)
    return day, days


async def schedule_page(request: web.Request) -> web.Response:
    """One schedule's timeline (layers, final, time off) and its final shifts as a table."""
    deps = deps_of(request)
    schedule_id = request.match_info["schedule_id"]
    if len(schedule_id) > 100 or not re.match(ID_PATTERN, schedule_id):
        return _error(request, 404, f"no schedule is called {schedule_id[:100]!r}")
    try:
        config, schedule = await data.configured(deps, schedule_id)
    except data.UnknownSchedule:
        return _error(request, 404, f"no schedule is called {schedule_id!r}")
    chosen = request.query.get("tz")
    if chosen is not None and zone_or_none(chosen) is None:
        return _error(request, 400, f"unknown time zone {chosen[:64]!r}")
    zone_name = viewer_zone(request, data.zone_of(config, schedule))
    zone = zone_or_none(zone_name)
    assert zone is not None  # viewer_zone only gives known zones; a schedule's zone is valid
    read = _read(request, zone_name)
    if isinstance(read, str):
        return _error(request, 400, read, zone_name)
    day, days = read
    try:
        lo, hi = data.page_window(day, days, zone, deps.clock.now())
    except data.BadWindow as exc:
        return _error(request, 400, str(exc), zone_name)
    got = await data.window_of(deps, config, schedule, lo, hi)
    keep = {"from": day.isoformat(), "days": str(days)}
    if chosen is not None:
        keep["tz"] = chosen

    def link(to: date) -> str:
        return "?" + urlencode(sorted({**keep, "from": to.isoformat()}.items()))

    return render(
        request,
        "schedule.html",
        tz=zone_name,
        zones=zone_names(),
        keep={k: v for k, v in keep.items() if k != "tz"},
        got=got,
        tl=_timeline(got, zone_name),
        rows=_rows(got),
        day=day,
        days=days,
        previous=link(day - timedelta(days=days)),
        following=link(day + timedelta(days=days)),
        today=link(deps.clock.now().astimezone(zone).date()),
        source_text=source_text,
    )


def _timeline(got: data.ScheduleWindow, zone: str) -> Timeline:
    tracks: list[tuple[str, list[Segment]]] = []
    for track in got.layers:
        tracks.append(
            (
                f"Layer {track.layer}",
                [
                    Segment(s.start, s.end, got.name_of(s.person), source_kind(s.source))
                    for s in track.shifts
                ],
            )
        )
    final = [
        Segment(
            s.start,
            s.end,
            s.person.display_name + ("" if s.source.startswith("layer:") else f" ({s.source})"),
            source_kind(s.source),
        )
        for s in got.final.shifts
    ]
    final += [Segment(g.start, g.end, "gap: nobody", "gap") for g in got.final.gaps]
    tracks.append(("Final schedule", final))
    people = sorted({t.person for t in got.time_off}, key=got.name_of)
    for person in people:
        spans = [t for t in got.time_off if t.person == person]
        label = f"Time off: {got.name_of(person)}"
        tracks.append((label, [Segment(t.start, t.end, "time off", "timeoff") for t in spans]))
    return timeline(got.start, got.end, zone, tracks)


def _rows(got: data.ScheduleWindow) -> list[dict[str, Any]]:
    """The final shifts and the gaps in time order, as table rows."""
    rows: list[dict[str, Any]] = []
    for item in got.final.timeline:
        if isinstance(item, ListedShift):
            rows.append(
                {
                    "person": item.person.display_name,
                    "start": item.start,
                    "end": item.end,
                    "source": item.source,
                    "kind": source_kind(item.source),
                }
            )
        else:
            rows.append(
                {
                    "person": None,
                    "start": item.start,
                    "end": item.end,
                    "source": "gap",
                    "kind": "gap",
                }
            )
    return rows


def add_routes(app: web.Application) -> None:
    """Register the two pages."""
    app.router.add_get("/schedules", list_page)
    app.router.add_get("/schedules/{schedule_id}", schedule_page)
