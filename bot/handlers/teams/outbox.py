"""The Teams outbox destination as the worker builds it from the settings."""

from __future__ import annotations

from collections.abc import Callable

from bot.handlers.teams.auth import teams_adapter
from bot.handlers.teams.destination import TeamsDestination
from bot.handlers.teams.sender import TeamsSender
from bot.settings import Settings
from core.ports import Clock, UnitOfWork


def teams_destination(
    settings: Settings,
    new_unit: Callable[[], UnitOfWork],
    read_unit: Callable[[], UnitOfWork],
    clock: Clock,
) -> TeamsDestination:
    """A :class:`TeamsDestination` sending as ``MICROSOFT_APP_ID`` (no network call yet: the
    first message fetches the bot's token from the login URL)."""
    sender = TeamsSender(teams_adapter(settings), settings.microsoft_app_id or "")
    return TeamsDestination(sender, new_unit, read_unit, clock, settings.base_url)
