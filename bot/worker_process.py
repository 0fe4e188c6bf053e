"""The worker process as ``oncall serve`` sees it: started, kicked, watched, restarted, stopped.

``oncall serve`` answers HTTP in its own process and leaves the background work (the alert
inbox, escalations, the outbox, hand-overs and gap warnings; see :mod:`bot.worker`) to one
child process, ``oncall worker``, over a pipe each way: a byte down the child's stdin says
deliveries are waiting; a ``tick`` line up its stdout says its scheduling loop is healthy.

Edge cases: a worker that dies is started again (after 1 s, doubling up to 30 s while it keeps
dying) and the death is logged with its exit status; nothing is lost meanwhile, because every
piece of work is a row in the database. If ``oncall serve`` itself is killed, the child sees
the end of its stdin and stops by itself. Kicks are coalesced: while one byte is unread, no
other is written.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import time
from collections.abc import Mapping
from datetime import datetime

log = logging.getLogger("oncall.worker")
WORKER_COMMAND = (sys.executable, "-m", "bot", "worker", "--controlled")


class WorkerProcess:
    """Supervises one ``oncall worker`` child."""

    def __init__(
        self,
        env: Mapping[str, str],
        *,
        command: tuple[str, ...] = WORKER_COMMAND,
        stale_after: float = 10.0,
        stop_within: float = 30.0,
    ) -> None:
        self._env = dict(env)
        self._command = command
        self._stale_after = stale_after
        self._stop_within = stop_within
        self._proc: asyncio.subprocess.Process | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._stopped = asyncio.Event()
        self._last_beat: float | None = None
        self._kick_pending = False
        self.starts = 0

    def start(self) -> None:
        """Start the child and keep it running until :meth:`stop`."""
        self._task = asyncio.create_task(self._supervise(), name="worker process")

    @property
    def pid(self) -> int | None:
        """The running child's process id."""
        return self._proc.pid if self._proc is not None else None

    def kick(self) -> None:
        """Deliveries are waiting: tell the child (one byte, coalesced while unread)."""
        proc = self._proc
        if proc is None or proc.stdin is None or proc.returncode is not None:
            return  # the child polls the inbox on start and every second anyway
        if self._kick_pending:
            return
        try:
            proc.stdin.write(b"k")
        except (BrokenPipeError, ConnectionResetError, RuntimeError):
            return
        self._kick_pending = True
        asyncio.get_running_loop().create_task(self._drained(proc))

    async def _drained(self, proc: asyncio.subprocess.Process) -> None:
        try:
            assert proc.stdin is not None
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                await proc.stdin.drain()
        finally:
            self._kick_pending = False

    def problem(self, now: datetime) -> str | None:
        """None while the child reports healthy ticks; else what is wrong (for ``/readyz``)."""
        if self._proc is None or self._proc.returncode is not None:
            return "worker process not running"
        if self._last_beat is None:
            return "worker process starting"
        if time.monotonic() - self._last_beat > self._stale_after:
            return "no recent tick from the worker process"
        return None

    async def stop(self) -> None:
        """Close the child's stdin (it finishes its work under way and exits); kill it if it
        has not exited within ``stop_within`` seconds."""
        self._stopping = True
        self._stopped.set()
        proc = self._proc
        if proc is not None and proc.returncode is None:
            if proc.stdin is not None:
                proc.stdin.close()
            try:
                await asyncio.wait_for(proc.wait(), self._stop_within)
            except TimeoutError:
                log.error(
                    "the worker process did not stop within %gs; killing it", self._stop_within
                )
                proc.kill()
                await proc.wait()
        if self._task is not None:
            await self._task
            self._task = None

    async def _supervise(self) -> None:
        delay = 1.0
        while not self._stopping:
            began = time.monotonic()
            try:
                ended = f"exited with status {await self._run_once()}"
            except OSError as exc:
                ended = f"could not start: {exc}"
            if self._stopping:
                return
            if time.monotonic() - began > 60:
                delay = 1.0
            log.error("the worker process %s; starting it again in %gs", ended, delay)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopped.wait(), delay)
            delay = min(delay * 2, 30.0)

    async def _run_once(self) -> int:
        """Run the child until it exits; its exit status."""
        self._last_beat = None
        proc = await asyncio.create_subprocess_exec(
            *self._command,
            env=self._env,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=None,  # the worker's log lines go where ours go
            start_new_session=True,  # Ctrl-C reaches serve, which stops the child in order
        )
        self._proc = proc
        self.starts += 1
        assert proc.stdout is not None
        while True:
            line = await proc.stdout.readline()
            if not line:
                break
            if line.strip() == b"tick":
                self._last_beat = time.monotonic()
        return await proc.wait()
