"""Schema migrations (Alembic), run programmatically on an async engine.

``oncall db upgrade`` and ``oncall serve`` both call :func:`upgrade`. On PostgreSQL the upgrade
holds an advisory lock, so two instances starting at once do not race each other.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.errors import DatabaseError

MIGRATIONS = Path(__file__).parent / "migrations"
_LOCK_ID = 0x6F6E63616C6C  # "oncall"


def alembic_config() -> Config:
    """An Alembic config pointing at the packaged migrations (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str | None:
    """The newest revision the code knows."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def current_revision(engine: AsyncEngine) -> str | None:
    """The revision the database is at; None for an empty database."""
    async with engine.connect() as conn:
        return await conn.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )


async def upgrade(engine: AsyncEngine, revision: str = "head") -> str | None:
    """Apply every migration up to ``revision`` in one transaction; returns the revision the
    database was at (read under the lock, so of two upgrades at once the second sees the
    first's work). Raises :class:`DatabaseError` when the database was migrated by a newer
    release than this one (its revision is unknown here): this code would misread its tables,
    and Alembic's own error is a traceback."""
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _LOCK_ID})
        before: str | None = await conn.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )
        if before is not None and not _known(before):
            raise DatabaseError(
                f"the database is at migration {before}, which this release does not know "
                f"(its newest is {head_revision()}): a newer release migrated it; run that "
                "release, or restore the backup taken before the upgrade"
            )
        await conn.run_sync(_run, "upgrade", revision)
    return before


def _known(revision: str) -> bool:
    try:
        return ScriptDirectory.from_config(alembic_config()).get_revision(revision) is not None
    except Exception:  # alembic raises its own errors for unknown or ambiguous revisions
        return False


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    """Go back to ``revision`` (``base`` empties the database of our tables)."""
    async with engine.begin() as conn:
        await conn.run_sync(_run, "downgrade", revision)


def _run(sync_connection: Any, direction: str, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = sync_connection
    getattr(command, direction)(config, revision)
