"""``oncall who``: who is on call, rendered from :func:`core.oncall.who.who`.

The JSON shape is CONTRACT.md's. Times in JSON are ISO 8601 with offsets, in ``--tz`` when
given, else UTC; the table shows times in ``--tz``, else the configuration's time zone.
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
    from core.oncall.targets import PersonRef
    from core.oncall.who import WhoAnswer


@friendly
def who(
    service: Annotated[str | None, typer.Option(help="Who the service pages first")] = None,
    team: Annotated[str | None, typer.Option(help="The team's schedules")] = None,
    schedule: Annotated[str | None, typer.Option(help="One schedule")] = None,
    at: Annotated[str | None, typer.Option(help="ISO 8601 instant; default now")] = None,
    tz: Tz = None,
    as_json: AsJson = False,
) -> None:
    """Who is on call now (or --at), for every schedule or one service, team or schedule."""
    document, lines = run(
        who_on_call(load_settings(), service=service, team=team, schedule=schedule, at=at, tz=tz)
    )
    emit(document, lines, as_json)


async def who_on_call(
    settings: Settings,
    *,
    service: str | None,
    team: str | None,
    schedule: str | None,
    at: str | None,
    tz: str | None,
) -> tuple[dict[str, Any], list[str]]:
    """``oncall who``: the JSON document and the table lines."""
    from core.oncall import who as who_query
    from core.oncall.targets import TooManyTargets, pick_target
    from storage.uow import SqlUnitOfWork, session_factory

    try:
        target = pick_target(service=service, team=team, schedule=schedule)
    except TooManyTargets:
        raise UsageError("give at most one of --service, --team, --schedule") from None
    show = viewer(tz)
    moment = read_time(at, now().replace(microsecond=0), show.zone, "--at")
    async with database(settings) as engine:
        answer = await who_query.who(
            SqlUnitOfWork(session_factory(engine), write=False), moment, target
        )
    return who_document(answer, show), who_lines(answer, show)


def who_document(answer: WhoAnswer, show: Viewer) -> dict[str, Any]:
    """CONTRACT.md's ``oncall who --json``; a person paged directly has no ``from``/``to``."""
    rows = []
    for row in answer.rows:
        found = row.current
        person = found.person if found else row.direct
        rows.append(
            {
                "schedule": row.schedule,
                "person": person.id if person else None,
                "from": show.json_time(found.start) if found else None,
                "to": show.json_time(found.end) if found else None,
            }
        )
    return {"at": show.json_time(answer.at), "oncall": rows}


def who_lines(answer: WhoAnswer, show: Viewer) -> list[str]:
    """The table: one line per schedule (or person paged directly) under a heading."""
    zone = answer.timezone
    lines = [f"On call at {show.table_time(answer.at, zone)}:"]
    width = max((len(r.schedule or "(person)") for r in answer.rows), default=8)
    for row in answer.rows:
        label = (row.schedule or "(person)").ljust(width)
        found = row.current
        if found is not None:
            until = show.table_time(found.end, zone) if found.end else "further than a year ahead"
            lines.append(f"  {label}  {shown(found.person)}  until {until}  ({found.source})")
        elif row.direct is not None:
            lines.append(f"  {label}  {shown(row.direct)}  (paged directly)")
        else:
            lines.append(f"  {label}  nobody (a coverage gap)")
    if not answer.rows:
        lines.append("  no schedules")
    return lines


def shown(person: PersonRef) -> str:
    """``Name (id)`` for a person with a configured name, else the id."""
    return f"{person.name} ({person.id})" if person.name else person.id
