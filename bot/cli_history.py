"""``oncall history [--person P] [--since D] [--until D] [--json]``: the assignment history.

Renders :func:`core.history.service.history` over ``[--since, --until)`` (default: the 30
days up to now). Dates and naive times are read in ``--tz``, else the configuration's zone.
JSON (README, "oncall history --json"): ``{"since": T, "until": T, "person": P | null,
"entries": [{"at": T, "kind": K, "person": P | null, "subject": S, "detail": S}]}``, shift
entries with ``to`` and ``source`` as well. Bad dates, an inverted or over-400-day window, an
unknown person or zone: exit 2.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bot.cli_common import (
    AsJson,
    Tz,
    UsageError,
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

DEFAULT_DAYS = 30


@friendly
def history(
    person: Annotated[str | None, typer.Option(help="Only what concerns this person")] = None,
    since: Annotated[str | None, typer.Option(help="Date or instant; default 30 days ago")] = None,
    until: Annotated[str | None, typer.Option(help="Date or instant; default now")] = None,
    tz: Tz = None,
    as_json: AsJson = False,
) -> None:
    """Assignment history: shifts, overrides, swaps, covers, time off, pages, acks, resolutions."""
    document, lines = run(
        history_window(load_settings(), person=person, since=since, until=until, tz=tz)
    )
    emit(document, lines, as_json)


async def history_window(
    settings: Settings,
    *,
    person: str | None,
    since: str | None,
    until: str | None = None,
    tz: str | None = None,
) -> tuple[dict[str, Any], list[str]]:
    """The document and table lines of ``oncall history``."""
    from core.config.model import Configuration
    from core.config.timefmt import zone as zone_named
    from core.history.service import history as load_history
    from core.oncall.listing import InvalidWindow
    from storage.uow import SqlUnitOfWork, session_factory

    show = viewer(tz)
    async with database(settings) as engine:
        async with SqlUnitOfWork(session_factory(engine), write=False) as uow:
            config = await uow.config.load() or Configuration()
        zone_name = config.timezone
        read_zone = show.zone or zone_named(zone_name)
        current = now()
        end = read_time(until, current, read_zone, "--until")
        start = read_time(since, end - timedelta(days=DEFAULT_DAYS), read_zone, "--since")
        try:
            entries = await load_history(
                SqlUnitOfWork(session_factory(engine), write=False),
                start,
                end,
                person,
                now=current,
            )
        except InvalidWindow as exc:
            message = "--since must be before --until (default now)"
            raise UsageError(message if exc.inverted else str(exc)) from None
    rows = []
    for e in entries:
        row: dict[str, Any] = {
            "at": show.json_time(e.at),
            "kind": e.kind,
            "person": e.person,
            "subject": e.subject,
            "detail": e.detail,
        }
        if e.kind == "shift":
            row |= {"to": show.json_time(e.end), "source": e.source}
        rows.append(row)
    document = {
        "since": show.json_time(start),
        "until": show.json_time(end),
        "person": person,
        "entries": rows,
    }
    lines = [
        f"{show.table_time(e.at, zone_name)}  {e.kind:<11} {e.person or '-':<10} "
        f"{e.subject:<22} {e.detail}"
        for e in entries
    ] or ["nothing happened in this window"]
    return document, lines
