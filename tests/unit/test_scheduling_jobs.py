"""The throttle that runs hourly jobs on a one-second tick."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from scheduling.jobs import every


async def test_every_runs_first_then_once_per_period() -> None:
    runs: list[datetime] = []

    async def job(now: datetime) -> None:
        runs.append(now)

    throttled = every(timedelta(hours=1), job)
    start = datetime(2026, 3, 1, tzinfo=UTC)
    for seconds in (0, 1, 3599, 3600, 3601, 7199, 7200):
        await throttled(start + timedelta(seconds=seconds))
    assert runs == [start, start + timedelta(seconds=3600), start + timedelta(seconds=7200)]


async def test_a_failing_job_runs_again_next_tick() -> None:
    calls: list[datetime] = []

    async def job(now: datetime) -> None:
        calls.append(now)
        if len(calls) == 1:
            raise RuntimeError("database away")

    throttled = every(timedelta(hours=1), job)
    start = datetime(2026, 3, 1, tzinfo=UTC)
    with pytest.raises(RuntimeError, match="database away"):
        await throttled(start)
    await throttled(start + timedelta(seconds=1))
    assert calls == [start, start + timedelta(seconds=1)]
