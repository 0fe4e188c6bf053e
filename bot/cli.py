"""The ``oncall`` command line.

It must start fast: this module imports only typer at the top, and each command imports what
it uses inside its function (no Slack or Teams SDK for everyday commands). Errors are one line
on stderr with a non-zero exit: 1 when the work failed (an invalid file, a database out of
reach), 2 when the command was used wrongly.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable, Coroutine
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

if TYPE_CHECKING:
    from bot.settings import Settings

app = typer.Typer(
    name="oncall",
    help="On-call schedules, alert routing and escalations for SRE teams.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
config_app = typer.Typer(
    help="Validate and apply the configuration repository.", no_args_is_help=True
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(config_app, name="config")
app.add_typer(db_app, name="db")
alert_app = typer.Typer(help="Send alerts to a running server.", no_args_is_help=True)
app.add_typer(alert_app, name="alert")
ical_app = typer.Typer(help="iCalendar feeds of schedules and people.", no_args_is_help=True)
app.add_typer(ical_app, name="ical")

T = TypeVar("T")
EXIT_FAILED = 1
EXIT_USAGE = 2


class CliError(Exception):
    """An error to print as one line; ``code`` is the exit status."""

    def __init__(self, message: str, code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.code = code


def fail(message: str, code: int = EXIT_FAILED) -> typer.Exit:
    """Print ``error: message`` on stderr and return the exit to raise."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def friendly(func: Callable[..., T]) -> Callable[..., T]:
    """Turn the errors people can act on into one line and an exit code, never a traceback."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        from pydantic import ValidationError

        from bot.errors import StartupError
        from integrations.config_repo.loader import ConfigFileError, InvalidConfiguration
        from storage.errors import DatabaseError

        try:
            return func(*args, **kwargs)
        except InvalidConfiguration as exc:
            for message in exc.messages:
                typer.echo(message, err=True)
            raise fail(str(exc)) from None
        except CliError as exc:
            raise fail(str(exc), exc.code) from None
        except (DatabaseError, ConfigFileError, StartupError) as exc:
            raise fail(str(exc)) from None
        except ValidationError as exc:  # settings; caught before ValueError, its base class
            first = exc.errors()[0]
            name = ".".join(str(p) for p in first["loc"])
            raise fail(f"setting {name}: {first['msg']}", EXIT_USAGE) from None
        except ValueError as exc:
            if type(exc).__name__ in ("UsageError", "TimeInputError", "ScheduleInputError"):
                raise fail(str(exc), EXIT_USAGE) from None
            raise

    return wrapper


def load_settings() -> Settings:
    """The process's settings (environment and ``.env``)."""
    from bot.settings import Settings

    return Settings()


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion on a fresh event loop."""
    return asyncio.run(coro)


@app.command()
@friendly
def serve() -> None:
    """Run the bot: the HTTP endpoints here, the background work in a worker process.

    The worker (oncall worker) works off the alert inbox and runs the scheduling loop:
    escalations, the outbox, hand-overs, gap warnings. serve restarts it if it dies.
    """
    from bot.server import serve as serve_forever

    settings = load_settings()
    sys.exit(run(serve_forever(settings)))


@app.command()
@friendly
def worker(
    controlled: Annotated[
        bool, typer.Option("--controlled", hidden=True, help="started by oncall serve")
    ] = False,
) -> None:
    """Run the background work alone: the alert inbox, escalations, the outbox, hand-overs.

    oncall serve starts one itself; run more (on PostgreSQL) to share the work.
    """
    from bot.worker import run_worker

    sys.exit(run(run_worker(load_settings(), controlled=controlled)))


@config_app.command("validate")
@friendly
def config_validate(
    file: Annotated[Path | None, typer.Argument(help="YAML file; default $ONCALL_CONFIG")] = None,
) -> None:
    """Check a configuration file; every error is printed as FILE:LINE: field: message."""
    from integrations.config_repo.loader import load_configuration

    path = _config_file(file)
    config = load_configuration(path)
    typer.echo(
        f"{path}: valid ({len(config.people)} people, {len(config.teams)} teams, "
        f"{len(config.schedules)} schedules, {len(config.services)} services, "
        f"{len(config.escalation_policies)} escalation policies)"
    )


@config_app.command("apply")
@friendly
def config_apply(
    file: Annotated[Path | None, typer.Argument(help="YAML file; default $ONCALL_CONFIG")] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the changes, write nothing")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the changes as JSON")] = False,
) -> None:
    """Make the database match a configuration file and print what changed."""
    from bot.config_apply import apply_file

    settings = load_settings()
    path = _config_file(file, settings.config_path)
    outcome = run(apply_file(settings, path, dry_run=dry_run, actor=f"cli:{_user()}"))
    if as_json:
        payload = {"file": str(path), "dry_run": dry_run, "written": outcome.written}
        typer.echo(json.dumps({**payload, **outcome.diff.as_dict()}, indent=2))
        return
    from bot.config_apply import describe

    for line in describe(outcome, str(path), dry_run=dry_run):
        typer.echo(line)


@db_app.command("upgrade")
@friendly
def db_upgrade() -> None:
    """Apply the database migrations (safe to run at every release)."""
    from bot.config_apply import upgrade_database

    settings = load_settings()
    before, after = run(upgrade_database(settings))
    if before == after:
        typer.echo(f"database is up to date (revision {after})")
    else:
        typer.echo(f"database upgraded from {before or 'empty'} to {after}")


Tz = Annotated[str | None, typer.Option("--tz", help="Time zone to show and read times in")]
AsJson = Annotated[bool, typer.Option("--json", help="One JSON document on stdout")]


def _emit(document: dict[str, Any], lines: list[str], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(document, indent=2))
    else:
        typer.echo("\n".join(lines))


@app.command()
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
    from bot import cli_schedule

    document, lines = run(
        cli_schedule.who(
            load_settings(), service=service, team=team, schedule=schedule, at=at, tz=tz
        )
    )
    _emit(document, lines, as_json)


@app.command()
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
    from bot import cli_schedule

    document, lines = run(
        cli_schedule.schedule(
            load_settings(), schedule_id=schedule, team=team, start=start, end=end, tz=tz
        )
    )
    _emit(document, lines, as_json)


@app.command()
@friendly
def gaps(
    days: Annotated[int, typer.Option(help="How many days ahead to look")] = 14,
    tz: Tz = None,
    as_json: AsJson = False,
) -> None:
    """Coverage gaps per service: when its first escalation tier would page nobody."""
    from bot import cli_schedule

    document, lines = run(cli_schedule.gaps(load_settings(), days=days, tz=tz))
    _emit(document, lines, as_json)


Actor = Annotated[str | None, typer.Option("--as", help="Who is doing this (for the audit log)")]


@app.command()
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
    from bot import cli_schedule

    line = run(
        cli_schedule.override(
            load_settings(),
            schedule_id=schedule,
            member=member,
            start=start,
            end=end,
            tz=tz,
            actor=actor or f"cli:{_user()}",
            reason=reason,
        )
    )
    typer.echo(line)


@app.command()
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
    from bot import cli_schedule

    lines = run(
        cli_schedule.timeoff(
            load_settings(),
            member=member,
            start=start,
            end=end,
            tz=tz,
            actor=actor or f"cli:{_user()}",
            reason=reason,
        )
    )
    typer.echo("\n".join(lines))


@app.command()
@friendly
def incidents(
    show_all: Annotated[bool, typer.Option("--all", help="Resolved ones too")] = False,
    limit: Annotated[int, typer.Option(help="At most this many")] = 50,
    as_json: AsJson = False,
) -> None:
    """Open incidents (all with --all), newest first."""
    from bot import cli_incidents

    document, lines = run(
        cli_incidents.incidents(load_settings(), include_resolved=show_all, limit=limit)
    )
    _emit(document, lines, as_json)


@app.command()
@friendly
def ack(incident: Annotated[int, typer.Argument(help="Incident id")], actor: Actor = None) -> None:
    """Acknowledge an incident: escalation stops."""
    from bot import cli_incidents

    who = actor or f"cli:{_user()}"
    typer.echo(
        run(
            cli_incidents.acknowledge_or_resolve(
                load_settings(), incident, actor=who, resolve=False
            )
        )
    )


@app.command()
@friendly
def resolve(
    incident: Annotated[int, typer.Argument(help="Incident id")], actor: Actor = None
) -> None:
    """Resolve an incident."""
    from bot import cli_incidents

    who = actor or f"cli:{_user()}"
    typer.echo(
        run(
            cli_incidents.acknowledge_or_resolve(load_settings(), incident, actor=who, resolve=True)
        )
    )


@alert_app.command("test")
@friendly
def alert_test(
    service: Annotated[str, typer.Option(help="The service to alert")],
    severity: Annotated[str, typer.Option(help="The severity label")] = "critical",
    url: Annotated[str | None, typer.Option(help="Endpoint; default the server's own")] = None,
    show: Annotated[bool, typer.Option("--print", help="Print the payload, send nothing")] = False,
) -> None:
    """Send a realistic Alertmanager payload to the running server."""
    from bot import cli_incidents

    settings = load_settings()
    payload = run(cli_incidents.test_payload(settings, service, severity))
    if show:
        typer.echo(json.dumps(payload, indent=2))
        return
    typer.echo(cli_incidents.post_alert(settings, payload, url))


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
    from bot import cli_schedule

    typer.echo(
        run(cli_schedule.ical_url(load_settings(), schedule=schedule, person=person, rotate=rotate))
    )


def _user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except Exception:
        return "unknown"


def _config_file(file: Path | None, default: str | None = None) -> Path:
    if file is None and default is None:
        default = load_settings().config_path
    path = file if file is not None else (Path(default) if default else None)
    if path is None:
        raise CliError("no configuration file: pass FILE or set ONCALL_CONFIG", EXIT_USAGE)
    return path


def main() -> None:
    """Entry point of the ``oncall`` console script."""
    app()


if __name__ == "__main__":
    main()
