"""``oncall ical url``: the secret URLs of the iCalendar feeds (integrations/calendar)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli_common import UsageError, database, friendly, load_settings, now, run

if TYPE_CHECKING:
    from bot.settings import Settings

ical_app = typer.Typer(help="iCalendar feeds of schedules and people.", no_args_is_help=True)


@ical_app.command("url")
@friendly
def ical_url(
    schedule: Annotated[str | None, typer.Option(help="A schedule's feed")] = None,
    person: Annotated[str | None, typer.Option(help="A person's shifts across schedules")] = None,
    rotate: Annotated[
        bool, typer.Option("--rotate", help="New secret: old URLs stop working")
    ] = False,
) -> None:
    """Print the secret URL of a feed for calendar apps to subscribe to."""
    typer.echo(run(feed_url(load_settings(), schedule=schedule, person=person, rotate=rotate)))


async def feed_url(
    settings: Settings, *, schedule: str | None, person: str | None, rotate: bool
) -> str:
    """The feed's URL with its secret token (created on first use; replaced with ``rotate``)."""
    from core.config.model import Configuration
    from storage.uow import SqlUnitOfWork, session_factory

    if (schedule is None) == (person is None):
        raise UsageError("give exactly one of --schedule or --person")
    kind, subject = ("schedule", schedule) if schedule else ("person", person or "")
    async with database(settings) as engine, SqlUnitOfWork(session_factory(engine)) as uow:
        config = await uow.config.load() or Configuration()
        known = config.schedule(subject) if kind == "schedule" else config.person(subject)
        if known is None:
            raise UsageError(f"unknown {kind} {subject!r}")
        token = await uow.feeds.token_for(kind, subject, now=now(), rotate=rotate)
        await uow.commit()
    return f"{settings.base_url}/ical/{kind}/{subject}.ics?token={token}"
