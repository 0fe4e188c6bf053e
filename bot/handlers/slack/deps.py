"""What every Slack listener needs, built once by :class:`bot.handlers.slack.app.SlackSurface`
and handed to each module's ``register(bolt, deps)``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from slack_sdk.web.async_client import AsyncWebClient

from bot.commands.context import Caller, CommandContext
from bot.handlers.slack.opening import ModalOpener
from bot.handlers.slack.people import SlackPeople
from core.incidents.ports import AlertBatch
from core.ports import Clock, UnitOfWork


@dataclass(frozen=True)
class SlackDeps:
    client: AsyncWebClient
    people: SlackPeople
    new_unit: Callable[[], UnitOfWork]
    read_unit: Callable[[], UnitOfWork]
    clock: Clock
    base_url: str
    open_alert: Callable[[AlertBatch], Awaitable[int]]
    modals: dict[str, ModalOpener] = field(default_factory=dict, compare=False)
    """Modal openers by view id (:mod:`bot.handlers.slack.opening`), filled by registrars."""
    config_path: str | None = None
    """The configuration file the bot runs from (``ONCALL_CONFIG``), which ``/oncall config``
    edits; None: it has none, and the modal shows diffs to commit by hand."""

    def context(
        self, user_id: str, person_id: str | None, channel_id: str | None = None
    ) -> CommandContext:
        """The context a platform-neutral command runs in, for this Slack user, now."""
        return CommandContext(
            caller=Caller("slack", user_id, person_id, channel_id),
            new_unit=self.new_unit,
            read_unit=self.read_unit,
            now=self.clock.now(),
            base_url=self.base_url,
            open_alert=self.open_alert,
            resolve_user=self.people.person_of,
        )
