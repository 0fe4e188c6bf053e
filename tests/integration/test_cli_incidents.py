"""``oncall incidents``, ``ack``, ``resolve`` and ``alert test`` as users run them.

Each command is run through the real console script once (:func:`run_oncall`: ``incidents
--json``, ``ack`` and ``resolve`` in the first test, ``alert test`` against a real ``oncall
serve``); the other checks run the same Typer app in this process (:func:`in_process`, same
environment), because a subprocess costs one to two seconds per check.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from bot.cli import app
from core.incidents.ports import AlertBatch, NewAlert
from core.incidents.routing import route_alert
from core.incidents.service import ingest
from integrations.config_repo.loader import load_configuration
from storage.engine import create_engine
from storage.uow import SqlUnitOfWork, session_factory
from tests.support import (
    EXAMPLE_CONFIG,
    ONCALL,
    apply_example,
    free_port,
    oncall_env,
    run_oncall,
    shared_example_database,
)
from tests.unit.oncall.common import at

OPENED = at("2026-03-04 11:00")


async def open_incident(url: str) -> None:
    engine = create_engine(url)
    labels = {"alertname": "DiskFull", "service": "ledger", "severity": "critical"}
    try:
        await ingest(
            SqlUnitOfWork(session_factory(engine)),
            AlertBatch(
                "alertmanager",
                "g1",
                "firing",
                "Ledger disk full",
                labels,
                alerts=(NewAlert("fp1", "firing", at("2026-03-04 10:58"), None, labels),),
            ),
            OPENED,
        )
    finally:
        await engine.dispose()


@pytest.fixture
async def env(database_url: str) -> dict[str, str]:
    await apply_example(database_url)
    await open_incident(database_url)
    return oncall_env(database_url)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def unchanged_env(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, str]]:
    """Like ``env``, but one database of each kind for the tables of checks that change
    nothing (a fresh one per case cost ~2 s on PostgreSQL)."""
    with shared_example_database(request.param, tmp_path_factory.mktemp("unchanged")) as url:
        asyncio.run(open_incident(url))
        yield oncall_env(url)


def cli_json(env: dict[str, str], *args: str, real: bool = False) -> dict:
    """``oncall ARGS --json``: in this process, or through the console script when ``real``."""
    if real:
        done = run_oncall(*args, "--json", env=env)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)
    result = in_process(*args, "--json", env=env)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_incidents_json_shape_then_ack_and_resolve(env: dict[str, str]) -> None:
    assert cli_json(env, "incidents", real=True) == {
        "incidents": [
            {
                "id": 1,
                "title": "Ledger disk full",
                "service": "payments-ledger",
                "severity": "critical",
                "status": "triggered",
                "alerts": 1,
                "assignee": "sofia",
                "tier": 1,
                "opened_at": "2026-03-04T11:00:00+00:00",
                "acknowledged_at": None,
                "resolved_at": None,
                "ticket": None,  # no worker ran: the ticket is not made yet
            }
        ]
    }
    acked = run_oncall("ack", "1", "--as", "sofia", env=env)
    assert acked.returncode == 0 and acked.stdout.strip() == "incident 1 is acknowledged (by sofia)"
    (row,) = cli_json(env, "incidents")["incidents"]
    assert (row["status"], row["assignee"]) == ("acknowledged", "sofia") and row["acknowledged_at"]
    resolved = run_oncall("resolve", "1", "--as", "sofia", env=env)
    assert resolved.returncode == 0 and "resolved" in resolved.stdout
    assert cli_json(env, "incidents") == {"incidents": []}
    (row,) = cli_json(env, "incidents", "--all")["incidents"]
    assert row["status"] == "resolved" and row["resolved_at"]
    table = in_process("incidents", "--all", env=env)
    assert table.exit_code == 0, table.stderr
    assert "#1" in table.stdout and "Ledger disk full" in table.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ack", "99"], "error: no incident 99"),
        (["resolve", "99"], "error: no incident 99"),
        (["incidents", "--limit", "0"], "error: --limit must be between 1 and 1000"),
        (["incidents", "99"], "error: no incident 99"),
        (["alert", "test", "--service", "nope"], "error: unknown service 'nope'"),
    ],
)
def test_bad_input_is_exit_2(unchanged_env: dict[str, str], args: list[str], message: str) -> None:
    """In this process through the same Typer app (a subprocess per case cost ~4 s each; the
    console script itself is run by the tests above); each case checks it changed nothing."""
    env = unchanged_env

    def listed() -> dict:
        result = in_process("incidents", "--all", "--json", env=env)
        assert result.exit_code == 0, result.stderr
        return json.loads(result.stdout)

    before = listed()
    result = in_process(*args, env=env | {"ONCALL_ALERT_TOKEN": "t"})
    assert result.exit_code == 2, result.stdout + result.stderr
    assert result.stderr.strip().startswith(message)
    assert result.stdout == ""
    assert listed() == before


def in_process(*args: str, env: dict[str, str]) -> Result:
    """``oncall ARGS`` in this process with exactly ``env`` as its environment."""
    gone: dict[str, str | None] = {k: None for k in os.environ if k not in env}
    return CliRunner().invoke(app, list(args), env={**gone, **env}, catch_exceptions=False)


async def test_one_incident_shows_its_timeline_and_every_message_with_its_delivery(
    env: dict[str, str], database_url: str
) -> None:
    from sqlalchemy import update

    from storage.incident_tables import OutboxRow

    engine = create_engine(database_url)
    try:
        async with engine.begin() as conn:  # as the sender records a refusal by Slack
            await conn.execute(
                update(OutboxRow)
                .where(OutboxRow.kind == "page")
                .values(status="failed", attempts=1, last_error="slack page: channel_not_found")
            )
    finally:
        await engine.dispose()
    document = await asyncio.to_thread(cli_json, env, "incidents", "1")  # asyncio.run inside
    assert document["incident"]["id"] == 1 and document["incident"]["title"] == "Ledger disk full"
    assert [e["kind"] for e in document["timeline"]][:2] == ["routed", "open"]
    pages = [m for m in document["messages"] if m["kind"] == "page"]
    assert pages == [
        {
            "kind": "page",
            "destination": "chat",
            "person": "sofia",
            "status": "failed",
            "attempts": 1,
            "created_at": "2026-03-04T11:00:00+00:00",
            "sent_at": None,
            "error": "slack page: channel_not_found",
        }
    ]
    table = await asyncio.to_thread(in_process, "incidents", "1", env=env)
    assert table.exit_code == 0, table.stderr
    assert "error: slack page: channel_not_found" in table.stdout
    assert "Timeline:" in table.stdout and "Messages:" in table.stdout


def test_acting_on_a_resolved_incident_is_refused(env: dict[str, str]) -> None:
    assert in_process("resolve", "1", env=env).exit_code == 0
    result = in_process("ack", "1", env=env)
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: incident 1: the incident is resolved already"


@pytest.mark.parametrize("service", ["checkout-api", "kubernetes", "catch-all"])
def test_alert_test_payload_routes_to_its_service(
    unchanged_env: dict[str, str], service: str
) -> None:
    env = unchanged_env  # --print sends nothing and writes nothing
    result = in_process(
        "alert", "test", "--service", service, "--print", env=env | {"ONCALL_ALERT_TOKEN": "t"}
    )
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["version"] == "4" and payload["alerts"][0]["status"] == "firing"
    assert (
        route_alert(load_configuration(EXAMPLE_CONFIG), payload["commonLabels"]).service_id
        == service
    )


def test_alert_test_needs_a_token_and_a_server(env: dict[str, str]) -> None:
    result = in_process("alert", "test", "--service", "kubernetes", env=env)
    assert result.exit_code == 2 and "set ONCALL_ALERT_TOKEN" in result.stderr
    port = free_port()
    result = in_process(
        "alert",
        "test",
        "--service",
        "kubernetes",
        env=env | {"ONCALL_ALERT_TOKEN": "t", "PORT": str(port)},
    )
    assert (
        result.exit_code == 2
        and f"cannot reach http://127.0.0.1:{port}/alerts/alertmanager" in result.stderr
    )


def test_alert_test_against_a_running_server(tmp_path: Path) -> None:
    port = free_port()
    env = oncall_env(
        f"sqlite+aiosqlite:///{tmp_path / 'a.db'}",
        ONCALL_CONFIG=str(EXAMPLE_CONFIG),
        ONCALL_ALERT_TOKEN="tok",
        PORT=str(port),
    )
    server = subprocess.Popen(
        [ONCALL, "serve"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # up: /healthz answers (cheaper than a subprocess)
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                    break
            except OSError:
                assert server.poll() is None, "the server exited"
                time.sleep(0.1)
        result = None
        while time.monotonic() < deadline:
            result = run_oncall("alert", "test", "--service", "kubernetes", env=env)
            if result.returncode == 0:
                break
            time.sleep(0.3)
        assert result is not None and result.returncode == 0, result.stderr if result else ""
        assert json.loads(result.stdout) == {"status": "accepted", "id": 1}
        rows: list = []
        while not rows and time.monotonic() < deadline:  # the inbox is worked off moments later
            rows = cli_json(env, "incidents")["incidents"]
            time.sleep(0 if rows else 0.1)
        (row,) = rows
        assert (row["service"], row["status"], row["severity"]) == (
            "kubernetes",
            "triggered",
            "critical",
        )
        wrong = in_process(
            "alert", "test", "--service", "kubernetes", env=env | {"ONCALL_ALERT_TOKEN": "bad"}
        )
        assert wrong.exit_code == 2 and "the server answered 401" in wrong.stderr
    finally:
        server.send_signal(signal.SIGTERM)
        _out, err = server.communicate(timeout=15)
    assert server.returncode == 0 and "Traceback" not in err
    assert "would send" in err  # the page went through the outbox to the log destination
