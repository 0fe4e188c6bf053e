"""The one Settings object: every name of CONTRACT.md, read from the environment and ``.env``.

Built once at start (``Settings()``) and passed down; nothing else reads the environment.
Tokens and passwords are ``SecretStr``: their ``repr`` and ``str`` show ``**********``.
"""

from __future__ import annotations

import ipaddress
from typing import Literal

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from integrations.ticketing.checks import ticketing_problem

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./oncall.db"


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses; False for ``0.0.0.0``, ``::``, an empty
    host (every interface), names and other addresses."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False


class Settings(BaseSettings):
    """Configuration of one process. Unknown variables in the environment are ignored."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    database_url: str = Field(DEFAULT_DATABASE_URL, alias="ONCALL_DATABASE_URL")
    config_path: str | None = Field(None, alias="ONCALL_CONFIG")
    host: str = Field("127.0.0.1", alias="ONCALL_HOST")
    port: int = Field(8080, alias="PORT", ge=0, le=65535)
    alert_token: SecretStr | None = Field(None, alias="ONCALL_ALERT_TOKEN")
    public_url: str | None = Field(None, alias="ONCALL_PUBLIC_URL")
    demo: bool = Field(False, alias="ONCALL_DEMO")
    log_level: str = Field("INFO", alias="ONCALL_LOG_LEVEL")
    dashboard_token: SecretStr | None = Field(None, alias="ONCALL_DASHBOARD_TOKEN")

    slack_bot_token: SecretStr | None = Field(None, alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(None, alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(None, alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field("https://slack.com/api/", alias="SLACK_API_URL")

    microsoft_app_id: str | None = Field(None, alias="MICROSOFT_APP_ID")
    microsoft_app_password: SecretStr | None = Field(None, alias="MICROSOFT_APP_PASSWORD")
    microsoft_app_tenant_id: str | None = Field(None, alias="MICROSOFT_APP_TENANT_ID")
    microsoft_app_type: str | None = Field(None, alias="MICROSOFT_APP_TYPE")
    # Bot Framework authentication endpoints, named as botbuilder's configuration attributes;
    # None is Microsoft's public cloud. Set them for a private cloud or a local test identity.
    to_bot_from_channel_openid_metadata_url: str | None = Field(
        None, alias="TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL"
    )
    to_bot_from_channel_token_issuer: str | None = Field(
        None, alias="TO_BOT_FROM_CHANNEL_TOKEN_ISSUER"
    )
    to_channel_from_bot_login_url: str | None = Field(None, alias="TO_CHANNEL_FROM_BOT_LOGIN_URL")
    to_channel_from_bot_oauth_scope: str | None = Field(
        None, alias="TO_CHANNEL_FROM_BOT_OAUTH_SCOPE"
    )

    jira_url: str | None = Field(None, alias="JIRA_URL")
    jira_user: str | None = Field(None, alias="JIRA_USER")
    jira_api_token: SecretStr | None = Field(None, alias="JIRA_API_TOKEN")
    jira_project: str | None = Field(None, alias="JIRA_PROJECT")
    github_token: SecretStr | None = Field(None, alias="GITHUB_TOKEN")
    github_repo: str | None = Field(None, alias="GITHUB_REPO")
    github_api_url: str = Field("https://api.github.com", alias="GITHUB_API_URL")
    ticket_webhook_url: str | None = Field(None, alias="ONCALL_TICKET_WEBHOOK_URL")
    ticket_webhook_secret: SecretStr | None = Field(None, alias="ONCALL_TICKET_WEBHOOK_SECRET")
    jira_issue_type: str = Field("Task", alias="JIRA_ISSUE_TYPE", min_length=1, max_length=100)
    # After the trackers' settings: its check reads them (integrations.ticketing.checks).
    ticketing: Literal["builtin", "jira", "github", "webhook"] = Field(
        "builtin", alias="ONCALL_TICKETING"
    )

    @field_validator(
        "config_path",
        "public_url",
        "alert_token",
        "dashboard_token",
        "slack_bot_token",
        "slack_signing_secret",
        "slack_app_token",
        "microsoft_app_id",
        "microsoft_app_password",
        "to_bot_from_channel_openid_metadata_url",
        "to_bot_from_channel_token_issuer",
        "to_channel_from_bot_login_url",
        "to_channel_from_bot_oauth_scope",
        "jira_url",
        "jira_user",
        "jira_api_token",
        "jira_project",
        "github_token",
        "github_repo",
        "ticket_webhook_url",
        "ticket_webhook_secret",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("ticketing")
    @classmethod
    def _tracker_settings(cls, value: str, info: ValidationInfo) -> str:
        """The chosen tracker's settings are present and well-formed: one line at start
        (``setting ONCALL_TICKETING: ...``), not a worker failing on every ticket."""
        problem = ticketing_problem(value, info.data)
        if problem:
            raise ValueError(problem)
        return value

    @property
    def base_url(self) -> str:
        """Where users reach the dashboard: ``ONCALL_PUBLIC_URL`` or ``http://HOST:PORT``."""
        if self.public_url:
            return self.public_url.rstrip("/")
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host
        return f"http://{host}:{self.port}"

    @property
    def loopback(self) -> bool:
        """True when ``ONCALL_HOST`` is a loopback address (``127.0.0.0/8``, ``::1``,
        ``localhost``): only this machine can reach the dashboard and API."""
        return is_loopback(self.host)

    @property
    def slack_enabled(self) -> bool:
        """Slack needs the bot token, and the signing secret (HTTP) or the app token (Socket
        Mode)."""
        return self.slack_bot_token is not None and (
            self.slack_signing_secret is not None or self.slack_app_token is not None
        )

    @property
    def teams_enabled(self) -> bool:
        """Teams needs the app id and password."""
        return bool(self.microsoft_app_id) and self.microsoft_app_password is not None
