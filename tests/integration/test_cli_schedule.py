"""``oncall who``, ``schedule``, ``gaps``, ``override`` and ``timeoff`` as users run them.

Each command is run once through the real console script (:func:`run_oncall`: ``who`` at a
fixed instant, the ``schedule`` table, ``gaps``, ``override`` and ``timeoff``); the other checks
run the same Typer app in this process (:func:`oncall_in_process`, same environment), because a
subprocess costs one to two seconds per check and the table of bad input alone made thirty.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from storage.engine import create_engine
from storage.tables import AuditRow, OverrideRow, TimeOffRow
from tests.support import (
    apply_example,
    oncall_env,
    oncall_in_process,
    run_oncall,
    shared_example_database,
)


@pytest.fixture
async def env(database_url: str) -> dict[str, str]:
    await apply_example(database_url)
    return oncall_env(database_url)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def refusing(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, dict[str, str]]]:
    """One example database of each kind for the whole table of refusals (each case checks
    it changed nothing; a fresh one per case cost ~2 s on PostgreSQL): its URL and env."""
    with shared_example_database(request.param, tmp_path_factory.mktemp("refusing")) as url:
        yield url, oncall_env(url)


def oncall_json(env: dict[str, str], *args: str, real: bool = False) -> dict:
    """``oncall ARGS --json``: in this process, or through the console script when ``real``."""
    if real:
        done = run_oncall(*args, "--json", env=env)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)
    result = oncall_in_process(*args, "--json", env=env)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


async def counts(url: str) -> tuple[int, ...]:
    """Rows in the audit log, overrides and time off: what a bad command must not change."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            out = []
            for table in (AuditRow, OverrideRow, TimeOffRow):
                out.append(
                    int((await conn.execute(select(func.count()).select_from(table))).scalar_one())
                )
            return tuple(out)
    finally:
        await engine.dispose()


def test_who_at_a_fixed_instant(env: dict[str, str]) -> None:
    # 2026-03-04 is in the 9th week from the Monday 2026-01-05 09:00 Berlin start: turn 8,
    # 8 mod 3 = 2 -> sofia is primary; the secondary list starts at sofia, so turn 8 -> lukas.
    doc = oncall_json(
        env, "who", "--team", "payments", "--at", "2026-03-04T12:00:00+01:00", real=True
    )
    assert doc == {
        "at": "2026-03-04T11:00:00+00:00",
        "oncall": [
            {
                "schedule": "payments-primary",
                "person": "sofia",
                "from": "2026-03-02T08:00:00+00:00",
                "to": "2026-03-09T08:00:00+00:00",
            },
            {
                "schedule": "payments-secondary",
                "person": "lukas",
                "from": "2026-03-02T08:00:00+00:00",
                "to": "2026-03-09T08:00:00+00:00",
            },
        ],
    }


def test_who_follows_the_sun_and_services(env: dict[str, str]) -> None:
    at = "2026-03-04T15:00:00Z"  # 15:00 UTC: the New York layer (13:00-21:00 UTC)
    doc = oncall_json(env, "who", "--schedule", "platform-follow-the-sun", "--at", at)
    (row,) = doc["oncall"]
    assert row["person"] in ("emma", "liam", "ava")
    assert (row["from"], row["to"]) == ("2026-03-04T13:00:00+00:00", "2026-03-04T21:00:00+00:00")
    service = oncall_json(env, "who", "--service", "kubernetes", "--at", at)
    assert service["oncall"] == doc["oncall"]  # the first tier of platform-default
    everyone = oncall_json(env, "who", "--at", at, "--tz", "America/New_York")
    assert everyone["at"] == "2026-03-04T10:00:00-05:00"
    assert [r["schedule"] for r in everyone["oncall"]] == [
        "payments-primary",
        "payments-secondary",
        "platform-follow-the-sun",
        "platform-secondary",
        "identity-primary",
    ]


def test_schedule_json_shape_and_table(env: dict[str, str]) -> None:
    doc = oncall_json(
        env,
        "schedule",
        "--schedule",
        "identity-primary",
        "--from",
        "2026-03-06",
        "--to",
        "2026-03-09",
    )
    # Dates are read in the schedule's zone (America/New_York): midnight EST is 05:00 UTC.
    assert (doc["schedule"], doc["from"], doc["to"]) == (
        "identity-primary",
        "2026-03-06T05:00:00+00:00",
        "2026-03-09T04:00:00+00:00",
    )
    sources = [s["source"] for s in doc["shifts"]]
    assert sources == ["layer:weekly", "layer:weekends"]  # the window ends as the weekend does
    assert doc["shifts"][1]["from"] == "2026-03-07T05:00:00+00:00"  # Saturday 00:00 EST
    assert (
        doc["shifts"][1]["to"] == "2026-03-09T04:00:00+00:00"
    )  # Monday 00:00 EDT (DST began Sunday)
    assert doc["gaps"] == []
    table = run_oncall(
        "schedule",
        "--schedule",
        "identity-primary",
        "--from",
        "2026-03-06",
        "--to",
        "2026-03-09",
        env=env,
    )
    assert table.returncode == 0 and "[layer:weekends]" in table.stdout


def test_team_schedule(env: dict[str, str]) -> None:
    doc = oncall_json(
        env, "schedule", "--team", "payments", "--from", "2026-03-02", "--to", "2026-03-03"
    )
    assert doc["team"] == "payments"
    assert [s["schedule"] for s in doc["schedules"]] == ["payments-primary", "payments-secondary"]


