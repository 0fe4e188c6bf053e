"""``oncall override`` and ``oncall timeoff``: changes to who is on call, through the use cases
of :mod:`core.oncall.actions` (validated, audited)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli_common import (
    Actor,
    Tz,
    database,
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


@friendly
def override(
    schedule: Annotated[str, typer.Option(help="The schedule")],
    member: Annotated[str, typer.Option(help="Who is on call instead")],
    start: Annotated[str, typer.Option("--from", help="ISO 8601 instant")],
    end: Annotated[str, typer.Option("--to", help="ISO 8601 instant")],
    reason: Annotated[str | None, typer.Option(help="Why, for the record")] = None,
    tz: Tz = None,
    actor: Actor = None,
) -> None:
    """Put someone on call for a window; the newest override wins where they overlap."""
    line = run(
        add_override(
            load_settings(),
            schedule_id=schedule,
            member=member,
            start=start,
            end=end,
            tz=tz,
            actor=actor or f"cli:{user()}",
            reason=reason,
        )
    )
    typer.echo(line)


@friendly
def timeoff(
    member: Annotated[str, typer.Option(help="Who is away")],
    start: Annotated[str, typer.Option("--from", help="ISO 8601 instant or date with --tz")],
    end: Annotated[str, typer.Option("--to", help="ISO 8601 instant or date with --tz")],
    reason: Annotated[str | None, typer.Option(help="Why, for the record")] = None,
    tz: Tz = None,
    actor: Actor = None,
) -> None:
    """Record time off; the turns and covers it touches are recomputed at once."""
    lines = run(
        add_time_off(
            load_settings(),
            member=member,
            start=start,
            end=end,
            tz=tz,
            actor=actor or f"cli:{user()}",
            reason=reason,
        )
    )
    typer.echo("\n".join(lines))


def _window(start: str, end: str, tz: str | None) -> tuple[datetime, datetime, datetime]:
    """``--from`` and ``--to`` of a change, read in ``--tz``, and the time it is made.

    Refusals of the window itself (inverted, past, too long) come from the use case and
    reach people as exit 2 through the CLI's error handling.
    """
    zone = viewer(tz).zone
    moment = now()
    return read_time(start, moment, zone, "--from"), read_time(end, moment, zone, "--to"), moment


async def add_override(
    settings: Settings,
    *,
    schedule_id: str,
    member: str,
    start: str,
    end: str,
    tz: str | None,
    actor: str,
    reason: str | None,
) -> str:
    """``oncall override``: returns the line to print."""
    from core.oncall import actions
    from storage.uow import SqlUnitOfWork, session_factory

    lo, hi, moment = _window(start, end, tz)
    async with database(settings) as engine:
        override_id = await actions.add_override(
            SqlUnitOfWork(session_factory(engine)),
            schedule_id=schedule_id,
            person_id=member,
            start=lo,
            end=hi,
            actor=actor,
            now=moment,
            reason=reason,
        )
    window = f"from {lo.isoformat()} to {hi.isoformat()}"
    return f"override {override_id}: {member} is on call for {schedule_id} {window}"


async def add_time_off(
    settings: Settings,
    *,
    member: str,
    start: str,
    end: str,
    tz: str | None,
    actor: str,
    reason: str | None,
) -> list[str]:
    """``oncall timeoff``: returns the lines to print (the time off and its covers)."""
    from core.oncall import actions
    from storage.uow import SqlUnitOfWork, session_factory

    lo, hi, moment = _window(start, end, tz)
    async with database(settings) as engine:
        outcome = await actions.add_time_off(
            SqlUnitOfWork(session_factory(engine)),
            person_id=member,
            start=lo,
            end=hi,
            actor=actor,
            now=moment,
            reason=reason,
        )
    lines = [f"time off {outcome.id}: {member} from {lo.isoformat()} to {hi.isoformat()}"]
    for sid, cover in outcome.covers:
        lines.append(
            f"  {sid}: {cover.person} covers {cover.start.isoformat()} -> {cover.end.isoformat()}"
        )
    return lines
