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


async def test_stop_waits_for_the_tick_under_way_and_no_tick_starts_after() -> None:
    import asyncio

    from scheduling.loop import SchedulerLoop
    from tests.fakes import FrozenClock

    clock = FrozenClock(datetime(2026, 3, 1, tzinfo=UTC))
    loop = SchedulerLoop(clock)
    started, release, finished = asyncio.Event(), asyncio.Event(), []

    async def slow(now: datetime) -> None:
        started.set()
        await release.wait()
        finished.append(now)

    loop.add("slow", slow)
    tick = asyncio.create_task(loop.tick_once())
    await started.wait()
    stopping = asyncio.create_task(loop.stop())
    await asyncio.sleep(0.01)
    assert not stopping.done()  # still waiting for the tick
    release.set()
    await asyncio.gather(tick, stopping)
    assert finished == [clock.now()] and loop.ticks == 1
    await loop.tick_once()  # after stop: nothing runs
    assert loop.ticks == 1 and not loop.running


async def test_a_failing_job_does_not_stop_the_others() -> None:
    from scheduling.loop import SchedulerLoop
    from tests.fakes import FrozenClock

    loop = SchedulerLoop(FrozenClock(datetime(2026, 3, 1, tzinfo=UTC)))
    ran: list[str] = []

    async def broken(now: datetime) -> None:
        raise RuntimeError("boom")

    async def fine(now: datetime) -> None:
        ran.append("fine")

    loop.add("broken", broken)
    loop.add("fine", fine)
    await loop.tick_once()
    assert ran == ["fine"] and loop.last_tick is not None


async def test_lanes_do_not_hold_each_other_up() -> None:
    import asyncio

    from scheduling.loop import SchedulerLoop
    from tests.fakes import FrozenClock

    loop = SchedulerLoop(FrozenClock(datetime(2026, 3, 1, tzinfo=UTC)))
    stuck, ran = asyncio.Event(), []

    async def slow_delivery(now: datetime) -> None:
        await stuck.wait()

    async def escalate(now: datetime) -> None:
        ran.append(now)

    loop.add("outbox", slow_delivery, lane="outbox")
    loop.add("escalations", escalate)
    outbox_tick = asyncio.create_task(loop.tick_once("outbox"))
    await asyncio.sleep(0)
    await asyncio.wait_for(loop.tick_once(), timeout=1)  # the main lane is not blocked
    assert len(ran) == 1
    stuck.set()
    await outbox_tick


async def test_a_kicked_lane_ticks_now_and_once_more_if_it_was_ticking() -> None:
    """New work (a new incident's pages) need not wait for the lane's next tick; work written
    while a tick runs is looked at by one more tick right after it."""
    import asyncio

    from scheduling.loop import SchedulerLoop
    from tests.fakes import FrozenClock

    loop = SchedulerLoop(FrozenClock(datetime(2026, 3, 1, tzinfo=UTC)), tick=timedelta(hours=1))
    runs: list[str] = []
    release, ran = asyncio.Event(), asyncio.Event()

    async def send(now: datetime) -> None:
        runs.append("send")
        ran.set()
        if len(runs) == 2:
            await release.wait()

    async def until(count: int) -> None:
        async with asyncio.timeout(5):
            while len(runs) < count:
                ran.clear()
                await ran.wait()

    loop.add("outbox", send, lane="outbox")
    loop.kick("outbox")  # not started: nothing
    await asyncio.sleep(0.01)
    assert runs == []
    loop.start()
    try:
        await until(1)  # the first tick at start; the next is an hour away
        loop.kick("outbox")
        await until(2)  # at once; and while it runs, two more kicks
        loop.kick("outbox")
        loop.kick("outbox")
        release.set()
        await until(3)  # one more tick after it, not two
        await asyncio.sleep(0.05)
        assert runs == ["send"] * 3
        loop.kick("no such lane")
    finally:
        await loop.stop()
    loop.kick("outbox")  # stopped: nothing
    await asyncio.sleep(0.01)
    assert len(runs) == 3
