"""Fixtures: every storage test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.browser import page  # noqa: F401 (the pages' browser)
from tests.fake_identity import fake_identity  # noqa: F401 (the Teams fixtures)
from tests.fake_teams import fake_connector  # noqa: F401
from tests.support import fresh_postgres_database, postgres_reachable, unavailable

_postgres_problem: list[str | None] = []


async def _postgres_status() -> str | None:
    if not _postgres_problem:
        _postgres_problem.append(await postgres_reachable())
    return _postgres_problem[0]


@pytest.fixture(params=["sqlite", "postgres"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database of each kind: a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'oncall.db'}"
        return
    problem = await _postgres_status()
    if problem:
        unavailable("postgres", problem)
    async with fresh_postgres_database() as url:
        yield url


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[object]:
    """A migrated engine on each database kind."""
    from storage.engine import create_engine
    from storage.migrate import upgrade

    eng = create_engine(database_url)
    await upgrade(eng)
    try:
        yield eng
    finally:
        await eng.dispose()


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    """A new PostgreSQL database, for tests of what only PostgreSQL deployments do (several
    instances sharing one database)."""
    problem = await _postgres_status()
    if problem:
        unavailable("postgres", problem)
    async with fresh_postgres_database() as url:
        yield url
