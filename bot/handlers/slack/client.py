"""The one Slack Web API client of a process, built from the settings."""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from bot.settings import Settings

TIMEOUT_SECONDS = 10


def web_client(settings: Settings) -> AsyncWebClient:
    """A client of ``SLACK_API_URL`` with the bot token.

    slack_sdk's own retry handlers are off: the outbox retries with backoff and honours
    ``Retry-After`` itself, and a listener's call should fail fast rather than stall.
    """
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    return AsyncWebClient(
        token=token,
        base_url=settings.slack_api_url,
        timeout=TIMEOUT_SECONDS,
        retry_handlers=[],
    )
