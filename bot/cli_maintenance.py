"""``oncall maintenance``: make, list and cancel maintenance windows (alerts recorded, not
paged), through :mod:`core.maintenance.service` (validated, audited).

``oncall maintenance (--service S | --team T) --from T --to T [--reason R]`` makes one;
``--list`` shows the current and upcoming ones (configured and stored); ``--cancel ID`` cancels a
stored one. Times are read as ``oncall override`` reads them (ISO 8601 with an offset, or local
with ``--tz``); a window may last at most 31 days. Bad input is exit 2 with nothing changed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from bot.cli_common import (
    Actor,
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
    user,
    viewer,
)

if TYPE_CHECKING:
    from bot.settings import Settings
    from core.maintenance.windows import Window


@friendly
def maintenance(
    service: Annotated[str | None, typer.Option(help="The service in maintenance")] = None,
    team: Annotated[str | None, typer.Option(help="The team whose services are in it")] = None,
    start: Annotated[str | None, typer.Option("--from", help="ISO 8601 instant")] = None,
    end: Annotated[str | None, typer.Option("--to", help="ISO 8601 instant")] = None,
    reason: Annotated[str | None, typer.Option(help="Why, for the record")] = None,
    listing: Annotated[bool, typer.Option("--list", help="Current and upcoming windows")] = False,
    cancel: Annotated[int | None, typer.Option("--cancel", help="Cancel window ID")] = None,
    tz: Tz = None,
    actor: Actor = None,
    as_json: AsJson = False,
) -> None:
    """A maintenance window: alerts of the service (or team) are recorded, not paged; an
    incident still firing at its end pages then."""
    making = any(v is not None for v in (service, team, start, end, reason))
    if sum((listing, cancel is not None, making)) != 1:
        raise UsageError(
            "give --service S or --team T with --from and --to, or --list, or --cancel ID"
        )
    settings = load_settings()
    who = actor or f"cli:{user()}"
    if listing:
        document, lines = run(list_windows(settings, tz))
    elif cancel is not None:
        document, lines = run(cancel_window(settings, cancel, who, tz))
    else:
        if start is None or end is None:
            raise UsageError("--from and --to are required")
        document, lines = run(create_window(settings, service, team, start, end, reason, who, tz))
    emit(document, lines, as_json)


def window_json(window: Window, tz: str | None) -> dict[str, Any]:
    """One window as ``--json`` shows it (``id`` null for a configured one)."""
    shown = viewer(tz)
    return {
        "id": window.id,
        "service": window.service,
        "team": window.team,
        "from": shown.json_time(window.start),
        "to": shown.json_time(window.end),
        "reason": window.reason,
        "source": "config" if window.id is None else "cli",
    }


def _line(window: dict[str, Any]) -> str:
    ident = f"#{window['id']}" if window["id"] is not None else "(config)"
    subject = f"service {window['service']}" if window["service"] else f"team {window['team']}"
    why = f"  {window['reason']}" if window["reason"] else ""
    return f"{ident:<9} {subject:<28} {window['from']} -> {window['to']}{why}"


async def create_window(
    settings: Settings,
    service: str | None,
    team: str | None,
    start: str,
    end: str,
    reason: str | None,
    actor: str,
    tz: str | None,
) -> tuple[dict[str, Any], list[str]]:
    """Store the window; the document and lines to print."""
    from core.maintenance import service as use_cases
    from core.maintenance.windows import stored_windows
    from storage.uow import SqlUnitOfWork, session_factory

    zone = viewer(tz).zone
    moment = now()
    lo = read_time(start, moment, zone, "--from")
    hi = read_time(end, moment, zone, "--to")
    async with database(settings) as engine:
        try:
            stored = await use_cases.create_window(
                SqlUnitOfWork(session_factory(engine)),
                use_cases.Subject(service=service, team=team),
                lo,
                hi,
                reason=reason,
                actor=actor,
                now=moment,
            )
        except use_cases.MaintenanceError as exc:
            raise UsageError(str(exc)) from None
    window = window_json(stored_windows([stored])[0], tz)
    return {"window": window}, [f"maintenance window made: {_line(window)}"]


async def cancel_window(
    settings: Settings, window_id: int, actor: str, tz: str | None
) -> tuple[dict[str, Any], list[str]]:
    """Cancel a stored window; the document and lines to print."""
    from core.maintenance import service as use_cases
    from core.maintenance.windows import stored_windows
    from storage.uow import SqlUnitOfWork, session_factory

    async with database(settings) as engine:
        try:
            stored = await use_cases.cancel_window(
                SqlUnitOfWork(session_factory(engine)), window_id, actor=actor, now=now()
            )
        except use_cases.MaintenanceError as exc:
            raise UsageError(str(exc)) from None
    window = window_json(stored_windows([stored])[0], tz)
    return {"cancelled": window}, [f"maintenance window cancelled: {_line(window)}"]


async def list_windows(settings: Settings, tz: str | None) -> tuple[dict[str, Any], list[str]]:
    """Current and upcoming windows; the document and lines to print."""
    from core.maintenance import service as use_cases
    from storage.uow import SqlUnitOfWork, session_factory

    viewer(tz)  # an unknown zone is refused before the database is opened
    async with database(settings) as engine:
        windows = await use_cases.list_windows(
            SqlUnitOfWork(session_factory(engine), write=False), now()
        )
    rows = [window_json(w, tz) for w in windows]
    return {"windows": rows}, [_line(r) for r in rows] or ["no current or upcoming windows"]
