"""One holder at a time across instances, for work whose order matters (the alert inbox)."""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

_LOCAL: dict[str, asyncio.Lock] = {}


@asynccontextmanager
async def exclusive(engine: AsyncEngine, name: str) -> AsyncIterator[bool]:
    """Yield True when this process holds ``name``, False when another holder has it.

    PostgreSQL: a session advisory lock, so only one instance holds it. SQLite: a lock in
    this process (SQLite serves one host). Never waits: a caller that gets False skips.
    """
    local = _LOCAL.setdefault(name, asyncio.Lock())
    if local.locked():
        yield False
        return
    async with local:
        if engine.dialect.name != "postgresql":
            yield True
            return
        key = zlib.crc32(name.encode())
        async with engine.connect() as conn:
            got = bool(await conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}))
            await conn.commit()
            try:
                yield got
            finally:
                if got:
                    await conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                    await conn.commit()
