"""``GET /load``: per person load of a team over a period, as bars and as a table.

Bad input answers a 4xx page saying what was wrong (an unknown team 404; an unknown time zone,
an unreadable, inverted or over-long period 400), with the form to try again. Read only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from aiohttp import web

from core.config.model import Configuration
from core.metrics.load import Load, PersonLoad
from web.bars import BarChart, bar_chart
from web.deps import deps_of
from web.load.data import PeriodError, load_of, read_period
from web.render import render, viewer_zone, zone_names


@dataclass(frozen=True)
class Row:
    """One person's numbers as the table shows them."""

    person: str
    name: str
    teams: str
    hours: float
    pages: int
    off_hours_minutes: int
    rests: int
    rest_minutes: int


def _minutes(value: timedelta) -> int:
    return int(value.total_seconds() // 60)


def _row(p: PersonLoad) -> Row:
    return Row(
        person=p.person,
        name=p.name,
        teams=", ".join(p.teams) or "—",
        hours=round(p.on_call.total_seconds() / 3600, 1),
        pages=p.pages,
        off_hours_minutes=_minutes(p.off_hours_time),
        rests=p.rest_count,
        rest_minutes=_minutes(p.rest_time),
    )


def charts(rows: list[Row]) -> list[BarChart]:
    """One chart per figure, people in the same order."""
    return [
        bar_chart("Hours on call", [(r.name, r.hours) for r in rows], lambda v: f"{v:.1f} h"),
        bar_chart(
            "Pages received",
            [(r.name, r.pages) for r in rows],
            lambda v: f"{v:.1f}".removesuffix(".0"),
        ),
        bar_chart(
            "Off-hours minutes paged",
            [(r.name, r.off_hours_minutes) for r in rows],
            lambda v: f"{v:.0f} min",
        ),
        bar_chart(
            "Rest granted (minutes)",
            [(r.name, r.rest_minutes) for r in rows],
            lambda v: f"{v:.0f} min",
        ),
    ]


def _mean(values: list[float]) -> float:
    return round(sum(values) / len(values), 1) if values else 0.0


async def load_page(request: web.Request) -> web.Response:
    """The load page (see the module docstring)."""
    deps = deps_of(request)
    q = request.query
    asked = {k: q.get(k, "")[:64] for k in ("team", "since", "until")}
    try:
        # dates are read in the zone asked for (an unknown one is refused), else the viewer's
        tz = q.get("tz") if "tz" in q else viewer_zone(request, "")
        period = await read_period(deps, q.get("since"), q.get("until"), q.get("team"), tz)
    except PeriodError as exc:
        async with deps.read_unit() as uow:
            config = await uow.config.load() or Configuration()
        return render(
            request,
            "load.html",
            status=exc.status,
            error=exc.detail,
            team=None,
            config=config,
            asked=asked,
            keep={k: v for k, v in asked.items() if v},
            zone=viewer_zone(request, config.timezone),
            tz=viewer_zone(request, config.timezone),
            zones=zone_names(),
        )
    load: Load = await load_of(deps, period)
    rows = [_row(p) for p in load.people]
    zone = viewer_zone(request, period.config.timezone)
    team = next((t for t in period.config.teams if t.id == period.team), None)
    means = {
        "hours": _mean([r.hours for r in rows]),
        "pages": _mean([r.pages for r in rows]),
        "off_hours_minutes": _mean([r.off_hours_minutes for r in rows]),
        "rests": _mean([r.rests for r in rows]),
        "rest_minutes": _mean([r.rest_minutes for r in rows]),
    }
    return render(
        request,
        "load.html",
        error=None,
        config=period.config,
        asked=asked,
        keep={k: v for k, v in asked.items() if v},
        team=team,
        start=period.start,
        end=period.end,
        rows=rows,
        charts=charts(rows),
        means=means,
        zone=zone,
        tz=zone,
        zones=zone_names(),
    )
