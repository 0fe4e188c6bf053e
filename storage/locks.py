"""One holder at a time across instances, for work whose order matters (the alert inbox)."""

from __future__ import annotations

import asyncio
import os
import zlib
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # no flock here: SQLite work is held per process only
    fcntl = None  # type: ignore[assignment]

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

_LOCAL: dict[str, asyncio.Lock] = {}


@asynccontextmanager
async def exclusive(engine: AsyncEngine, name: str) -> AsyncIterator[bool]:
    """Yield True when this process holds ``name``, False when another holder has it.

    PostgreSQL: a session advisory lock, so only one instance holds it. SQLite (one host): a
    ``flock`` on ``<database>-<name>.lock``, so one process holds it (a worker left running by
    a killed server and the new server's worker never work the inbox at once; the kernel
    drops the lock with its process). Never waits: a caller that gets False skips.
    """
    local = _LOCAL.setdefault(name, asyncio.Lock())
    if local.locked():
        yield False
        return
    async with local:
        if engine.dialect.name != "postgresql":
            with _file_lock(engine.url.database, name) as got:
                yield got
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


@contextmanager
def _file_lock(database: str | None, name: str) -> Iterator[bool]:
    if fcntl is None or not database or database == ":memory:":
        yield True
        return
    path = Path(database).expanduser().resolve()
    fd = os.open(path.with_name(f"{path.name}-{name}.lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)  # closing drops the lock
