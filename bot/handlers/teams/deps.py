"""What the Teams activity handler needs, built once by
:class:`bot.handlers.teams.app.TeamsSurface`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.commands.context import Caller, CommandContext
from bot.handlers.teams.conversations import Conversations
from bot.handlers.teams.people import TeamsPeople
from core.incidents.ports import AlertBatch
from core.ports import Clock, UnitOfWork


async def _nobody(_user_id: str) -> str | None:
    return None


@dataclass(frozen=True)
class TeamsDeps:
    people: TeamsPeople
    conversations: Conversations
    new_unit: Callable[[], UnitOfWork]
    read_unit: Callable[[], UnitOfWork]
    clock: Clock
    base_url: str
    open_alert: Callable[[AlertBatch], Awaitable[int]]

    def context(
        self,
        user_id: str,
        person_id: str | None,
        channel_id: str | None,
        resolve_user: Callable[[str], Awaitable[str | None]] | None,
    ) -> CommandContext:
        """The context a platform-neutral command runs in, for this Teams user, now."""
        return CommandContext(
            caller=Caller("teams", user_id, person_id, channel_id),
            new_unit=self.new_unit,
            read_unit=self.read_unit,
            now=self.clock.now(),
            base_url=self.base_url,
            open_alert=self.open_alert,
            resolve_user=resolve_user or _nobody,
        )
