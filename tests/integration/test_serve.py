"""``oncall serve`` as a real process: starts, applies the configuration, answers, stops."""

from __future__ import annotations

import json
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.support import EXAMPLE_CONFIG, ONCALL, free_port, oncall_env, oncall_in_process
from tests.unit.config.test_loader import FIVE_MISTAKES


def get(url: str) -> tuple[int, dict[str, object]]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@contextmanager
def server(env: dict[str, str], cwd: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    port = free_port()
    env = {**env, "PORT": str(port)}
    proc = subprocess.Popen(
        [ONCALL, "serve"],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                _out, err = proc.communicate()
                pytest.fail(f"server exited with {proc.returncode}: {err}")
            try:
                if get(f"{base}/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("server did not answer /healthz within 60 s")
        yield proc, base
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def test_serve_applies_config_answers_and_stops_on_sigterm(
    database_url: str, tmp_path: Path
) -> None:
    env = oncall_env(database_url, ONCALL_CONFIG=str(EXAMPLE_CONFIG))
    with server(env, tmp_path) as (proc, base):
        assert get(f"{base}/healthz") == (200, {"status": "ok"})
        deadline = time.monotonic() + 10
        status, body = get(f"{base}/readyz")
        while status != 200 and time.monotonic() < deadline:
            time.sleep(0.2)
            status, body = get(f"{base}/readyz")
        assert (status, body) == (
            200,
            {"status": "ready", "checks": {"database": "ok", "scheduler": "ok"}},
        )
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=15)
    assert proc.returncode == 0, err
    assert "applied" in err and "revision 1" in err
    assert "Slack is off: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET" in err
    assert "Teams is off: set MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD" in err
    assert "stopping" in err
    # The configuration is in the database: applying the same file again changes nothing.
    # (in this process: the console script runs `config apply` in test_cli_config.py)
    again = oncall_in_process("config", "apply", str(EXAMPLE_CONFIG), env=oncall_env(database_url))
    assert again.exit_code == 0, again.stderr
    assert again.stdout.startswith("No changes"), again.stdout + again.stderr


def test_sigint_stops_cleanly(tmp_path: Path) -> None:
    env = oncall_env(f"sqlite+aiosqlite:///{tmp_path / 's.db'}")
    with server(env, tmp_path) as (proc, _base):
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=15)
    assert proc.returncode == 0, err
    assert "Traceback" not in err


def test_secrets_never_reach_the_log(tmp_path: Path) -> None:
    env = oncall_env(
        f"sqlite+aiosqlite:///{tmp_path / 's.db'}",
        ONCALL_ALERT_TOKEN="alert-secret-123",
        SLACK_BOT_TOKEN="xoxb-secret-456",
    )
    with server(env, tmp_path) as (proc, _base):
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=15)
    assert "alert-secret-123" not in out + err
    assert "xoxb-secret-456" not in out + err


def test_invalid_config_stops_start_with_every_message(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(FIVE_MISTAKES)
    env = oncall_env(
        f"sqlite+aiosqlite:///{tmp_path / 's.db'}", ONCALL_CONFIG=str(bad), PORT=str(free_port())
    )
    result = subprocess.run(
        [ONCALL, "serve"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert sum(line.startswith(f"{bad}:") for line in lines) == 5
    assert lines[-1] == f"error: {bad}: 5 errors"
    assert "Traceback" not in result.stderr


def test_unreachable_database_is_one_line(tmp_path: Path) -> None:
    env = oncall_env("postgresql+asyncpg://oncall:pw@127.0.0.1:1/oncall", PORT=str(free_port()))
    result = subprocess.run(
        [ONCALL, "serve"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(
        "error: cannot reach the database at postgresql+asyncpg://oncall:***@127.0.0.1:1/oncall: "
    )


def test_port_in_use_is_one_line(tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = oncall_env(f"sqlite+aiosqlite:///{tmp_path / 's.db'}", PORT=str(port))
        result = subprocess.run(
            [ONCALL, "serve"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
        )
    assert result.returncode == 1
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .startswith(f"error: cannot listen on 127.0.0.1:{port}")
    )
    assert "Traceback" not in result.stderr


async def test_worker_alone_works_off_the_inbox_and_stops_on_sigterm(tmp_path: Path) -> None:
    """``oncall worker`` without ``serve``: it finds stored deliveries by polling, and
    SIGTERM stops it cleanly (exit 0) after its work under way."""
    import asyncio

    from sqlalchemy import select

    from core.incidents.inbox import batch_to_json
    from core.incidents.ports import AlertBatch
    from storage.engine import create_engine
    from storage.incident_tables import InboxRow, IncidentRow
    from storage.uow import SqlUnitOfWork, session_factory
    from tests.support import apply_example

    url = f"sqlite+aiosqlite:///{tmp_path / 'w.db'}"
    await apply_example(url)
    engine = create_engine(url)
    try:
        batch = AlertBatch(
            "generic", "disk-full", "firing", "Disk full", {"service": "checkout-api"}
        )
        async with SqlUnitOfWork(session_factory(engine)) as uow:
            await uow.inbox.add_many([("generic", datetime.now(UTC), batch_to_json(batch))])
            await uow.commit()
        proc = await asyncio.create_subprocess_exec(
            ONCALL, "worker", env=oncall_env(url), cwd=tmp_path, stderr=asyncio.subprocess.PIPE
        )
        deadline = time.monotonic() + 30
        while True:
            async with engine.connect() as conn:
                status = (await conn.execute(select(InboxRow.status))).scalar_one()  # type: ignore[call-overload]
                titles = (await conn.execute(select(IncidentRow.title))).scalars().all()  # type: ignore[call-overload]
            if status == "done":
                break
            assert time.monotonic() < deadline, "the worker did not process the delivery"
            await asyncio.sleep(0.1)
        assert titles == ["Disk full"]
        proc.send_signal(signal.SIGTERM)
        assert proc.stderr is not None
        err = (await asyncio.wait_for(proc.stderr.read(), 30)).decode()
        assert await proc.wait() == 0, err
        assert f"worker {proc.pid} stopped" in err and "Traceback" not in err
    finally:
        await engine.dispose()
