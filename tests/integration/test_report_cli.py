"""``oncall report`` as users run it, on SQLite and PostgreSQL, over the scripted history of
``tests/unit/metrics/history.py`` (three incidents resolved 2026-03-02 and 03-03).

Hours on call over [2026-03-02, 2026-03-04) UTC: schedule ``primary`` (team ops) has ann from
Monday 09:00 to Tuesday 09:00 (24 h) and bob from Tuesday 09:00 (15 h to the window's end);
``office`` (team web) has cat 09:00-17:00 on both days (16 h).

One check starts the real ``oncall`` console script (the table, end to end); the others run
the same Typer app in this process (``typer.testing.CliRunner`` on ``bot.cli.app``, with the
same environment), because each subprocess costs over a second.
"""

from __future__ import annotations

import asyncio
import json
import os
from typing import Any

import pytest
from click.testing import Result
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from typer.testing import CliRunner

from bot.cli import app
from storage.tables import AuditRow
from storage.uow import SqlUnitOfWork, session_factory
from tests.support import oncall_env, run_oncall
from tests.unit.metrics.history import APPLIED, CONFIG, run_history

WINDOW = ("--since", "2026-03-02", "--until", "2026-03-04")
H = 3600


@pytest.fixture
async def env(engine: AsyncEngine, database_url: str) -> dict[str, str]:
    sessions = session_factory(engine)
    async with SqlUnitOfWork(sessions) as uow:
        await uow.config.save(CONFIG, at=APPLIED, actor="test", source="test")
        await uow.commit()
    await run_history(lambda: SqlUnitOfWork(sessions))
    return oncall_env(database_url)


def in_process(*args: str, env: dict[str, str]) -> Result:
    """``oncall ARGS`` in this process, the environment exactly ``env`` for its settings
    (what this process has and ``env`` lacks is removed for the call)."""
    gone: dict[str, str | None] = {k: None for k in os.environ if k not in env}
    return CliRunner().invoke(app, list(args), env={**gone, **env}, catch_exceptions=False)


async def oncall(*args: str, env: dict[str, str]) -> Result:
    """:func:`in_process` from an async test (the command runs its own event loop)."""
    return await asyncio.to_thread(in_process, *args, env=env)


async def report(env: dict[str, str], *args: str) -> dict[str, Any]:
    result = await oncall("report", *args, "--json", env=env)
    assert result.exit_code == 0, result.stderr
    parsed: dict[str, Any] = json.loads(result.stdout)
    return parsed


def figures(**given: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "incidents": 0,
        "acknowledged": 0,
        "time_to_acknowledge": {"median": None, "p90": None},
        "time_to_resolve": {"median": None, "p90": None},
        "escalations": 0,
        "pages": 0,
        "off_hours_pages": 0,
        "off_hours_seconds": 0,
        "off_hours_incidents": 0,
    }
    return {**base, **given}


def person(pid: str, **given: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "person": pid,
        "name": pid,
        "pages": 0,
        "off_hours_pages": 0,
        "off_hours_seconds": 0,
        "acknowledged": 0,
        "resolved": 0,
        "responded": 0,
        "on_call_seconds": 0,
    }
    return {**base, **given}


OPS = figures(
    incidents=3,
    acknowledged=2,
    time_to_acknowledge={"median": 420, "p90": 600},  # 7 and 10 minutes: nearest rank
    time_to_resolve={"median": 1800, "p90": 2400},  # 20, 30, 40 minutes
    escalations=2,
    pages=5,
    off_hours_pages=2,  # ann at 04:00 in Chicago, bob at 06:00 in Tokyo
    off_hours_seconds=17 * 60,  # 7 + 10 minutes
    off_hours_incidents=1,  # #2: bob, the responder, was paged at night
)


