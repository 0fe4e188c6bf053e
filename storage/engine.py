"""The database engine: SQLite (embedded) or PostgreSQL, both through async drivers.

URLs are normalised so that what platforms hand out works as it is: ``postgres://`` and
``postgresql://`` become ``postgresql+asyncpg://``; ``sqlite:///`` becomes
``sqlite+aiosqlite:///``. Anything else is refused with one line that says what to write.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.util import await_only
from sqlalchemy.util.concurrency import in_greenlet

from storage.errors import DatabaseError

SQLITE = "sqlite+aiosqlite"
POSTGRES = "postgresql+asyncpg"
_ALIASES = {
    "postgres": POSTGRES,
    "postgresql": POSTGRES,
    "postgresql+asyncpg": POSTGRES,
    "sqlite": SQLITE,
    "sqlite+aiosqlite": SQLITE,
}
__all__ = ["DatabaseError", "check_connection", "create_engine", "parse_url", "safe_url"]
EXAMPLES = "sqlite+aiosqlite:///./oncall.db or postgresql+asyncpg://user:password@host:5432/db"


def parse_url(raw: str) -> URL:
    """Validate and normalise a database URL; :class:`DatabaseError` names what is wrong."""
    try:
        url = make_url(raw)
    except (ArgumentError, ValueError):
        raise DatabaseError(
            f"ONCALL_DATABASE_URL is not a database URL: {raw!r}; use {EXAMPLES}"
        ) from None
    driver = _ALIASES.get(url.drivername)
    if driver is None:
        raise DatabaseError(
            f"ONCALL_DATABASE_URL uses {url.drivername!r}, which is not supported; use {EXAMPLES}"
        )
    url = url.set(drivername=driver)
    if driver == SQLITE and url.database and url.database != ":memory:":
        folder = Path(url.database).expanduser().resolve().parent
        if not folder.is_dir():
            raise DatabaseError(
                f"cannot reach the database at {safe_url(url)}: unable to open database file "
                f"(the folder {folder} does not exist)"
            )
    if driver == SQLITE and not url.database:
        raise DatabaseError(
            "ONCALL_DATABASE_URL names no SQLite file; use sqlite+aiosqlite:///./oncall.db"
        )
    if driver == POSTGRES and not url.host and not url.query.get("host"):
        raise DatabaseError("ONCALL_DATABASE_URL names no PostgreSQL host")
    return url


def safe_url(url: URL | str) -> str:
    """The URL with its password hidden, fit for logs and error messages."""
    parsed = url if isinstance(url, URL) else make_url(url)
    return parsed.render_as_string(hide_password=True)


def create_engine(raw_url: str, *, echo: bool = False, checkpoints: bool = True) -> AsyncEngine:
    """Create the async engine for ``raw_url``.

    SQLite gets WAL (readers do not block the writer), foreign keys on, a 5-second busy
    timeout and ``synchronous=NORMAL`` (durable across a process crash, which is what WAL
    needs). PostgreSQL gets a pre-ping pool so a restarted server costs no failed request.
    """
    url = parse_url(raw_url)
    if url.drivername == SQLITE:
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": 5})
        event.listen(engine.sync_engine, "connect", sqlite_pragmas)
        if not checkpoints:
            event.listen(engine.sync_engine, "connect", _no_checkpoints)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    return create_async_engine(
        url,
        echo=echo,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=5,
        connect_args={"timeout": 5, "server_settings": {"application_name": "oncall"}},
    )


def is_postgres(engine: AsyncEngine) -> bool:
    """True when ``engine`` talks to PostgreSQL."""
    return engine.dialect.name == "postgresql"


def sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the driver, say when transactions begin: the driver's own handling
    # breaks SAVEPOINT and starts write transactions late (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in (
        "PRAGMA journal_mode=WAL",
        "PRAGMA foreign_keys=ON",
        f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
        "PRAGMA synchronous=NORMAL",
    ):
        cursor.execute(pragma)
    cursor.close()


def _no_checkpoints(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA wal_autocheckpoint={RARE_CHECKPOINT_PAGES}")
    cursor.close()


WRITE_INTENT = "oncall_write_intent"
LOCK_POLL = 0.0005  # seconds between tries for another process's write lock
LOCK_WAIT = 5.0  # seconds of trying before "database is locked"
BUSY_TIMEOUT_MS = 5000
RARE_CHECKPOINT_PAGES = 10_000  # see create_engine(checkpoints=False)


def _sqlite_begin(connection: Any) -> None:
    """A transaction that will write takes the write lock at its start (``BEGIN IMMEDIATE``).

    A deferred transaction that reads and then writes can fail to upgrade its lock when
    another process committed in between; taking the lock first makes the other process wait
    instead. Units of work that write say so with the :data:`WRITE_INTENT` execution option;
    everything else begins deferred and, under WAL, never waits for a writer. Within one
    process writers queue on an asyncio lock first (see ``storage.uow``), so they never wait
    on each other in threads.

    Waiting for another process's write lock: SQLite's own busy handler sleeps 1, 2, 5, 10,
    15, 20, 25 ms and more between tries, so a process that holds the lock in short
    transactions with short gaps between them (the worker working off the inbox) would keep
    it from a waiting one for as long as it has work. So the lock is tried every
    :data:`LOCK_POLL` seconds instead, for up to :data:`LOCK_WAIT` seconds, after which
    "database is locked" is raised as before. This hook runs on the event loop's thread (the
    async engine calls it in its greenlet), so the pause between tries is an ``asyncio.sleep``
    awaited from there: the loop keeps answering requests while the unit waits.
    """
    deadline = time.monotonic() + LOCK_WAIT
    while True:
        try:
            begin_once(connection)
            return
        except OperationalError as exc:
            if not is_locked(exc) or time.monotonic() > deadline:
                raise
        _pause(LOCK_POLL)


def _pause(seconds: float) -> None:
    """Sleep without blocking the event loop when called under the async engine; a plain
    sleep elsewhere (a synchronous connection, as Alembic's offline tools use)."""
    if in_greenlet():
        await_only(asyncio.sleep(seconds))
    else:
        time.sleep(seconds)


def begin_once(connection: Any) -> None:
    """``BEGIN``, or for a unit that writes ``BEGIN IMMEDIATE`` tried once, without SQLite's
    busy handler: "database is locked" at once while another process writes."""
    if not connection.get_execution_options().get(WRITE_INTENT, False):
        connection.exec_driver_sql("BEGIN")
        return
    connection.exec_driver_sql("PRAGMA busy_timeout=0")
    try:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    finally:
        connection.exec_driver_sql(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


def is_locked(exc: OperationalError) -> bool:
    """True when ``exc`` says another connection holds the write lock."""
    return "locked" in str(exc.orig)


async def check_connection(engine: AsyncEngine, *, within: float = 10.0) -> None:
    """Run ``SELECT 1``; :class:`DatabaseError` with one clear line when it fails."""
    where = safe_url(engine.url)
    try:
        async with asyncio.timeout(within):
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
    except TimeoutError:
        raise DatabaseError(f"cannot reach the database at {where}: timed out") from None
    except (OperationalError, DBAPIError) as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        if engine.dialect.name == "sqlite":
            # aiosqlite's worker thread answers the failed connect a moment later; let it,
            # or it finds the loop closed and prints a traceback from its thread.
            await asyncio.sleep(0.1)
        raise DatabaseError(f"cannot reach the database at {where}: {reason}") from None
    except OSError as exc:
        reason = exc.strerror or str(exc) or type(exc).__name__
        raise DatabaseError(f"cannot reach the database at {where}: {reason}") from None
    except Exception as exc:  # asyncpg raises its own errors for auth and unknown databases
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DatabaseError(f"cannot use the database at {where}: {reason}") from None
