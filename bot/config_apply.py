"""Glue between the CLI (or the server's start) and the apply-configuration use case."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import SystemClock
from bot.settings import Settings
from core.config.apply import ApplyOutcome, apply_configuration
from core.config.model import Configuration
from core.ports import Clock
from integrations.config_repo.loader import load_configuration
from storage.engine import check_connection, create_engine
from storage.migrate import head_revision, upgrade
from storage.uow import SqlUnitOfWork, session_factory


async def prepare_database(settings: Settings, *, checkpoints: bool = True) -> AsyncEngine:
    """Connect, check the database answers, and bring its schema up to date.

    ``checkpoints``: see :func:`storage.engine.create_engine`."""
    engine = create_engine(settings.database_url, checkpoints=checkpoints)
    try:
        await check_connection(engine)
        await upgrade(engine)
    except BaseException:
        await engine.dispose()
        raise
    return engine


async def apply_to_engine(
    engine: AsyncEngine,
    config: Configuration,
    *,
    source: str,
    actor: str,
    clock: Clock,
    dry_run: bool = False,
) -> ApplyOutcome:
    """Apply ``config`` through the core use case on ``engine``."""
    uow = SqlUnitOfWork(session_factory(engine))
    return await apply_configuration(
        uow, config, actor=actor, source=source, now=clock.now(), dry_run=dry_run
    )


async def apply_file(settings: Settings, path: Path, *, dry_run: bool, actor: str) -> ApplyOutcome:
    """Validate ``path`` and apply it (``oncall config apply``)."""
    config = load_configuration(path)
    engine = await prepare_database(settings)
    try:
        return await apply_to_engine(
            engine,
            config,
            source=str(path),
            actor=actor,
            clock=SystemClock(),
            dry_run=dry_run,
        )
    finally:
        await engine.dispose()


async def upgrade_database(settings: Settings) -> tuple[str | None, str | None]:
    """``oncall db upgrade``: returns the revision before and after."""
    engine = create_engine(settings.database_url)
    try:
        await check_connection(engine)
        before = await upgrade(engine)
        return before, head_revision()
    finally:
        await engine.dispose()


def describe(outcome: ApplyOutcome, source: str, *, dry_run: bool) -> Iterator[str]:
    """Lines for people: counts per kind, then one line per change."""
    diff = outcome.diff
    if diff.empty:
        yield f"No changes: the database already matches {source}."
        return
    for kind, counts in diff.counts().items():
        parts = [f"{n} {action}" for action, n in counts.items() if n]
        yield f"{kind}: {', '.join(parts)}"
    for change in diff.changes:
        yield f"  {change.describe()}"
    if dry_run:
        yield "Dry run: nothing was written."
    else:
        yield f"Applied {source} (revision {outcome.revision})."
