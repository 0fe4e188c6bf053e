"""The worker process as ``oncall serve`` sees it: kicked, watched, restarted, stopped.

The child here is a small stand-in with the worker's control channel (stdin: bytes mean work,
end of file means stop; stdout: ``tick`` lines), so each behaviour can be forced; the real
worker runs under ``oncall serve`` in test_serve.py and test_escalation_durability.py.
"""

from __future__ import annotations

import asyncio
import sys
import textwrap
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.worker_process import WorkerProcess

CHILD = textwrap.dedent(
    """
    import os, sys, threading, time
    folder, mode = sys.argv[1], sys.argv[2]
    runs = len(os.listdir(folder))
    log = open(os.path.join(folder, f"run-{runs}"), "w", buffering=1)
    if mode == "crash-first" and runs == 0:
        sys.exit(3)
    def beat():
        while mode != "silent":
            print("tick", flush=True)
            time.sleep(0.1)
    threading.Thread(target=beat, daemon=True).start()
    while True:
        data = os.read(0, 100)
        if not data:
            log.write("eof\\n")
            break
        log.write(f"kick {len(data)}\\n")
    """
)


def worker(folder: Path, mode: str = "normal", **kwargs: float) -> WorkerProcess:
    command = (sys.executable, "-c", CHILD, str(folder), mode)
    return WorkerProcess({}, command=command, **kwargs)


async def until(check: Callable[[], bool | Awaitable[bool]], what: str, within: float = 10) -> None:
    deadline = time.monotonic() + within
    while True:
        result = check()
        if not isinstance(result, bool):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


def now() -> datetime:
    return datetime.now(UTC)


async def test_ticks_make_it_ready_and_kicks_reach_the_child(tmp_path: Path) -> None:
    process = worker(tmp_path)
    assert process.problem(now()) == "worker process not running"
    process.start()
    try:
        await until(lambda: process.problem(now()) is None, "the first tick")
        for _ in range(5):
            process.kick()
        await until(lambda: "kick" in (tmp_path / "run-0").read_text(), "a kick to arrive")
    finally:
        await process.stop()
    lines = (tmp_path / "run-0").read_text().splitlines()
    assert lines[-1] == "eof"  # stopped by closing its stdin, not killed
    kicked = sum(int(line.split()[1]) for line in lines if line.startswith("kick"))
    assert 1 <= kicked <= 5  # coalesced while unread: never more bytes than kicks
    assert process.problem(now()) == "worker process not running"


async def test_a_child_that_dies_is_started_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    process = worker(tmp_path, "crash-first")
    process.start()
    try:
        await until(lambda: process.starts == 2, "the second start", within=15)
        await until(lambda: process.problem(now()) is None, "the restarted child's tick")
    finally:
        await process.stop()
    assert "the worker process exited with status 3; starting it again in 1s" in caplog.text
    assert (tmp_path / "run-1").read_text().splitlines()[-1] == "eof"


async def test_a_silent_child_is_reported_not_ready(tmp_path: Path) -> None:
    process = worker(tmp_path, "silent", stale_after=0.3)
    process.start()
    try:
        await until(lambda: (tmp_path / "run-0").exists(), "the child to start")
        await asyncio.sleep(0.5)
        assert process.problem(now()) == "worker process starting"  # never ticked
    finally:
        await process.stop()


async def test_a_child_that_ignores_the_end_of_stdin_is_killed(tmp_path: Path) -> None:
    stubborn = "import signal, time\nwhile True: print('tick', flush=True); time.sleep(0.1)"
    process = WorkerProcess({}, command=(sys.executable, "-c", stubborn), stop_within=0.5)
    process.start()
    await until(lambda: process.problem(now()) is None, "the first tick")
    began = time.monotonic()
    await process.stop()
    assert time.monotonic() - began < 10
    assert process.problem(now()) == "worker process not running"


async def test_stop_while_the_child_is_being_started_does_not_hang(tmp_path: Path) -> None:
    process = worker(tmp_path)
    process.start()
    await asyncio.sleep(0)  # the supervisor is inside create_subprocess_exec
    await asyncio.wait_for(process.stop(), 15)
    assert process.problem(now()) == "worker process not running"
    assert (tmp_path / "run-0").read_text().splitlines()[-1] == "eof"  # told, not killed


async def test_any_amount_of_output_keeps_the_heartbeat_read(tmp_path: Path) -> None:
    noisy = (
        "import sys, time\nsys.stdout.write('x' * 70000); sys.stdout.flush()\n"
        "while True: print('tick', flush=True); time.sleep(0.1)"
    )
    process = WorkerProcess({}, command=(sys.executable, "-c", noisy), stop_within=0.5)
    process.start()
    try:
        await until(lambda: process.problem(now()) is None, "a tick after 70,000 bytes")
    finally:
        await process.stop()
    assert process.starts == 1


async def test_a_child_signalled_with_serve_is_not_started_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """systemd signals the whole group: serve begins stopping at once, so the child's own
    exit is expected, not a crash to recover from."""
    import os
    import signal

    process = worker(tmp_path)
    process.start()
    await until(lambda: process.problem(now()) is None, "the first tick")
    process.stopping()
    assert process.pid is not None
    os.kill(process.pid, signal.SIGTERM)
    await asyncio.sleep(1.5)  # longer than the first restart delay
    await process.stop()
    assert process.starts == 1
    assert "starting it again" not in caplog.text


def test_the_worker_command_never_imports_a_bot_package_from_the_working_directory(
    tmp_path: Path,
) -> None:
    import subprocess

    from bot.worker_process import WORKER_COMMAND

    (tmp_path / "bot").mkdir()
    (tmp_path / "bot" / "__init__.py").write_text("print('WRONG bot package')\n")
    (tmp_path / "bot" / "__main__.py").write_text("print('WRONG bot package')\n")
    command = [*WORKER_COMMAND[: WORKER_COMMAND.index("worker")], "worker", "--help"]
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert "WRONG" not in result.stdout + result.stderr
    assert result.returncode == 0 and "Run the background work alone" in result.stdout
