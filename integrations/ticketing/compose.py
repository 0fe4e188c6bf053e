"""The ticket destination chosen by ``ONCALL_TICKETING``, from the settings.

``settings`` is read through :class:`TicketSettings` (``bot.settings.Settings`` has these
attributes; integrations do not import ``bot``). Settings checked each adapter's values at
start (``Settings.ticketing``'s check), so here they are present.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from pydantic import SecretStr

from core.ports import Clock, UnitOfWork
from integrations.ticketing.builtin import BuiltinTracker
from integrations.ticketing.destination import TicketDestination
from integrations.ticketing.tracker import Tracker


class TicketSettings(Protocol):
    @property
    def ticketing(self) -> str: ...
    @property
    def base_url(self) -> str: ...
    @property
    def jira_url(self) -> str | None: ...
    @property
    def jira_user(self) -> str | None: ...
    @property
    def jira_api_token(self) -> SecretStr | None: ...
    @property
    def jira_project(self) -> str | None: ...
    @property
    def jira_issue_type(self) -> str: ...
    @property
    def github_token(self) -> SecretStr | None: ...
    @property
    def github_repo(self) -> str | None: ...
    @property
    def github_api_url(self) -> str: ...
    @property
    def ticket_webhook_url(self) -> str | None: ...
    @property
    def ticket_webhook_secret(self) -> SecretStr | None: ...


def _secret(value: SecretStr | None) -> str:
    return value.get_secret_value() if value is not None else ""


def tracker(settings: TicketSettings, new_unit: Callable[[], UnitOfWork], clock: Clock) -> Tracker:
    """The tracker adapter of ``settings.ticketing``."""
    if settings.ticketing == "jira":
        from integrations.ticketing.jira import JiraTracker

        return JiraTracker(
            settings.jira_url or "",
            settings.jira_user,
            _secret(settings.jira_api_token),
            settings.jira_project or "",
            clock,
            issue_type=settings.jira_issue_type,
        )
    if settings.ticketing == "github":
        from integrations.ticketing.github import GitHubTracker

        return GitHubTracker(
            settings.github_api_url,
            settings.github_repo or "",
            _secret(settings.github_token),
            clock,
        )
    if settings.ticketing == "webhook":
        from integrations.ticketing.webhook import WebhookTracker

        return WebhookTracker(
            settings.ticket_webhook_url or "", _secret(settings.ticket_webhook_secret), clock
        )
    return BuiltinTracker(new_unit)


def ticket_destination(
    settings: TicketSettings, new_unit: Callable[[], UnitOfWork], clock: Clock
) -> TicketDestination:
    """The ``ticket`` destination over the configured tracker."""
    return TicketDestination(tracker(settings, new_unit, clock), new_unit, clock, settings.base_url)
