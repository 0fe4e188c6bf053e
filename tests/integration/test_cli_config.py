"""The ``oncall`` command as users run it: exit codes, one-line errors, no tracebacks.

Each command family (``config validate``, ``config apply``, ``db upgrade``, ``--help``) is run
once through the real console script (:func:`run_oncall`); the other checks run the same Typer
app in this process (:func:`oncall_in_process`, same environment), because a subprocess costs
one to two seconds of interpreter start and imports per check.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import EXAMPLE_CONFIG, oncall_env, oncall_in_process, run_oncall
from tests.unit.config.test_loader import FIVE_MISTAKES


def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"


def test_validate_example_exits_zero(tmp_path: Path) -> None:
    result = run_oncall(
        "config", "validate", str(EXAMPLE_CONFIG), env=oncall_env(sqlite_url(tmp_path))
    )
    assert result.returncode == 0, result.stderr
    assert "valid (12 people, 3 teams, 5 schedules, 6 services" in result.stdout


def test_validate_five_mistakes(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(FIVE_MISTAKES)
    result = oncall_in_process("config", "validate", str(bad), env=oncall_env(sqlite_url(tmp_path)))
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert [line.split(":")[1] for line in lines[:5]] == ["4", "6", "11", "13", "18"]
    assert all(line.startswith(f"{bad}:") for line in lines[:5])
    assert lines[5] == f"error: {bad}: 5 errors"
    assert "Traceback" not in result.stderr


def test_validate_uses_oncall_config_and_needs_a_file(tmp_path: Path) -> None:
    env = oncall_env(sqlite_url(tmp_path), ONCALL_CONFIG=str(EXAMPLE_CONFIG))
    assert oncall_in_process("config", "validate", env=env).exit_code == 0
    result = oncall_in_process("config", "validate", env=oncall_env(sqlite_url(tmp_path)))
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: no configuration file: pass FILE or set ONCALL_CONFIG"


def test_validate_missing_file(tmp_path: Path) -> None:
    result = oncall_in_process(
        "config", "validate", str(tmp_path / "nope.yaml"), env=oncall_env(sqlite_url(tmp_path))
    )
    assert result.exit_code == 1
    assert result.stderr.strip() == f"error: {tmp_path / 'nope.yaml'}: no such file"


def test_apply_twice_then_dry_run(database_url: str, tmp_path: Path) -> None:
    env = oncall_env(database_url)
    first = run_oncall("config", "apply", str(EXAMPLE_CONFIG), env=env)
    assert first.returncode == 0, first.stderr
    assert "people: 12 added" in first.stdout
    assert "Applied" in first.stdout and "(revision 1)" in first.stdout

    second = oncall_in_process("config", "apply", str(EXAMPLE_CONFIG), env=env)
    assert second.exit_code == 0, second.stderr
    assert second.stdout.strip() == f"No changes: the database already matches {EXAMPLE_CONFIG}."

    edited = tmp_path / "edited.yaml"
    edited.write_text(
        EXAMPLE_CONFIG.read_text().replace("escalate_after: 5m", "escalate_after: 7m", 1)
    )
    dry = oncall_in_process("config", "apply", str(edited), "--dry-run", "--json", env=env)
    assert dry.exit_code == 0, dry.stderr
    payload = json.loads(dry.stdout)
    assert payload["dry_run"] is True and payload["written"] is False
    assert payload["changes"] == [
        {
            "kind": "escalation_policies",
            "id": "payments-default",
            "action": "changed",
            "fields": ["tiers"],
        }
    ]
    # The dry run wrote nothing: applying the original again still changes nothing.
    again = oncall_in_process("config", "apply", str(EXAMPLE_CONFIG), env=env)
    assert again.stdout.startswith("No changes")


def test_apply_invalid_file_changes_nothing(tmp_path: Path) -> None:
    env = oncall_env(sqlite_url(tmp_path))
    bad = tmp_path / "bad.yaml"
    bad.write_text(FIVE_MISTAKES)
    result = oncall_in_process("config", "apply", str(bad), env=env)
    assert result.exit_code == 1
    assert result.stderr.strip().endswith(f"error: {bad}: 5 errors")
    assert not (tmp_path / "cli.db").exists()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("mysql://u@h/db", "error: ONCALL_DATABASE_URL uses 'mysql', which is not supported; use "),
        ("not a url", "error: ONCALL_DATABASE_URL is not a database URL: 'not a url'; use "),
        (
            "postgresql+asyncpg://u@127.0.0.1:1/db",
            "error: cannot reach the database at postgresql+asyncpg://u@127.0.0.1:1/db: ",
        ),
        (
            "sqlite+aiosqlite:////nonexistent/dir/oncall.db",
            "error: cannot reach the database at sqlite+aiosqlite:////nonexistent/dir/oncall.db: unable to open database file (the folder /nonexistent/dir does not exist)",
        ),
        (
            "sqlite+aiosqlite:////",  # the root folder itself: a folder, not a file
            "error: cannot reach the database at sqlite+aiosqlite:////: unable to open database file",
        ),
        (
            "postgresql://u:hunter2@127.0.0.1:1/db",
            "error: cannot reach the database at postgresql+asyncpg://u:***@127.0.0.1:1/db: ",
        ),
    ],
)
@pytest.mark.parametrize("command", [["db", "upgrade"], ["config", "apply", str(EXAMPLE_CONFIG)]])
def test_bad_database_is_one_clear_line(url: str, expected: str, command: list[str]) -> None:
    """The case with a password runs the real console script (nothing else may reach its
    stderr: no log line, warning or traceback); the rest in this process."""
    env = oncall_env(url)
    if "hunter2" in url:
        done = run_oncall(*command, env=env)
        code, stderr = done.returncode, done.stderr
    else:
        result = oncall_in_process(*command, env=env)
        code, stderr = result.exit_code, result.stderr
    assert code == 1
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith(expected), lines[0]
    assert "hunter2" not in stderr


def test_db_upgrade_reports_revision(database_url: str) -> None:
    from storage.migrate import head_revision

    head = head_revision()
    env = oncall_env(database_url)
    first = run_oncall("db", "upgrade", env=env)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == f"database upgraded from empty to {head}"
    second = oncall_in_process("db", "upgrade", env=env)
    assert second.exit_code == 0, second.stderr
    assert second.stdout.strip() == f"database is up to date (revision {head})"


def test_a_database_migrated_by_a_newer_release_is_one_clear_line(database_url: str) -> None:
    import asyncio

    from sqlalchemy import text

    from storage.engine import create_engine
    from storage.migrate import head_revision, upgrade

    async def from_the_future() -> None:
        engine = create_engine(database_url)
        try:
            await upgrade(engine)
            async with engine.begin() as conn:
                await conn.execute(text("UPDATE alembic_version SET version_num = '0099'"))
        finally:
            await engine.dispose()

    asyncio.run(from_the_future())
    env = oncall_env(database_url)
    for command in (("db", "upgrade"), ("config", "apply", str(EXAMPLE_CONFIG))):
        result = oncall_in_process(*command, env=env)
        assert result.exit_code == 1, (command, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert lines == [
            f"error: the database is at migration 0099, which this release does not know "
            f"(its newest is {head_revision()}): a newer release migrated it; run that "
            "release, or restore the backup taken before the upgrade"
        ], command
        assert "Traceback" not in result.stderr


def test_bad_setting_is_a_usage_error(tmp_path: Path) -> None:
    result = oncall_in_process("db", "upgrade", env=oncall_env(sqlite_url(tmp_path), PORT="eighty"))
    assert result.exit_code == 2
    assert result.stderr.strip().startswith("error: setting PORT:")


def test_everyday_commands_import_no_chat_sdk_or_orm() -> None:
    # `config validate` must not pay for Slack, Teams, aiohttp or SQLAlchemy at start-up.
    code = (
        "import sys\n"
        "from bot.cli import app\n"
        "try:\n"
        f"    app(['config', 'validate', {str(EXAMPLE_CONFIG)!r}])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = [m for m in ('slack_bolt', 'slack_sdk', 'botbuilder', 'aiohttp', 'sqlalchemy', "
        "'sqlmodel', 'alembic', 'apscheduler') if m in sys.modules]\n"
        "print('HEAVY=' + ','.join(heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "valid (12 people" in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "HEAVY="


def test_help_lists_commands() -> None:
    result = run_oncall("--help", env=oncall_env("sqlite+aiosqlite:///x.db"))
    assert result.returncode == 0
    for command in ("serve", "config", "db"):
        assert command in result.stdout