def test_gaps_json(env: dict[str, str]) -> None:
    doc = oncall_json(env, "gaps", "--days", "3", real=True)
    assert [s["service"] for s in doc["services"]] == [
        "checkout-api",
        "payments-ledger",
        "kubernetes",
        "ci-runners",
        "identity-sso",
        "catch-all",
    ]
    assert all(s["gaps"] == [] for s in doc["services"])  # the example covers the clock


async def test_override_and_timeoff_change_who(env: dict[str, str], database_url: str) -> None:
    # the CLI in a thread: its commands call asyncio.run, which needs no running loop
    await asyncio.to_thread(_override_and_timeoff, env)
    assert await counts(database_url) == (3, 1, 1)  # apply, override, time off


def _override_and_timeoff(env: dict[str, str]) -> None:
    start = (datetime.now(UTC) + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    end = start + timedelta(hours=6)
    result = run_oncall(
        "override",
        "--schedule",
        "payments-primary",
        "--member",
        "dana",
        "--from",
        start.isoformat(),
        "--to",
        end.isoformat(),
        "--as",
        "dana",
        "--reason",
        "test",
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("override ")
    middle = (start + timedelta(hours=3)).isoformat()
    (row,) = oncall_json(env, "who", "--schedule", "payments-primary", "--at", middle)["oncall"]
    assert (row["person"], row["from"], row["to"]) == ("dana", start.isoformat(), end.isoformat())

    holder = oncall_json(env, "who", "--schedule", "payments-secondary", "--at", middle)["oncall"][
        0
    ]["person"]
    off = run_oncall(
        "timeoff", "--member", holder, "--from", start.isoformat(), "--to", end.isoformat(), env=env
    )
    assert off.returncode == 0, off.stderr
    assert "payments-secondary" in off.stdout and "covers" in off.stdout
    (row,) = oncall_json(env, "who", "--schedule", "payments-secondary", "--at", middle)["oncall"]
    assert row["person"] != holder


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["who", "--schedule", "nope"], "error: unknown schedule 'nope'"),
        (
            ["who", "--team", "payments", "--service", "kubernetes"],
            "error: give at most one of --service, --team, --schedule",
        ),
        (
            ["who", "--at", "2026-03-04 12:00"],
            "error: --at '2026-03-04 12:00' has no UTC offset; add one",
        ),
        (["who", "--at", "yesterday"], "error: --at 'yesterday' is not a date or time"),
        (["who", "--tz", "Mars/Base"], "error: unknown time zone 'Mars/Base'"),
        (["schedule"], "error: give exactly one of --schedule or --team"),
        (
            [
                "schedule",
                "--schedule",
                "identity-primary",
                "--from",
                "2026-03-09",
                "--to",
                "2026-03-06",
            ],
            "error: --to must be after --from",
        ),
        (["gaps", "--days", "0"], "error: --days must be between 1 and 400"),
        (
            [
                "override",
                "--schedule",
                "nope",
                "--member",
                "dana",
                "--from",
                "2030-01-01T00:00Z",
                "--to",
                "2030-01-02T00:00Z",
            ],
            "error: unknown schedule 'nope'",
        ),
        (
            [
                "override",
                "--schedule",
                "payments-primary",
                "--member",
                "zed",
                "--from",
                "2030-01-01T00:00Z",
                "--to",
                "2030-01-02T00:00Z",
            ],
            "error: unknown person 'zed'",
        ),
        (
            [
                "override",
                "--schedule",
                "payments-primary",
                "--member",
                "dana",
                "--from",
                "2030-01-02T00:00Z",
                "--to",
                "2030-01-01T00:00Z",
            ],
            "error: --to must be after --from",
        ),
        (
            [
                "override",
                "--schedule",
                "payments-primary",
                "--member",
                "dana",
                "--from",
                "2030-01-01 00:00",
                "--to",
                "2030-01-02T00:00Z",
            ],
            "error: --from '2030-01-01 00:00' has no UTC offset",
        ),
        (
            [
                "override",
                "--schedule",
                "payments-primary",
                "--member",
                "dana",
                "--from",
                "2020-01-01T00:00Z",
                "--to",
                "2020-01-02T00:00Z",
            ],
            "error: the window is over already",
        ),
        (
            [
                "timeoff",
                "--member",
                "zed",
                "--from",
                "2030-01-01T00:00Z",
                "--to",
                "2030-01-02T00:00Z",
            ],
            "error: unknown person 'zed'",
        ),
        (
            [
                "timeoff",
                "--member",
                "anna",
                "--from",
                "2030-03-31 02:30",
                "--to",
                "2030-04-01",
                "--tz",
                "Europe/Berlin",
            ],
            "error: --from 2030-03-31 02:30 does not exist in Europe/Berlin",
        ),
    ],
)
async def test_bad_input_is_exit_2_one_line_and_changes_nothing(
    refusing: tuple[str, dict[str, str]], args: list[str], message: str
) -> None:
    database_url, env = refusing
    before = await counts(database_url)
    result = await asyncio.to_thread(oncall_in_process, *args, env=env)
    assert result.exit_code == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(message), result.stderr
    assert await counts(database_url) == before


def test_empty_database_gets_a_hint(tmp_path) -> None:
    result = oncall_in_process(
        "who", env=oncall_env(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    )
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "error: the database has no on-call tables yet: run `oncall db upgrade` (or `oncall config apply FILE`)"
    )
