"""On SQLite, the alert endpoint writes before background work.

SQLite has one writer at a time. The worker process turns deliveries into incidents in a run of
short transactions; the alert endpoint, in another process, must store each delivery within
milliseconds. Left to chance, the waiting endpoint keeps missing the short gaps between the
worker's transactions (it tries every 0.5 ms, but its thread also needs the interpreter lock
and the CPU at that moment), and a delivery can wait through a dozen of them.

So the endpoint says it is waiting: it holds a shared ``flock`` on a file next to the database
(``<database>-intake``) from before it asks for the write lock until it has committed. Before
each transaction the worker asks whether anyone holds it (an exclusive, non-blocking try) and,
if so, gives way, for at most :data:`MOST_YIELD` seconds per transaction, so that a flood of
deliveries slows the worker down but never stops it. The endpoint then waits for one worker
transaction at most. The kernel drops the lock of a process that dies, so nothing goes stale.
"""

from __future__ import annotations

import os
from pathlib import Path

try:
    import fcntl
except ImportError:  # not on this platform: no priority, only the lock polling
    fcntl = None  # type: ignore[assignment]

from sqlalchemy.ext.asyncio import AsyncEngine

MOST_YIELD = 0.02  # seconds a background transaction gives way to the endpoint, at most


class WritePriority:
    """The ``<database>-intake`` lock file of one SQLite database."""

    def __init__(self, database: Path) -> None:
        self.path = database.with_name(database.name + "-intake")
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)

    def claim(self) -> None:
        """The endpoint: about to ask for the write lock (held until :meth:`release`)."""
        fcntl.flock(self._fd, fcntl.LOCK_SH)

    def release(self) -> None:
        """The endpoint: committed (or rolled back)."""
        fcntl.flock(self._fd, fcntl.LOCK_UN)

    def claimed(self) -> bool:
        """Background work: True while the endpoint waits for the write lock or holds it."""
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        return False

    def close(self) -> None:
        """Close the file (dropping any lock this process held)."""
        os.close(self._fd)


def write_priority(engine: AsyncEngine) -> WritePriority | None:
    """The lock file of ``engine``'s SQLite database; None for PostgreSQL (rows are locked
    one by one there, so nobody waits for a whole database) and where ``flock`` is missing."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or fcntl is None or not database or database == ":memory:":
        return None
    return WritePriority(Path(database).expanduser().resolve())
