"""Applying configurations to SQLite and PostgreSQL: round trip, idempotence, audit, history."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from core.config.apply import apply_configuration
from core.config.model import Configuration
from core.config.validate import validate_document
from integrations.config_repo.loader import load_configuration
from storage.engine import create_engine
from storage.migrate import current_revision, downgrade, head_revision, upgrade
from storage.tables import AuditRow, ConfigRevisionRow, OverrideRow, PersonRow, TimeOffRow
from storage.uow import SqlUnitOfWork, session_factory
from tests.support import EXAMPLE_CONFIG
from tests.unit.config.test_validate import BASE

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def config(data: dict[str, Any]) -> Configuration:
    result = validate_document(data)
    assert result.config is not None, result.issues
    return result.config


async def apply(
    engine: AsyncEngine, cfg: Configuration, *, dry_run: bool = False, at: datetime = NOW
):
    uow = SqlUnitOfWork(session_factory(engine))
    return await apply_configuration(
        uow, cfg, actor="test", source="test.yaml", now=at, dry_run=dry_run
    )


async def count(engine: AsyncEngine, table: Any) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


async def stored(engine: AsyncEngine) -> Configuration | None:
    async with SqlUnitOfWork(session_factory(engine)) as uow:
        return await uow.config.load()


async def test_empty_database_has_no_configuration(engine: AsyncEngine) -> None:
    assert await stored(engine) is None


async def test_example_round_trips_and_second_apply_changes_nothing(engine: AsyncEngine) -> None:
    example = load_configuration(EXAMPLE_CONFIG)
    first = await apply(engine, example)
    assert first.written and first.revision == 1
    assert first.diff.counts()["people"]["added"] == 12
    assert await stored(engine) == example

    second = await apply(engine, example, at=NOW + timedelta(hours=1))
    assert second.diff.empty and not second.written
    assert await count(engine, ConfigRevisionRow) == 1
    assert await count(engine, AuditRow) == 1


async def test_dry_run_writes_nothing(engine: AsyncEngine) -> None:
    outcome = await apply(engine, config(BASE), dry_run=True)
    assert not outcome.written and not outcome.diff.empty
    assert await count(engine, PersonRow) == 0
    assert await count(engine, AuditRow) == 0
    assert await stored(engine) is None


async def test_change_and_removal_are_applied_and_audited(engine: AsyncEngine) -> None:
    await apply(engine, config(BASE))
    new = copy.deepcopy(BASE)
    new["people"] = [p for p in new["people"] if p["id"] != "erin"]
    new["schedules"][0]["layers"][0]["members"] = ["bob", "alice"]
    new["escalation_policies"][0]["tiers"].pop()
    new["routes"] = []
    new_config = config(new)
    outcome = await apply(engine, new_config, at=NOW + timedelta(days=1))
    assert outcome.written and outcome.revision == 2
    assert await stored(engine) == new_config
    async with engine.connect() as conn:
        rows = (await conn.execute(select(AuditRow).order_by(AuditRow.id))).all()  # type: ignore[arg-type]
    assert [r.action for r in rows] == ["config.apply", "config.apply"]
    detail = rows[-1].detail
    assert detail["revision"] == 2
    assert {"kind": "people", "id": "erin", "action": "removed", "fields": []} in detail["changes"]
    assert rows[-1].at == NOW + timedelta(days=1)


async def test_apply_never_touches_overrides_or_time_off(engine: AsyncEngine) -> None:
    await apply(engine, config(BASE))
    async with SqlUnitOfWork(session_factory(engine)) as uow:
        await uow.schedules.add_override(
            schedule_id="primary",
            person_id="erin",
            start=NOW,
            end=NOW + timedelta(hours=8),
            created_at=NOW,
            created_by="dana",
        )
        await uow.schedules.add_time_off(
            person_id="erin",
            start=NOW,
            end=NOW + timedelta(days=3),
            created_at=NOW,
            created_by="erin",
        )
        await uow.commit()
    shrunk = copy.deepcopy(BASE)
    shrunk["people"] = [p for p in shrunk["people"] if p["id"] != "erin"]
    shrunk["schedules"] = []
    shrunk["escalation_policies"][0]["tiers"].pop(0)
    await apply(engine, config(shrunk))
    assert await count(engine, OverrideRow) == 1
    assert await count(engine, TimeOffRow) == 1
    async with engine.connect() as conn:
        override = (await conn.execute(select(OverrideRow))).one()
    assert override.starts_at == NOW and override.starts_at.tzinfo is not None


async def test_revisions_keep_every_applied_document(engine: AsyncEngine) -> None:
    await apply(engine, config(BASE))
    changed = copy.deepcopy(BASE)
    changed["timezone"] = "America/Chicago"
    await apply(engine, config(changed), at=NOW + timedelta(days=2))
    async with engine.connect() as conn:
        rows = (await conn.execute(select(ConfigRevisionRow).order_by(ConfigRevisionRow.id))).all()  # type: ignore[arg-type]
    assert [r.document["timezone"] for r in rows] == ["Europe/Berlin", "America/Chicago"]
    assert [r.applied_at for r in rows] == [NOW, NOW + timedelta(days=2)]
    assert rows[0].digest != rows[1].digest


class _BrokenAudit:
    async def append(self, entry: object) -> None:
        raise RuntimeError("the audit log is full")


class _UnitWithBrokenAudit(SqlUnitOfWork):
    async def __aenter__(self) -> SqlUnitOfWork:
        await super().__aenter__()
        self.audit = _BrokenAudit()  # type: ignore[assignment]
        return self


async def test_failed_apply_leaves_the_database_as_it_was(engine: AsyncEngine) -> None:
    await apply(engine, config(BASE))
    before = await stored(engine)
    changed = copy.deepcopy(BASE)
    changed["people"] = changed["people"][:3]
    uow = _UnitWithBrokenAudit(session_factory(engine))
    with pytest.raises(RuntimeError, match="audit log is full"):
        await apply_configuration(uow, config(changed), actor="t", source="t", now=NOW)
    assert await stored(engine) == before
    assert await count(engine, ConfigRevisionRow) == 1
    assert await count(engine, PersonRow) == 4


async def test_migrations_match_the_models(engine: AsyncEngine) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from storage.schema import metadata

    async with engine.connect() as conn:
        diffs = await conn.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), metadata)
        )
    assert diffs == []
    assert await current_revision(engine) == head_revision()


async def test_downgrade_and_upgrade_again(engine: AsyncEngine) -> None:
    await apply(engine, config(BASE))
    await downgrade(engine, "base")
    assert await current_revision(engine) is None
    async with engine.connect() as conn:
        tables = await conn.run_sync(lambda sync: sync.dialect.get_table_names(sync))
    assert "people" not in tables
    await upgrade(engine)
    await upgrade(engine)  # a second upgrade is a no-op
    assert await stored(engine) is None


async def test_sqlite_pragmas(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'p.db'}")
    try:
        async with engine.connect() as conn:
            assert (await conn.execute(text("PRAGMA journal_mode"))).scalar_one() == "wal"
            assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar_one() == 1
            assert (await conn.execute(text("PRAGMA busy_timeout"))).scalar_one() == 5000
    finally:
        await engine.dispose()


async def test_response_fields_round_trip(engine: AsyncEngine) -> None:
    """Fields the tables have no column for come back from the revision's document."""
    from tests.unit.config.test_response_sections import with_response

    cfg = config(with_response())
    await apply(engine, cfg)
    assert await stored(engine) == cfg
    again = await apply(engine, cfg, at=NOW + timedelta(hours=1))
    assert not again.written
    changed = config(with_response(heartbeats=[]))
    await apply(engine, changed, at=NOW + timedelta(hours=2))
    loaded = await stored(engine)
    assert loaded is not None and loaded.heartbeats == () and loaded.people[0].github
