"""Writers of one SQLite file in several processes: waiting for the lock, and who goes first.

A second ``sqlite3`` connection holding ``BEGIN IMMEDIATE`` stands for another process (SQLite
locks the file, not the connection's process); the intake lock is taken through its own open
file, as another process would.
"""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from core.ports import AuditEntry
from storage.blocking import BlockingSessions
from storage.engine import create_engine
from storage.migrate import upgrade
from storage.uow import SqlUnitOfWork, session_factory
from storage.write_priority import WritePriority, write_priority


@pytest.fixture
async def sqlite_engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'w.db'}")
    await upgrade(engine)
    yield engine
    await engine.dispose()


AT = datetime(2026, 1, 1, tzinfo=UTC)


async def write_audit(unit: SqlUnitOfWork, what: str, log: list[str] | None = None) -> None:
    """Insert one row in its own write transaction; ``what`` goes to ``log`` once the unit
    holds the write lock."""
    async with unit:
        if log is not None:
            log.append(what)
        await unit.audit.append(AuditEntry(at=AT, actor="t", action=what, subject="s"))
        await unit.commit()


def hold_lock(path: Path) -> sqlite3.Connection:
    other = sqlite3.connect(path, isolation_level=None, timeout=0)
    other.execute("BEGIN IMMEDIATE")
    return other


@pytest.mark.parametrize("kind", ["blocking", "aiosqlite"])
async def test_a_writer_waits_for_another_process_without_stopping_the_loop(
    sqlite_engine: AsyncEngine, tmp_path: Path, kind: str
) -> None:
    sessions = BlockingSessions(sqlite_engine) if kind == "blocking" else None
    factory = sessions if sessions is not None else session_factory(sqlite_engine)
    other = hold_lock(tmp_path / "w.db")
    log: list[str] = []
    try:
        writer = asyncio.create_task(write_audit(SqlUnitOfWork(factory), "waited", log))
        # The loop goes on while the writer waits: this coroutine gets its turns, and the
        # writer is still waiting, not failed. (A wait that blocked the loop would hold it
        # until "database is locked" and be over, failed, before these turns were.)
        for _ in range(50):
            await asyncio.sleep(0.001)
        assert not writer.done() and log == []
        log.append("the other process committed")
        other.execute("COMMIT")
        await asyncio.wait_for(writer, 5)  # it got the lock once the holder let go
    finally:
        other.close()
        if sessions is not None:
            sessions.dispose()
    assert log == ["the other process committed", "waited"]
    async with sqlite_engine.connect() as conn:
        actions = (await conn.execute(text("SELECT action FROM audit_log"))).scalars().all()
    assert actions == ["waited"]


def test_the_intake_claim_is_seen_and_dropped_with_its_process(tmp_path: Path) -> None:
    database = tmp_path / "p.db"
    intake, worker = WritePriority(database), WritePriority(database)
    try:
        assert not worker.claimed()
        intake.claim()
        assert worker.claimed()
        intake.release()
        assert not worker.claimed()
        # A process that dies holding it does not leave it held.
        code = (
            "import sys, os, signal; from pathlib import Path\n"
            "from storage.write_priority import WritePriority\n"
            f"WritePriority(Path({str(database)!r})).claim(); print('held', flush=True)\n"
            "os.kill(os.getpid(), signal.SIGKILL)\n"
        )
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert result.stdout == "held\n" and result.returncode == -9, result.stderr
        assert not worker.claimed()
    finally:
        intake.close()
        worker.close()
    assert intake.path.name == "p.db-intake"


async def test_background_writers_give_way_to_the_intake_for_a_while_only(
    sqlite_engine: AsyncEngine,
) -> None:
    intake, observer = write_priority(sqlite_engine), write_priority(sqlite_engine)
    assert intake is not None and observer is not None
    sessions = BlockingSessions(sqlite_engine)
    try:
        # Claimed and released soon: the worker's unit waits, then goes.
        intake.claim()
        writer = asyncio.create_task(write_audit(SqlUnitOfWork(sessions), "after the intake"))
        # One turn of the loop: these sessions run statements in the loop's thread, so a unit
        # that did not give way would be done in its first turn.
        await asyncio.sleep(0)
        assert not writer.done()
        await write_audit(SqlUnitOfWork(session_factory(sqlite_engine)), "intake")
        intake.release()
        await asyncio.wait_for(writer, 5)
        # Claimed for good (a flood of deliveries): the worker gives way at first, and then
        # writes all the same, while the claim is still held: slowed down, never stopped.
        intake.claim()
        flood = asyncio.create_task(write_audit(SqlUnitOfWork(sessions), "despite a flood"))
        await asyncio.sleep(0)
        assert not flood.done()
        await asyncio.wait_for(flood, 5)
        assert observer.claimed()  # nobody released it: the worker did not wait for that
        intake.release()
    finally:
        sessions.dispose()
        intake.close()
        observer.close()
    async with sqlite_engine.connect() as conn:
        actions = (await conn.execute(text("SELECT action FROM audit_log ORDER BY id"))).all()
    assert [a for (a,) in actions] == ["intake", "after the intake", "despite a flood"]


async def test_postgres_has_no_intake_lock(engine: AsyncEngine) -> None:
    expected = engine.dialect.name == "sqlite"
    priority = write_priority(engine)
    assert (priority is not None) == expected
    if priority is not None:
        priority.close()


async def test_the_inbox_is_worked_by_one_process_at_a_time(
    sqlite_engine: AsyncEngine, tmp_path: Path
) -> None:
    from storage.locks import exclusive

    lock_file = tmp_path / "w.db-alert-inbox.lock"
    code = (
        "import fcntl, os, sys, time\n"
        f"fd = os.open({str(lock_file)!r}, os.O_RDWR | os.O_CREAT)\n"
        "fcntl.flock(fd, fcntl.LOCK_EX); print('held', flush=True); time.sleep(60)\n"
    )
    other = await asyncio.create_subprocess_exec(
        sys.executable, "-c", code, stdout=asyncio.subprocess.PIPE
    )
    try:
        assert other.stdout is not None
        assert await asyncio.wait_for(other.stdout.readline(), 10) == b"held\n"
        async with exclusive(sqlite_engine, "alert-inbox") as held:
            assert held is False  # another process works the inbox: skip
    finally:
        other.kill()
        await other.wait()
    async with exclusive(sqlite_engine, "alert-inbox") as held:
        assert held is True
        async with exclusive(sqlite_engine, "alert-inbox") as again:
            assert again is False  # and one holder within this process too


async def test_a_failing_release_still_frees_the_writer_lock(sqlite_engine: AsyncEngine) -> None:
    """Whatever fails on the way out of a unit, the next unit of this process can write."""

    class Broken:
        def claim(self) -> None:
            pass

        def release(self) -> None:
            raise OSError("bad file descriptor")

    sessions = session_factory(sqlite_engine)
    with pytest.raises(OSError, match="bad file descriptor"):
        await write_audit(SqlUnitOfWork(sessions, priority=Broken()), "first")  # type: ignore[arg-type]
    await asyncio.wait_for(write_audit(SqlUnitOfWork(sessions), "second"), 5)
    async with sqlite_engine.connect() as conn:
        actions = (await conn.execute(text("SELECT action FROM audit_log ORDER BY id"))).all()
    assert [a for (a,) in actions] == ["first", "second"]
