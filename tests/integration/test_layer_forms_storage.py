"""Issue 15's layer fields survive the configuration tables: the rows hold members, rotation,
every, start and active; until, rotation_start, skip, shift and turn come from the revision."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from core.config.apply import apply_configuration
from core.config.validate import validate_document
from storage.config_repo import CONFIG_CACHE
from storage.uow import SqlUnitOfWork, session_factory
from tests.unit.config.test_validate import BASE

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


async def test_the_new_layer_fields_load_back_and_a_second_apply_changes_nothing(
    engine: AsyncEngine,
) -> None:
    data = copy.deepcopy(BASE)
    layer = data["schedules"][0]["layers"][0]
    layer.update(until="2026-06-01 09:00", rotation_start="2026-02-01 09:00", skip=1, shift="3h")
    layer["active"][0]["days_of_month"] = [1, 15, -1]
    config = validate_document(data).config
    assert config is not None
    first = await apply_configuration(
        SqlUnitOfWork(session_factory(engine)), config, actor="t", source="t", now=NOW
    )
    assert first.written
    CONFIG_CACHE.clear()  # read the rows, not the configuration remembered by digest
    async with SqlUnitOfWork(session_factory(engine)) as uow:
        assert await uow.config.load() == config
    CONFIG_CACHE.clear()
    second = await apply_configuration(
        SqlUnitOfWork(session_factory(engine)), config, actor="t", source="t", now=NOW
    )
    assert not second.written
