"""``oncall maintenance`` as users run it, on SQLite and PostgreSQL: make a window (alerts of
its service are then held), list, cancel; bad input is exit 2 with nothing changed.

One test starts the real ``oncall`` console script (make, list, cancel end to end); the rest run
the same Typer app in this process (``typer.testing.CliRunner`` on ``bot.cli.app``, with the
same environment), because each subprocess costs about a second and a table of them made this
file take half a minute per database.
"""

from __future__ import annotations

import asyncio
import json
import os
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import Result
from sqlalchemy import func, select
from typer.testing import CliRunner

from bot.cli import app
from core.incidents.ports import AlertBatch, NewAlert
from core.incidents.service import ingest
from storage.engine import create_engine
from storage.incident_tables import OutboxRow
from storage.maintenance_tables import MaintenanceWindowRow
from storage.tables import AuditRow
from storage.uow import SqlUnitOfWork, session_factory
from tests.support import apply_example, oncall_env, run_oncall


@pytest.fixture
async def env(database_url: str) -> dict[str, str]:
    await apply_example(database_url)
    return oncall_env(database_url)


async def counts(url: str) -> tuple[int, int, int]:
    """Audit rows, windows, windows cancelled: what a bad command must not change."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            audit = (await conn.execute(select(func.count()).select_from(AuditRow))).scalar_one()
            rows = (await conn.execute(select(MaintenanceWindowRow))).all()
        return int(audit), len(rows), sum(r.cancelled_at is not None for r in rows)
    finally:
        await engine.dispose()


def later(hours: float) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).isoformat()


def oncall(*args: str, env: dict[str, str]) -> Result:
    """``oncall ARGS`` in this process: the environment is exactly ``env`` for its settings
    (what the caller's has and ``env`` lacks is removed for the call)."""
    gone: dict[str, str | None] = {k: None for k in os.environ if k not in env}
    runner = CliRunner()
    return runner.invoke(app, list(args), env={**gone, **env}, catch_exceptions=False)


async def test_make_list_cancel(env: dict[str, str], database_url: str) -> None:
    made = run_oncall(
        "maintenance",
        "--service",
        "checkout-api",
        "--from",
        "now",
        "--to",
        later(2),
        "--reason",
        "db upgrade",
        "--as",
        "dana",
        "--json",
        env=env,
    )
    assert made.returncode == 0, made.stderr
    window = json.loads(made.stdout)["window"]
    assert (window["id"], window["service"], window["team"], window["reason"]) == (
        1,
        "checkout-api",
        None,
        "db upgrade",
    )
    assert window["source"] == "cli"
    engine = create_engine(database_url)
    try:
        labels = {"service": "checkout-api", "severity": "critical"}
        moment = datetime.now(UTC)
        await ingest(
            SqlUnitOfWork(session_factory(engine)),
            AlertBatch(
                "alertmanager",
                "g",
                "firing",
                "down",
                labels,
                alerts=(NewAlert("fp", "firing", moment, None, labels),),
            ),
            moment,
        )
        async with engine.connect() as conn:
            kinds = (await conn.execute(select(OutboxRow.kind))).scalars().all()
            audit = (await conn.execute(select(AuditRow.action, AuditRow.actor))).all()
    finally:
        await engine.dispose()
    assert "page" not in kinds and "incident.triggered" in kinds  # recorded, not paged
    assert ("maintenance.create", "dana") in [tuple(a) for a in audit]
    # the rest in this process, through the same app (a sync function of ours: asyncio.run
    # needs no running loop, so it runs in a thread)
    await asyncio.to_thread(_list_and_cancel, env)


def _list_and_cancel(env: dict[str, str]) -> None:
    listed = oncall("maintenance", "--list", "--json", env=env)
    assert listed.exit_code == 0, listed.stderr
    assert [w["id"] for w in json.loads(listed.stdout)["windows"]] == [1]
    text = oncall("maintenance", "--list", env=env)
    assert "#1" in text.stdout and "service checkout-api" in text.stdout
    gone = oncall("maintenance", "--cancel", "1", env=env)
    assert gone.exit_code == 0 and "cancelled" in gone.stdout, gone.stderr
    again = oncall("maintenance", "--cancel", "1", env=env)
    assert again.exit_code == 2 and "cancelled already" in again.stderr
    empty = oncall("maintenance", "--list", env=env)
    assert "no current or upcoming windows" in empty.stdout


async def test_bad_input_is_exit_2_and_changes_nothing(
    env: dict[str, str], database_url: str
) -> None:
    before = await counts(database_url)
    window = ["--from", "now", "--to", later(1)]
    cases = [
        ([], "give --service"),
        (["--service", "checkout-api", "--team", "payments", *window], "exactly one"),
        (["--service", "nope", *window], "no service 'nope'"),
        (["--team", "nope", *window], "no team 'nope'"),
        (["--service", "checkout-api", "--from", later(2), "--to", later(1)], "end after"),
        (["--service", "checkout-api", "--from", "2026-03-01 10:00", "--to", later(1)], "offset"),
        (["--service", "checkout-api", "--from", "tomorrow", "--to", later(1)], "not a date"),
        (["--service", "checkout-api", "--to", later(1)], "--from and --to"),
        (["--service", "checkout-api", "--list"], "give --service"),
        (["--service", "checkout-api", *window, "--reason", "x" * 501], "longer than 500"),
        (["--service", "checkout-api", *window, "--tz", "Mars/Base"], "unknown time zone"),
        (["--cancel", "99"], "no maintenance window 99"),
        (["--service", "checkout-api", "--from", "now", "--to", later(31 * 24 + 1)], "31 days"),
    ]
    await asyncio.to_thread(_refused, cases, env)
    assert await counts(database_url) == before


def _refused(cases: list[tuple[list[str], str]], env: dict[str, str]) -> None:
    for args, words in cases:
        result = oncall("maintenance", *args, env=env)
        assert result.exit_code == 2, (args, result.stdout, result.stderr)
        assert words in result.stderr, (args, result.stderr)
