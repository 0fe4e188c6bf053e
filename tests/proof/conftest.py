"""Benchmarks measure on a machine doing nothing else.

``make proof`` runs its scenarios on two pytest-xdist workers. The load scenarios
(tests/proof/test_load.py: the benchmarks and the storm) time the product, so each holds an
exclusive lock while it runs and every other proof scenario a shared one: a load scenario
waits for the scenario under way on the other worker to end, and nothing else starts while it
runs. The lock is a file in the directory the workers' temporary folders share, so it binds
the workers of one run and nothing else.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from pathlib import Path

import pytest

ALONE = "test_load.py"


@pytest.fixture(autouse=True)
def _proof_lock(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    if request.node.get_closest_marker("proof") is None:
        yield
        return
    shared = Path(tmp_path_factory.getbasetemp()).parent  # popen-gwN's parent under xdist
    with open(shared / "oncall-proof.lock", "a+") as lock:
        alone = Path(str(request.node.fspath)).name == ALONE
        fcntl.flock(lock, fcntl.LOCK_EX if alone else fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
