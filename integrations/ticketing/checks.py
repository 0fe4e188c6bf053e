"""The settings each tracker needs, checked when the Settings are built (kept free of
imports beyond the standard library: ``bot.settings`` imports this)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

NEEDS = {
    "jira": (
        ("jira_url", "JIRA_URL"),
        ("jira_api_token", "JIRA_API_TOKEN"),
        ("jira_project", "JIRA_PROJECT"),
    ),
    "github": (("github_token", "GITHUB_TOKEN"), ("github_repo", "GITHUB_REPO")),
    "webhook": (
        ("ticket_webhook_url", "ONCALL_TICKET_WEBHOOK_URL"),
        ("ticket_webhook_secret", "ONCALL_TICKET_WEBHOOK_SECRET"),
    ),
}
URLS = {
    "jira": (("jira_url", "JIRA_URL"),),
    "github": (("github_api_url", "GITHUB_API_URL"),),
    "webhook": (("ticket_webhook_url", "ONCALL_TICKET_WEBHOOK_URL"),),
}
REPO = re.compile(r"^[A-Za-z0-9-]{1,39}/[A-Za-z0-9._-]{1,100}$")
PROJECT = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,254}$")


def _url_problem(value: object) -> str | None:
    text = str(value or "")
    try:
        parts = urlsplit(text)
    except ValueError:
        return "is not a URL"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "must be an http or https URL with a host"
    if parts.username or parts.password:
        return "must not carry credentials (use the token settings)"
    return None


def ticketing_problem(system: str, values: Mapping[str, Any]) -> str | None:
    """What keeps ``system`` from working with these settings (field name -> value), in
    one line naming the variables; None when nothing does (``builtin`` needs nothing)."""
    missing = [env for field, env in NEEDS.get(system, ()) if not values.get(field)]
    if missing:
        return f"{system} needs {', '.join(missing)} (unset)"
    for field, env in URLS.get(system, ()):
        problem = _url_problem(values.get(field))
        if problem:
            return f"{env} {problem}"
    if system == "github" and not REPO.match(str(values.get("github_repo"))):
        return "GITHUB_REPO must be owner/name"
    if system == "jira" and not PROJECT.match(str(values.get("jira_project"))):
        return "JIRA_PROJECT must be a project key (letters, digits, _; a letter first)"
    return None
