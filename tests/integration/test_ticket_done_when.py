"""Issue 11's "Done when", as users run it: ``oncall serve`` with ``ONCALL_TICKETING=github``
pointed at the fake GitHub; a sample alert (``oncall alert test``) opens one issue assigned to
the on-call engineer with the service label; ``oncall ack`` and ``oncall resolve`` comment on
and close it; ``oncall incidents --json`` links the ticket and ``oncall report --json`` shows
the incident's time to acknowledge and resolve. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
import signal
import subprocess
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.fake_trackers import TOKEN, FakeTrackers
from tests.support import (
    ONCALL,
    free_port,
    oncall_env,
    oncall_in_process,
    postgres_only_in_proof,
    run_oncall,
)

CONFIG = """\
version: 1
timezone: Europe/Berlin
people:
  - {id: alice, name: Alice Example, email: alice@example.com, github: alice-gh}
  - {id: bob, name: Bob Example, email: bob@example.com, github: bob-gh}
teams:
  - {id: payments, name: Payments}
schedules:
  - id: payments-primary
    team: payments
    layers:
      - {id: weekly, members: [alice], rotation: weekly, start: "2026-01-05 09:00"}
services:
  - id: checkout-api
    name: Checkout API
    team: payments
    importance: critical
    escalation_policy: payments
    match: {service: checkout-api}
    runbook: https://runbooks.example.com/checkout
escalation_policies:
  - id: payments
    tiers:
      - {targets: ["schedule:payments-primary"], escalate_after: 5m}
      - {targets: ["person:bob"], escalate_after: 10m}
"""
WAIT = 30.0  # seconds at most for the worker to get each step to GitHub


def until(what: str, check: Callable[[], Any]) -> Any:
    """Poll ``check`` until it gives something true (at most :data:`WAIT` seconds)."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"no {what} within {WAIT} s")


def cli_json(env: dict[str, str], *args: str, real: bool = False) -> Any:
    """``oncall ARGS --json`` through the console script when ``real``, else in this process
    (the same Typer app: the polls below would otherwise start a subprocess each)."""
    if real:
        done = run_oncall(*args, "--json", env=env)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)
    result = oncall_in_process(*args, "--json", env=env)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


# PostgreSQL in make proof only (~12 s): the ticket outbox, ticket rows and comments, ack,
# resolve and the report are covered on PostgreSQL by test_ticket_outbox.py,
# test_ticket_storage.py, test_cli_incidents.py and test_report_cli.py.
@postgres_only_in_proof()
def test_an_alert_opens_one_issue_that_ack_and_resolve_comment_on_and_close(
    database_url: str, tmp_path: Path
) -> None:
    config = tmp_path / "oncall.yaml"
    config.write_text(CONFIG)
    port = free_port()
    with FakeTrackers() as github:
        env = oncall_env(
            database_url,
            ONCALL_CONFIG=str(config),
            ONCALL_ALERT_TOKEN="alert-token",
            ONCALL_TICKETING="github",
            GITHUB_TOKEN=TOKEN,
            GITHUB_REPO="acme/shop",
            GITHUB_API_URL=github.url,
            PORT=str(port),
        )
        server = subprocess.Popen(
            [ONCALL, "serve"], env=env, cwd=tmp_path,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:

            def healthy() -> bool:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                        return True
                except OSError:
                    return server.poll() is not None  # exited: the send below says why

            until("server", healthy)
            sent = run_oncall("alert", "test", "--service", "checkout-api", env=env)
            assert sent.returncode == 0, sent.stderr
            issue = until("issue", lambda: list(github.github_issues.values()))[0]
            assert [label["name"] for label in issue["labels"]] == [
                "oncall",
                "service:checkout-api",
                "severity:critical",
            ]
            assert issue["assignees"] == [{"login": "alice-gh"}]  # the on-call engineer
            assert f"(http://127.0.0.1:{port}/incidents/1)" in issue["body"]  # linked back
            listed = until(
                "recorded ticket",
                lambda: [r for r in cli_json(env, "incidents")["incidents"] if r["ticket"]],
            )
            assert listed[0]["ticket"] == {
                "system": "github",
                "key": "#1",
                "url": "https://github.example/acme/shop/issues/1",
                "status": "open",
            }
            acked = run_oncall("ack", "1", "--as", "alice", env=env)
            assert acked.returncode == 0, acked.stderr
            until("comment", lambda: github.comments.get("#1"))
            resolved = run_oncall("resolve", "1", "--as", "alice", env=env)
            assert resolved.returncode == 0, resolved.stderr
            until("closed issue", lambda: issue["state"] == "closed")
            comments = github.comments["#1"]
            assert len(comments) == 2
            assert comments[0].startswith("Acknowledged by Alice Example")
            assert comments[1].startswith("Resolved by Alice Example")
            assert len(github.made("POST", r"/issues$")) == 1  # one issue
            closed = until(
                "closed ticket",
                lambda: [
                    r
                    for r in cli_json(env, "incidents", "--all")["incidents"]
                    if (r["ticket"] or {}).get("status") == "closed"
                ],
            )
            assert closed[0]["id"] == 1
            report = cli_json(env, "report", real=True)
            [incident] = report["incidents"]
            assert incident["id"] == 1
            assert (incident["acknowledged_by"], incident["resolved_by"]) == ("alice", "alice")
            assert isinstance(incident["time_to_acknowledge"], int)
            assert incident["time_to_resolve"] >= incident["time_to_acknowledge"] >= 0
        finally:
            server.send_signal(signal.SIGTERM)
            _out, err = server.communicate(timeout=30)
    assert server.returncode == 0, err
    assert "Traceback" not in err
    assert TOKEN not in err + _out
