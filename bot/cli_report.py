"""``oncall report``: MTTA, MTTR, pages, off-hours load and hours on call over a window.

Renders :func:`core.metrics.report.response_report`. ``--since`` and ``--until`` are dates or
instants (dates and local times read in ``--tz``, else the configuration's zone); the default
window is the 30 days before now. The JSON document's shape is in the README ("oncall report
--json"): times ISO 8601 with offsets (``--tz``, else UTC), durations in seconds (integers;
null where there is nothing to measure). Read-only: nothing is ever written.
"""

from __future__ import annotations

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

if TYPE_CHECKING:
    from bot.settings import Settings
    from core.metrics.report import Figures, Report


@friendly
def report(
    since: Annotated[
        str | None, typer.Option("--since", help="Date or instant; default 30 days before --until")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="Date or instant; default now")
    ] = None,
    team: Annotated[str | None, typer.Option("--team", help="One team only")] = None,
    tz: Tz = None,
    as_json: AsJson = False,
) -> None:
    """MTTA, MTTR, pages per person, off-hours load and hours on call (incidents resolved in
    the window)."""
    settings = load_settings()
    doc, table = run(report_window(settings, since=since, until=until, team=team, tz=tz))
    emit(doc, table, as_json)


async def report_window(
    settings: Settings, *, since: str | None, until: str | None, team: str | None, tz: str | None
) -> tuple[dict[str, Any], list[str]]:
    """The report's JSON document and table lines. :class:`UsageError` for bad input."""
    from core.config.model import Configuration
    from core.config.timefmt import zone as zone_named
    from core.metrics.report import DEFAULT_REPORT, response_report
    from storage.uow import SqlUnitOfWork, session_factory

    show = viewer(tz)
    moment = now()
    async with database(settings) as engine:
        sessions = session_factory(engine)
        async with SqlUnitOfWork(sessions, write=False) as uow:
            config = await uow.config.load() or Configuration()
        read_zone = show.zone or zone_named(config.timezone)
        hi = read_time(until, moment, read_zone, "--until")
        lo = read_time(since, hi - DEFAULT_REPORT, read_zone, "--since")
        if hi <= lo:
            raise UsageError("--until must be after --since")
        found = await response_report(SqlUnitOfWork(sessions, write=False), lo, hi, team)
    return document(found, show), lines(found, show, config.timezone)


def document(found: Report, show: Viewer) -> dict[str, Any]:
    """The ``--json`` document (README: "oncall report --json"): the dashboard's
    :class:`web.load.models.ReportOut`, so the CLI and ``GET /api/v1/report`` cannot drift."""
    from web.load.data import report_out

    doc: dict[str, Any] = report_out(found, show.zone).model_dump(mode="json")
    return doc


def figure_line(f: Figures) -> str:
    """``3 incidents · MTTA 7m 00s (p90 10m 00s) · MTTR ...`` in one line."""
    from bot.commands.stats import duration

    return (
        f"{f.incidents} incident{'s' if f.incidents != 1 else ''} · "
        f"MTTA {duration(f.mtta_median)} (p90 {duration(f.mtta_p90)}) · "
        f"MTTR {duration(f.mttr_median)} (p90 {duration(f.mttr_p90)}) · "
        f"{f.pages} pages, {f.off_hours_pages} off-hours ({duration(f.off_hours_time)})"
    )


def lines(found: Report, show: Viewer, timezone: str) -> list[str]:
    """The table form."""
    from bot.commands.stats import duration

    head = (
        f"Incidents resolved {show.table_time(found.start, timezone)} to "
        f"{show.table_time(found.end, timezone)}" + (f", team {found.team}" if found.team else "")
    )
    out = [head, f"  {figure_line(found.overall)}", "", "By team:"]
    out += [f"  {t}: {figure_line(f)}" for t, f in found.by_team] or ["  -"]
    out += ["", "By service:"]
    out += [f"  {s}: {figure_line(f)}" for s, _, f in found.by_service] or ["  -"]
    out += ["", "By person:  pages  off-hours  off-hours time  acked  resolved  on call"]
    for p in found.by_person:
        out.append(
            f"  {p.person:<10} {p.pages:>5}  {p.off_hours_pages:>9}"
            f"  {duration(p.off_hours_time):>14}  {p.acknowledged:>5}  {p.resolved:>8}"
            f"  {duration(p.on_call):>8}"
        )
    if not found.by_person:
        out.append("  -")
    return out
