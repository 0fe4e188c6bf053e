"""Test helpers shared by the suites: required services, databases, free ports, subprocesses."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from click.testing import Result

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_CONFIG = ROOT / "examples" / "oncall.yaml"
ONCALL = str(Path(sys.executable).parent / "oncall")
POSTGRES_URL = os.environ.get(
    "ONCALL_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
REQUIRED = {s.strip() for s in os.environ.get("ONCALL_TEST_REQUIRE", "").split(",") if s.strip()}


def unavailable(service: str, reason: str) -> None:
    """Skip with ``reason``, or fail when CI said ``service`` must be there."""
    if service in REQUIRED:
        pytest.fail(f"{reason} (ONCALL_TEST_REQUIRE names {service!r}, so this may not skip)")
    pytest.skip(reason)


async def postgres_reachable() -> str | None:
    """None when PostgreSQL answers at POSTGRES_URL, else why not."""
    import asyncpg

    try:
        conn = await asyncpg.connect(_plain(POSTGRES_URL), timeout=3)
        await conn.close()
    except Exception as exc:
        return f"PostgreSQL is not reachable at {POSTGRES_URL}: {exc}"
    return None


def _plain(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


@asynccontextmanager
async def fresh_postgres_database() -> AsyncIterator[str]:
    """A new, empty PostgreSQL database for one test; dropped afterwards."""
    url = await create_postgres_database()
    try:
        yield url
    finally:
        await drop_postgres_database(url)


async def create_postgres_database() -> str:
    """A new, empty PostgreSQL database next to POSTGRES_URL; its URL."""
    import asyncpg

    name = f"oncall_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(_plain(POSTGRES_URL), timeout=5)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    base, _, _ = POSTGRES_URL.rpartition("/")
    return f"{base}/{name}"


async def drop_postgres_database(url: str) -> None:
    """Drop the database :func:`create_postgres_database` made (connections or not)."""
    import asyncpg

    name = url.rpartition("/")[2]
    admin = await asyncpg.connect(_plain(POSTGRES_URL), timeout=5)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@contextmanager
def shared_example_database(kind: str, folder: Path) -> Iterator[str]:
    """A database of ``kind`` (``sqlite`` or ``postgres``) with the migrations and
    examples/oncall.yaml applied, for a module-scoped fixture shared by tests that change
    nothing and check that they did not (a fresh, migrated PostgreSQL database costs ~2 s a
    test). Synchronous (each step in an event loop of its own), so a module-scoped fixture can
    use it whatever loop each test runs in."""
    if kind == "sqlite":
        url = f"sqlite+aiosqlite:///{folder / 'example.db'}"
        asyncio.run(apply_example(url))
        yield url
        return
    problem = asyncio.run(postgres_reachable())
    if problem:
        unavailable("postgres", problem)
    url = asyncio.run(create_postgres_database())
    try:
        asyncio.run(apply_example(url))
        yield url
    finally:
        asyncio.run(drop_postgres_database(url))


def postgres_only_in_proof() -> pytest.MarkDecorator:
    """For a slow whole-product flow taking ``database_url``: its SQLite variant runs in
    ``make test``, its PostgreSQL variant is marked ``proof`` (``make proof`` runs it). Only
    where faster tests already cover the same storage behaviour on PostgreSQL: name them in a
    comment next to the mark. The test ids stay ``[sqlite]`` and ``[postgres]``."""
    return pytest.mark.parametrize(
        "database_url",
        ["sqlite", pytest.param("postgres", marks=pytest.mark.proof)],
        indirect=True,
    )


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def oncall_env(database_url: str, **extra: str) -> dict[str, str]:
    """An environment for running ``oncall`` with no settings leaking in from the caller."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("ONCALL_", "SLACK_", "MICROSOFT_"))
    }
    env.pop("PORT", None)
    env["ONCALL_DATABASE_URL"] = database_url
    env.update(extra)
    return env


def run_oncall(
    *args: str, env: dict[str, str], cwd: Path | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run the ``oncall`` console script and capture its output."""
    return subprocess.run(
        [ONCALL, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout
    )


def oncall_in_process(*args: str, env: dict[str, str]) -> Result:
    """``oncall ARGS`` in this process, through the same Typer app the console script runs
    (``bot.cli.app``), with exactly ``env`` as its environment (what the caller's has and
    ``env`` lacks is removed for the call). Much cheaper than :func:`run_oncall` (no
    interpreter start or imports); keep one :func:`run_oncall` per command family so the
    console script itself stays tested. The commands call ``asyncio.run``: from an async test
    call this in a thread (``await asyncio.to_thread(oncall_in_process, ...)``)."""
    from typer.testing import CliRunner

    from bot.cli import app

    gone: dict[str, str | None] = {k: None for k in os.environ if k not in env}
    return CliRunner().invoke(app, list(args), env={**gone, **env}, catch_exceptions=False)


def alertmanager_binary() -> str | None:
    """The Debian package's binary, when installed."""
    return shutil.which("prometheus-alertmanager")


async def apply_example(database_url: str) -> None:
    """Migrate the database and apply examples/oncall.yaml, in this process (fast)."""
    from bot.clock import SystemClock
    from bot.config_apply import apply_to_engine
    from integrations.config_repo.loader import load_configuration
    from storage.engine import create_engine
    from storage.migrate import upgrade

    engine = create_engine(database_url)
    try:
        await upgrade(engine)
        config = load_configuration(EXAMPLE_CONFIG)
        await apply_to_engine(
            engine, config, source=str(EXAMPLE_CONFIG), actor="test", clock=SystemClock()
        )
    finally:
        await engine.dispose()


@asynccontextmanager
async def running_app(engine: object, clock: object, **settings: str) -> AsyncIterator[str]:
    """The composed aiohttp app on a loopback port, with the alert inbox processor of
    :class:`bot.worker.Background` working in this process (its scheduling loop does not run:
    tests fire escalations themselves); yields its base URL."""
    from aiohttp import web

    from bot.app import Runtime, build_app
    from bot.settings import Settings
    from bot.worker import Background

    config = Settings(**settings)  # type: ignore[arg-type]
    background = Background(engine, config, clock)  # type: ignore[arg-type]
    runtime = Runtime(
        settings=config,
        engine=engine,  # type: ignore[arg-type]
        clock=clock,  # type: ignore[arg-type]
        background=background,
    )
    runner = web.AppRunner(build_app(runtime))
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    background.inbox.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()
        await background.stop()
