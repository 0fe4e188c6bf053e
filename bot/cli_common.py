"""What every ``oncall`` command shares: errors and exit codes, settings, options, output.

Kept light (typer and the standard library at import time) so that importing every command
module costs little; the database helpers import SQLAlchemy only when called.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from functools import wraps
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from bot.settings import Settings

T = TypeVar("T")
EXIT_FAILED = 1
EXIT_USAGE = 2
# Errors of bad input raised below the CLI (core, time parsing), known by class name so that
# catching them imports nothing: each of these and its subclasses is exit 2.
_USAGE_ERRORS = frozenset({"UsageError", "TimeInputError", "ScheduleInputError", "QueryError"})

Tz = Annotated[str | None, typer.Option("--tz", help="Time zone to show and read times in")]
AsJson = Annotated[bool, typer.Option("--json", help="One JSON document on stdout")]
Actor = Annotated[str | None, typer.Option("--as", help="Who is doing this (for the audit log)")]


class CliError(Exception):
    """An error to print as one line; ``code`` is the exit status."""

    def __init__(self, message: str, code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.code = code


class UsageError(ValueError):
    """Bad input from the command line (exit 2); nothing was changed."""


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
            if any(c.__name__ in _USAGE_ERRORS for c in type(exc).__mro__):
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


def emit(document: dict[str, Any], lines: list[str], as_json: bool) -> None:
    """Print the JSON document (``--json``) or the table lines."""
    if as_json:
        typer.echo(json.dumps(document, indent=2))
    else:
        typer.echo("\n".join(lines))


def user() -> str:
    """The login name of whoever runs the command, for ``cli:NAME`` actors."""
    import getpass

    try:
        return getpass.getuser()
    except Exception:
        return "unknown"


@dataclass(frozen=True)
class Viewer:
    """How to show times: the zone for tables, and for JSON when one was asked for."""

    zone: tzinfo | None

    def json_time(self, moment: datetime | None) -> str | None:
        """ISO 8601 with the offset, in ``--tz`` else UTC; None stays None."""
        if moment is None:
            return None
        return moment.astimezone(self.zone or UTC).isoformat()

    def table_time(self, moment: datetime | None, timezone: str) -> str:
        """``Wed 2026-03-04 12:00 CET`` in ``--tz``, else in ``timezone`` (the
        configuration's); ``-`` for None."""
        from core.config.timefmt import zone as zone_named

        if moment is None:
            return "-"
        return moment.astimezone(self.zone or zone_named(timezone)).strftime("%a %Y-%m-%d %H:%M %Z")


def viewer(tz: str | None) -> Viewer:
    """The viewer for ``--tz``; :class:`UsageError` for an unknown zone."""
    from core.config.timefmt import zone as zone_named

    if tz is None:
        return Viewer(None)
    try:
        return Viewer(zone_named(tz))
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def now() -> datetime:
    """The current instant (the system clock)."""
    from bot.clock import SystemClock

    return SystemClock().now()


def read_time(text: str | None, default: datetime, zone: tzinfo | None, what: str) -> datetime:
    """A CLI time flag; naive times and dates are read in ``zone`` (``--tz`` or the schedule's)."""
    from core.timeinput import TimeInputError, parse_instant

    if text is None:
        return default
    try:
        return parse_instant(text, zone=zone, now=now(), what=what)
    except TimeInputError as exc:
        raise UsageError(str(exc)) from None


@asynccontextmanager
async def database(settings: Settings) -> AsyncIterator[AsyncEngine]:
    """A checked engine, disposed afterwards. A database without our tables gets a hint."""
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from storage.engine import check_connection, create_engine
    from storage.errors import DatabaseError

    engine = create_engine(settings.database_url)
    try:
        await check_connection(engine)
        try:
            yield engine
        except (OperationalError, ProgrammingError) as exc:
            text = str(exc.orig or exc).lower()
            if "no such table" in text or "does not exist" in text:
                raise DatabaseError(
                    "the database has no on-call tables yet: run `oncall db upgrade` "
                    "(or `oncall config apply FILE`)"
                ) from None
            raise
    finally:
        await engine.dispose()
