"""A PostgreSQL server of a scenario's own, to stop and start without touching the shared one.

The shared server at 127.0.0.1:5432 serves every other test, so a scenario that takes the
database away runs its own cluster: ``initdb`` into a fresh folder under ``/tmp`` (owned by the
``postgres`` user when we are root, since PostgreSQL refuses to run as root and pytest's
``tmp_path`` is not reachable by other users), on a free port, its socket in that folder.
:meth:`PgCluster.stop` is ``pg_ctl stop -m fast`` (connections are cut, as when a database
host goes away); :meth:`PgCluster.start` brings it back on the same port and data.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support import free_port, unavailable

BIN = Path("/usr/lib/postgresql/15/bin")


class PgCluster:
    """One throwaway PostgreSQL cluster; its URL names database ``postgres``."""

    def __init__(self, folder: Path, port: int) -> None:
        self.folder = folder
        self.data = folder / "data"
        self.port = port
        self.log = folder / "postgres.log"

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        command = [str(BIN / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            pytest.fail(
                f"{' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}\n"
                f"{self.log.read_text(errors='replace') if self.log.exists() else ''}"
            )
        return done

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    def start(self) -> None:
        """Start and wait until it accepts connections (``pg_ctl -w``)."""
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.log), "-w", "start")

    def stop(self) -> None:
        """Fast shutdown: open connections are cut, as when the database host goes away."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def running(self) -> bool:
        command = [str(BIN / "pg_ctl"), "-D", str(self.data), "status"]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, capture_output=True, timeout=30).returncode == 0


@contextmanager
def own_postgres() -> Iterator[PgCluster]:
    """A started cluster of our own; stopped and removed on the way out, whatever happened."""
    if not (BIN / "initdb").exists():
        unavailable("postgres", f"{BIN / 'initdb'} is missing (apt-get install postgresql-15)")
    folder = Path(tempfile.mkdtemp(prefix="oncall-pg-"))
    if os.geteuid() == 0:
        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            unavailable("postgres", "running as root and there is no postgres user for initdb")
        os.chown(folder, user.pw_uid, user.pw_gid)
    cluster = PgCluster(folder, free_port())
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        try:
            if cluster.data.exists() and cluster.running():
                cluster.stop()
        finally:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                try:
                    shutil.rmtree(folder)
                    break
                except OSError:
                    time.sleep(0.2)
