"""What every command gets: who asked, the units of work, the time, and how to open alerts.

Platform-neutral: the Slack listener and the Teams handler build a :class:`CommandContext`
and call :func:`bot.commands.router.run`; neither knows the commands' words.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo

from core.config.model import Configuration
from core.config.timefmt import zone as zone_named
from core.incidents.ports import AlertBatch
from core.ports import UnitOfWork


@dataclass(frozen=True)
class Caller:
    """The chat user who typed the command, and the person they are (None: unknown)."""

    platform: str
    user_id: str
    person_id: str | None
    channel_id: str | None = None


@dataclass(frozen=True)
class CommandContext:
    caller: Caller
    new_unit: Callable[[], UnitOfWork]
    read_unit: Callable[[], UnitOfWork]
    now: datetime
    base_url: str
    open_alert: Callable[[AlertBatch], Awaitable[int]]
    """Stores an alert batch as the alert endpoints do (the same inbox, the same path);
    returns the delivery id."""
    resolve_user: Callable[[str], Awaitable[str | None]]
    """A platform user id (from a mention) to a person id; None when unknown."""

    async def config(self) -> Configuration:
        async with self.read_unit() as uow:
            return await uow.config.load() or Configuration()


def zone_of(config: Configuration, person_id: str | None) -> tzinfo:
    """The zone a person reads and types times in: theirs, else the configuration's."""
    person = config.person(person_id) if person_id else None
    return zone_named((person.timezone if person else None) or config.timezone)


def local_time(moment: datetime | None, zone: tzinfo) -> str:
    """``Thu 03 Dec 09:00 CET``; ``-`` for None (an open end)."""
    if moment is None:
        return "-"
    return moment.astimezone(zone).strftime("%a %d %b %H:%M %Z")