async def test_the_json_document(env: dict[str, str]) -> None:
    doc = await report(env, *WINDOW)
    assert doc["since"] == "2026-03-02T00:00:00+00:00"
    assert doc["until"] == "2026-03-04T00:00:00+00:00"
    assert (doc["team"], doc["window"], doc["percentiles"]) == (
        None,
        "incidents resolved in [since, until)",
        "nearest-rank",
    )
    assert doc["overall"] == OPS
    assert doc["by_team"] == [{"team": "ops", **OPS}]
    assert doc["by_service"] == [{"service": "api", "team": "ops", **OPS}]
    assert doc["by_person"] == [
        person("ann", pages=1, off_hours_pages=1, off_hours_seconds=420, on_call_seconds=24 * H),
        person(
            "bob",
            pages=2,
            off_hours_pages=1,
            off_hours_seconds=600,
            acknowledged=1,
            resolved=1,
            responded=1,
            on_call_seconds=15 * H,
        ),
        person("cat", on_call_seconds=16 * H),
        person("dan", pages=2, acknowledged=1, resolved=1, responded=2),
    ]
    assert [i["id"] for i in doc["incidents"]] == [1, 3, 2]  # by resolution
    assert doc["incidents"][0] == {
        "id": 1,
        "service": "api",
        "team": "ops",
        "severity": "critical",
        "opened_at": "2026-03-02T10:00:00+00:00",
        "acknowledged_at": "2026-03-02T10:07:00+00:00",
        "resolved_at": "2026-03-02T10:20:00+00:00",
        "time_to_acknowledge": 420,
        "time_to_resolve": 1200,
        "acknowledged_by": "dan",
        "resolved_by": "dan",
        "responder": "dan",
        "escalations": 1,
        "off_hours": False,
        "pages": [
            {
                "person": "ann",
                "at": "2026-03-02T10:00:00+00:00",
                "until": "2026-03-02T10:07:00+00:00",
                "off_hours": True,
                "off_hours_seconds": 420,
            },
            {
                "person": "dan",
                "at": "2026-03-02T10:05:00+00:00",
                "until": "2026-03-02T10:07:00+00:00",
                "off_hours": False,
                "off_hours_seconds": 0,
            },
        ],
    }
    third = doc["incidents"][1]
    assert (third["time_to_acknowledge"], third["acknowledged_at"], third["responder"]) == (
        None,
        None,
        "dan",
    )


async def test_team_zone_and_an_empty_window(env: dict[str, str]) -> None:
    web = await report(env, *WINDOW, "--team", "web")
    assert web["overall"] == figures() and web["incidents"] == []
    assert web["by_person"] == [person("cat", on_call_seconds=16 * H)]  # web's schedules only
    tokyo = await report(
        env, "--since", "2026-03-02 19:00", "--until", "2026-03-02 20:00", "--tz", "Asia/Tokyo"
    )
    assert tokyo["since"] == "2026-03-02T19:00:00+09:00"  # read and shown in --tz: 10:00 UTC
    assert [i["id"] for i in tokyo["incidents"]] == [1]  # 10:20 UTC is 19:20 in Tokyo
    assert tokyo["incidents"][0]["resolved_at"] == "2026-03-02T19:20:00+09:00"
    table = run_oncall("report", *WINDOW, env=env)  # the console script, end to end
    assert table.returncode == 0, table.stderr
    assert "3 incidents · MTTA 7m 00s (p90 10m 00s) · MTTR 30m 00s (p90 40m 00s)" in table.stdout


BAD = [
    (("--since", "2026-03-04", "--until", "2026-03-02"), "--until must be after --since"),
    (("--since", "2026-03-02", "--until", "2026-03-02"), "--until must be after --since"),
    (("--since", "yesterday-ish"), "--since 'yesterday-ish' is not a date"),
    (("--since", "2024-01-01", "--until", "2026-03-02"), "at most 400 days"),
    (("--team", "nope"), "unknown team 'nope'"),
    (("--tz", "Mars/Olympus"), "Mars/Olympus"),
]


async def test_bad_input_exits_2_and_writes_nothing(
    env: dict[str, str], engine: AsyncEngine
) -> None:
    async def audit_rows() -> int:
        async with engine.connect() as conn:
            return int(
                (await conn.execute(select(func.count()).select_from(AuditRow))).scalar_one()
            )

    before = await audit_rows()
    for args, message in BAD:
        result = await oncall("report", *args, "--json", env=env)
        assert result.exit_code == 2, (args, result.stderr)
        assert message in result.stderr and result.stdout == "", args
        assert await audit_rows() == before, args
