"""``oncall schedule`` and ``oncall gaps``: the final schedule over a window, coverage gaps.

``schedule`` renders :func:`core.oncall.listing.schedule_listing`. JSON shapes are
CONTRACT.md's. Times in JSON are ISO 8601 with offsets, in ``--tz`` when given, else UTC;
tables show times in ``--tz``, else the configuration's time zone.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bot.cli_common import (
    AsJson,
    Tz,
    UsageError,
    Viewer,
    database,
    emit,
    friendly,
    load_settings,
    now,
    read_time,
    run,
    viewer,
)
from bot.cli_who import shown

if TYPE_CHECKING:
    from bot.settings import Settings
    from core.oncall.listing import Listing, ScheduleShifts


@friendly
def schedule(
    schedule: Annotated[str | None, typer.Option(help="One schedule")] = None,
    team: Annotated[str | None, typer.Option(help="Every schedule of the team")] = None,
    start: Annotated[
        str | None, typer.Option("--from", help="Date or instant; default now")
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", help="Date or instant; default +7 days")
    ] = None,
    tz: Tz = None,
    as_json: AsJson = False,
) -> None:
    """The final schedule over a window: shifts (overrides, swaps, covers included) and gaps."""
    document, lines = run(
        schedule_window(
            load_settings(), schedule_id=schedule, team=team, start=start, end=end, tz=tz
        )
    )
    emit(document, lines, as_json)


@friendly
def gaps(
    days: Annotated[int, typer.Option(help="How many days ahead to look")] = 14,
    tz: Tz = None,
    as_json: AsJson = False,
) -> None:
    """Coverage gaps per service: when its first escalation tier would page nobody."""
    document, lines = run(coverage_gaps(load_settings(), days=days, tz=tz))
    emit(document, lines, as_json)


async def schedule_window(
    settings: Settings,
    *,
    schedule_id: str | None,
    team: str | None,
    start: str | None,
    end: str | None,
    tz: str | None,
) -> tuple[dict[str, Any], list[str]]:
    """``oncall schedule``: the final schedule over a window (default: the next seven days).

    Dates and local times are read in ``--tz``, else in the first schedule's zone.
    """
    from core.config.model import Configuration
    from core.config.timefmt import zone as zone_named
    from core.oncall.listing import InvalidWindow, listing_zone, schedule_listing
    from core.oncall.targets import Target
    from storage.uow import SqlUnitOfWork, session_factory

    if (schedule_id is None) == (team is None):
        raise UsageError("give exactly one of --schedule or --team")
    target = Target("schedule", schedule_id) if schedule_id else Target("team", team or "")
    show = viewer(tz)
    moment = now()
    async with database(settings) as engine:
        async with SqlUnitOfWork(session_factory(engine), write=False) as uow:
            config = await uow.config.load() or Configuration()
        zone_name = listing_zone(config, target)
        read_zone = show.zone or (zone_named(zone_name) if zone_name else None)
        lo = read_time(start, moment, read_zone, "--from")
        hi = read_time(end, lo + timedelta(days=7), read_zone, "--to")
        try:
            listing = await schedule_listing(
                SqlUnitOfWork(session_factory(engine), write=False), target, lo, hi
            )
        except InvalidWindow as exc:
            raise UsageError("--to must be after --from" if exc.inverted else str(exc)) from None
    documents = [_schedule_doc(show, listing, s) for s in listing.schedules]
    lines = list(_schedule_lines(show, listing))
    if schedule_id is not None:
        return documents[0], lines
    return {
        "team": team,
        "from": show.json_time(listing.start),
        "to": show.json_time(listing.end),
        "schedules": documents,
    }, lines


def _schedule_doc(show: Viewer, listing: Listing, one: ScheduleShifts) -> dict[str, Any]:
    return {
        "schedule": one.schedule,
        "from": show.json_time(listing.start),
        "to": show.json_time(listing.end),
        "shifts": [
            {
                "person": s.person.id,
                "from": show.json_time(s.start),
                "to": show.json_time(s.end),
                "source": s.source,
            }
            for s in one.shifts
        ],
        "gaps": [{"from": show.json_time(g.start), "to": show.json_time(g.end)} for g in one.gaps],
    }


def _schedule_lines(show: Viewer, listing: Listing) -> Iterator[str]:
    zone = listing.timezone

    def span(start: datetime, end: datetime) -> str:
        return f"  {show.table_time(start, zone)} -> {show.table_time(end, zone)}  "

    for one in listing.schedules:
        yield (
            f"{one.schedule}: {show.table_time(listing.start, zone)} to "
            f"{show.table_time(listing.end, zone)}"
        )
        entries: list[tuple[datetime, str]] = [
            (s.start, f"{span(s.start, s.end)}{shown(s.person)}  [{s.source}]") for s in one.shifts
        ]
        entries += [(g.start, f"{span(g.start, g.end)}NOBODY (gap)") for g in one.gaps]
        for _, line in sorted(entries):
            yield line


async def coverage_gaps(
    settings: Settings, *, days: int, tz: str | None
) -> tuple[dict[str, Any], list[str]]:
    """``oncall gaps``: per service, when its first tier would page nobody in the next days."""
    from core.oncall import views
    from storage.uow import SqlUnitOfWork, session_factory

    if not 1 <= days <= 400:
        raise UsageError("--days must be between 1 and 400")
    show = viewer(tz)
    lo = now()
    hi = lo + timedelta(days=days)
    async with (
        database(settings) as engine,
        SqlUnitOfWork(session_factory(engine), write=False) as uow,
    ):
        state = await views.load_state(uow, lo, hi)
    config = state.config
    zone = config.timezone
    services = []
    lines = [f"Coverage gaps from {show.table_time(lo, zone)} to {show.table_time(hi, zone)}:"]
    for service in config.services:
        found = views.coverage_gaps(state, service.id, lo, hi)
        services.append(
            {
                "service": service.id,
                "importance": service.importance,
                "gaps": [
                    {"from": show.json_time(g.start), "to": show.json_time(g.end)} for g in found
                ],
            }
        )
        for g in found:
            hours = (g.end - g.start).total_seconds() / 3600
            lines.append(
                f"  {service.id} ({service.importance}): {show.table_time(g.start, zone)} -> "
                f"{show.table_time(g.end, zone)} ({hours:.1f} h)"
            )
    if len(lines) == 1:
        lines.append("  none: every service has someone to page")
    return {"from": show.json_time(lo), "to": show.json_time(hi), "services": services}, lines
