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
# -P: never import a ``bot`` package from the working directory instead of ours.
WORKER_COMMAND = (sys.executable, "-P", "-m", "bot", "worker", "--controlled")


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

    def tick_age(self) -> float | None:
        """Seconds since the child last reported a healthy tick; None before the first one
        of the running child (starting, or restarted and not yet ticking)."""
        if self._last_beat is None:
            return None
        return max(0.0, time.monotonic() - self._last_beat)

    def stopping(self) -> None:
        """Begin stopping: no more restarts, and the child is told to finish (end of its
        stdin). ``serve`` calls this as soon as it is signalled, so a child that the same
        signal reached (systemd signals the whole group) is not started again meanwhile."""
        self._stopping = True
        self._stopped.set()
        proc = self._proc
        if proc is not None and proc.stdin is not None and not proc.stdin.is_closing():
            proc.stdin.close()

    async def stop(self) -> None:
        """Stop: the child finishes its work under way and exits; it is killed if it has not
        within ``stop_within`` seconds (one being started right now included)."""
        self.stopping()
        if self._task is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(self._task), self._stop_within)
        except TimeoutError:
            log.error("the worker process did not stop within %gs; killing it", self._stop_within)
            proc = self._proc
            if proc is not None and proc.returncode is None:
                proc.kill()
            await self._task
        self._task = None

    async def _supervise(self) -> None:
        """Run the child again and again until stopping; never ends on an error of its own."""
        delay = 1.0
        while not self._stopping:
            began = time.monotonic()
            try:
                ended = f"exited with status {await self._run_once()}"
            except OSError as exc:
                ended = f"could not start: {exc}"
            except Exception as exc:  # never leave the child unwatched and unrestarted
                log.exception("watching the worker process failed")
                ended = f"was left: {type(exc).__name__}"
                await self._end(self._proc)
            if self._stopping:
                return
            if time.monotonic() - began > 60:
                delay = 1.0
            log.error("the worker process %s; starting it again in %gs", ended, delay)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopped.wait(), delay)
            delay = min(delay * 2, 30.0)

    async def _end(self, proc: asyncio.subprocess.Process | None) -> None:
        if proc is not None and proc.returncode is None:
            proc.kill()
            await proc.wait()

    async def _run_once(self) -> int:
        """Run the child until it exits; its exit status. Its stdout is read in chunks (any
        ``tick`` in one is a heartbeat), so no length of output can stop the reading."""
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
        if self._stopping and proc.stdin is not None:
            proc.stdin.close()  # stop() came while it was being started
        assert proc.stdout is not None
        while chunk := await proc.stdout.read(4096):
            if b"tick" in chunk:
                self._last_beat = time.monotonic()
        return await proc.wait()
