"""SQLite sessions that run in the caller's thread, for the worker process.

Through aiosqlite every statement is three or four hops to the driver's thread and back
(cursor, execute, fetch, close), each about 50-100 µs; turning one delivery into an incident
runs about twenty statements, so the hops cost more than SQLite itself (a few µs a statement
on a local file). The worker, which runs nothing but such transactions, uses these sessions
instead: SQLAlchemy's synchronous session on the standard library's ``sqlite3``, called
straight from the event loop, behind the small part of ``AsyncSession``'s interface the
repositories use.

Blocking the loop is fine for a statement on a local file, never for waiting on a lock: the
write lock (``BEGIN IMMEDIATE``) is tried once, without SQLite's busy handler, and while
another process holds it the session sleeps :data:`storage.engine.LOCK_POLL` on the event
loop and tries again, up to :data:`storage.engine.LOCK_WAIT`; then "database is locked" is
raised as anywhere else. Under WAL nothing else waits for a lock.

PostgreSQL has no such cost (asyncpg speaks the protocol on the loop itself) and keeps its
``AsyncSession``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine, Result
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import Session, sessionmaker

from storage.engine import (
    LOCK_POLL,
    LOCK_WAIT,
    WRITE_INTENT,
    begin_once,
    is_locked,
    sqlite_pragmas,
)
from storage.write_priority import MOST_YIELD, WritePriority, write_priority


def blocking_engine(engine: AsyncEngine) -> Engine:
    """A synchronous engine on the same SQLite file as ``engine``."""
    url = engine.url.set(drivername="sqlite+pysqlite")
    sync = create_engine(url)
    event.listen(sync, "connect", sqlite_pragmas)
    event.listen(sync, "begin", begin_once)  # the session waits for the lock, not SQLite
    return sync


class BlockingSession:
    """What the repositories use of ``AsyncSession``, over a synchronous ``Session``."""

    def __init__(self, session: Session, priority: WritePriority | None = None) -> None:
        self._session = session
        self._priority = priority

    @property
    def bind(self) -> Engine:
        return self._session.get_bind()  # type: ignore[return-value]

    def add(self, instance: object) -> None:
        self._session.add(instance)

    async def connection(self, execution_options: Mapping[str, Any] | None = None) -> Connection:
        """The session's connection; with the write intent, once the write lock is held."""
        if not (execution_options or {}).get(WRITE_INTENT):
            return self._session.connection(execution_options=execution_options)
        start = time.monotonic()
        deadline = start + LOCK_WAIT
        if self._priority is not None:
            # The alert endpoint is waiting for the lock: let it go first (a while at most).
            while self._priority.claimed() and time.monotonic() - start < MOST_YIELD:  # noqa: ASYNC110 (another process: no event to wait on)
                await asyncio.sleep(LOCK_POLL)
        while True:
            try:
                return self._session.connection(execution_options=execution_options)
            except OperationalError as exc:
                if not is_locked(exc) or time.monotonic() > deadline:
                    raise
                self._session.close()
            await asyncio.sleep(LOCK_POLL)

    async def execute(self, statement: Any, params: Any = None, **kwargs: Any) -> Result[Any]:
        return self._session.execute(statement, params, **kwargs)

    async def scalar(self, statement: Any, params: Any = None, **kwargs: Any) -> Any:
        return self._session.scalar(statement, params, **kwargs)

    async def get(self, entity: Any, ident: Any, **kwargs: Any) -> Any:
        return self._session.get(entity, ident, **kwargs)

    async def merge(self, instance: Any) -> Any:
        return self._session.merge(instance)

    async def flush(self) -> None:
        self._session.flush()

    async def scalars(self, statement: Any, params: Mapping[str, Any] | None = None) -> Any:
        return self._session.scalars(statement, params)

    async def commit(self) -> None:
        self._session.commit()

    async def rollback(self) -> None:
        self._session.rollback()

    async def close(self) -> None:
        self._session.close()


class BlockingSessions:
    """A factory of :class:`BlockingSession` on one SQLite file; ``dispose`` when done.

    Their write transactions give way to the alert endpoint (storage.write_priority).
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = blocking_engine(engine)
        self._make = sessionmaker(self.engine, expire_on_commit=False)
        self._priority = write_priority(engine)

    def __call__(self) -> BlockingSession:
        return BlockingSession(self._make(), self._priority)

    def dispose(self) -> None:
        """Close the pooled connections."""
        self.engine.dispose()
        if self._priority is not None:
            self._priority.close()
