"""Migration 0009 (Teams' conversation references) on a database already at 0008, on SQLite
and PostgreSQL: ``oncall db upgrade`` adds the table, downgrading to 0008 takes it away again.

From an empty database, ``test_cli_config.test_db_upgrade_reports_revision`` and
``test_config_storage.test_migrations_match_the_models`` cover every migration.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from core.chat.ports import ConversationRef
from storage.engine import create_engine
from storage.migrate import current_revision, downgrade, head_revision, upgrade
from storage.uow import SqlUnitOfWork, session_factory
from tests.support import oncall_env, run_oncall

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
TABLE = "teams_conversations"


async def table_names(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as conn:
        return await conn.run_sync(lambda sync: sync.dialect.get_table_names(sync))


async def test_upgrade_from_0008_and_back(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        await upgrade(engine, "0008")
        assert TABLE not in await table_names(engine)
        result = run_oncall("db", "upgrade", env=oncall_env(database_url))
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == f"database upgraded from 0008 to {head_revision()}"
        assert await current_revision(engine) == head_revision()
        ref = ConversationRef(
            "19:general@thread.tacv2",
            "channel",
            "https://smba.trafficmanager.net/emea/",
            "tenant-1",
            "team-1",
            None,
            None,
            {"conversation": {"id": "19:general@thread.tacv2"}, "bot": {"id": "28:b"}},
            True,
            T0,
        )
        async with SqlUnitOfWork(session_factory(engine)) as uow:
            await uow.conversations.save(ref)
            await uow.commit()
        async with SqlUnitOfWork(session_factory(engine)) as uow:
            assert await uow.conversations.in_team("team-1") == [ref]
        await downgrade(engine, "0008")
        assert await current_revision(engine) == "0008"
        names = await table_names(engine)
        assert TABLE not in names and "gap_warnings" in names
        await upgrade(engine)
        assert TABLE in await table_names(engine)
    finally:
        await engine.dispose()
