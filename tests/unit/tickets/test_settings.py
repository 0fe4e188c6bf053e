"""Each tracker's settings are checked when the settings are built: a clear one-line error
naming the variables, at start (``oncall serve`` exits 2 instead of a worker failing)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from bot.settings import Settings
from integrations.ticketing.builtin import BuiltinTracker
from integrations.ticketing.compose import tracker
from integrations.ticketing.github import GitHubTracker
from integrations.ticketing.jira import JiraTracker
from integrations.ticketing.webhook import WebhookTracker
from tests.fakes import FakeUnitOfWork, FrozenClock, Store
from tests.unit.tickets.common import T0

JIRA = {"JIRA_URL": "https://acme.atlassian.net", "JIRA_API_TOKEN": "t", "JIRA_PROJECT": "OPS"}
GITHUB = {"GITHUB_TOKEN": "t", "GITHUB_REPO": "acme/shop"}
WEBHOOK = {
    "ONCALL_TICKET_WEBHOOK_URL": "https://hooks.example/t",
    "ONCALL_TICKET_WEBHOOK_SECRET": "s",
}


def settings(**values: Any) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("values", "error"),
    [
        ({"ONCALL_TICKETING": "jira"}, "jira needs JIRA_URL, JIRA_API_TOKEN, JIRA_PROJECT (unset)"),
        ({"ONCALL_TICKETING": "jira", **JIRA, "JIRA_PROJECT": ""}, "jira needs JIRA_PROJECT"),
        ({"ONCALL_TICKETING": "jira", **JIRA, "JIRA_URL": "ftp://x"},
         "JIRA_URL must be an http or https URL with a host"),
        ({"ONCALL_TICKETING": "jira", **JIRA, "JIRA_URL": "https://u:p@acme.atlassian.net"},
         "JIRA_URL must not carry credentials"),
        ({"ONCALL_TICKETING": "jira", **JIRA, "JIRA_PROJECT": "OPS-1"},
         "JIRA_PROJECT must be a project key"),
        ({"ONCALL_TICKETING": "github"}, "github needs GITHUB_TOKEN, GITHUB_REPO (unset)"),
        ({"ONCALL_TICKETING": "github", **GITHUB, "GITHUB_REPO": "shop"},
         "GITHUB_REPO must be owner/name"),
        ({"ONCALL_TICKETING": "github", **GITHUB, "GITHUB_API_URL": "api.github.com"},
         "GITHUB_API_URL must be an http or https URL"),
        ({"ONCALL_TICKETING": "webhook", "ONCALL_TICKET_WEBHOOK_URL": "https://h.example"},
         "webhook needs ONCALL_TICKET_WEBHOOK_SECRET (unset)"),
        ({"ONCALL_TICKETING": "webhook", **WEBHOOK, "ONCALL_TICKET_WEBHOOK_URL": "javascript:x"},
         "ONCALL_TICKET_WEBHOOK_URL must be an http or https URL"),
        ({"ONCALL_TICKETING": "trello"}, "ONCALL_TICKETING"),
    ],
)  # fmt: skip
def test_bad_tracker_settings_are_one_clear_error(values: dict[str, str], error: str) -> None:
    with pytest.raises(ValidationError) as raised:
        settings(**values)
    [problem] = raised.value.errors()
    assert problem["loc"] == ("ONCALL_TICKETING",)
    assert error in str(raised.value)
    assert "t," not in problem["msg"]  # no value of a secret


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        ({}, BuiltinTracker),
        ({"ONCALL_TICKETING": "jira", **JIRA}, JiraTracker),
        ({"ONCALL_TICKETING": "github", **GITHUB}, GitHubTracker),
        ({"ONCALL_TICKETING": "webhook", **WEBHOOK}, WebhookTracker),
    ],
)
def test_the_chosen_tracker(values: dict[str, str], kind: type) -> None:
    store = Store()
    chosen = tracker(settings(**values), lambda: FakeUnitOfWork(store), FrozenClock(T0))
    assert isinstance(chosen, kind)
    if isinstance(chosen, JiraTracker):
        assert chosen.cloud is True  # *.atlassian.net: no need to ask


def test_serve_refuses_to_start_with_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ONCALL_", "GITHUB_", "JIRA_"))}
    env.update(ONCALL_TICKETING="github", GITHUB_TOKEN="tok-secret", PORT="0")
    done = subprocess.run(
        [sys.executable, "-m", "bot", "serve"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "error: setting ONCALL_TICKETING: Value error, github needs GITHUB_REPO (unset)"
    ]
    assert "tok-secret" not in done.stderr + done.stdout
