"""The worker's heartbeat and maintenance jobs on the scheduling loop.

``heartbeats``: every few seconds, open the incident of each heartbeat that fell silent and
resolve each that beats again (:func:`core.heartbeats.service.check_heartbeats`).
``maintenance holds``: every half minute, move incidents held by a maintenance window to the
window's end as the configuration now has it (a window removed, shortened or extended in the
file; the CLI and chat move them at once) (:func:`core.maintenance.service.reconcile`). The
window ends themselves fire with the escalations (``fire_due``). Both read first and write only
when there is something to do, so an idle tick takes no write lock on SQLite.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from core.heartbeats.service import check_heartbeats
from core.maintenance.service import reconcile
from core.ports import UnitOfWork
from scheduling.jobs import every
from scheduling.loop import TickJob

HEARTBEAT_PERIOD = timedelta(seconds=5)
RECONCILE_PERIOD = timedelta(seconds=30)


def heartbeat_job(
    new_unit: Callable[[], UnitOfWork],
    read_unit: Callable[[], UnitOfWork],
    *,
    period: timedelta = HEARTBEAT_PERIOD,
    changed: Callable[[], None] | None = None,
) -> TickJob:
    """Check the heartbeats at most once per ``period``; ``changed`` is called when an
    incident was opened or resolved (its messages wait in the outbox)."""

    async def run(now: datetime) -> None:
        done = await check_heartbeats(new_unit(), now, read=read_unit())
        if done and changed is not None:
            changed()

    return every(period, run)


def maintenance_job(
    new_unit: Callable[[], UnitOfWork],
    read_unit: Callable[[], UnitOfWork],
    *,
    period: timedelta = RECONCILE_PERIOD,
) -> TickJob:
    """Reconcile held incidents with the configured windows at most once per ``period``."""

    async def run(now: datetime) -> None:
        await reconcile(new_unit(), now, read=read_unit())

    return every(period, run)
