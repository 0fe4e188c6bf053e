"""Use cases that change who is on call: overrides, time off, swaps. Each one is audited.

Every function runs in one unit of work, validates against the configuration in force, and
raises :class:`ScheduleInputError` (nothing written) when the request cannot be honoured.
Swaps are :mod:`core.oncall.swap_actions` (their rules :mod:`core.oncall.swaps`), re-exported.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.oncall.errors import MAX_WINDOW, ScheduleInputError, SwapRefused
from core.oncall.errors import check_window as _window
from core.oncall.swap_actions import decide_swap, request_swap
from core.oncall.views import ScheduleState, final_for, load_state
from core.ports import AuditEntry, UnitOfWork
from core.schedule.model import Shift

__all__ = [
    "MAX_WINDOW",
    "ScheduleInputError",
    "SwapRefused",
    "TimeOffOutcome",
    "add_override",
    "add_time_off",
    "decide_swap",
    "record_time_off",
    "request_swap",
]


@dataclass(frozen=True)
class TimeOffOutcome:
    """The stored time off and the covers that now fill the person's shifts in it."""

    id: int
    covers: tuple[tuple[str, Shift], ...]  # (schedule id, cover shift)


def _shift_json(schedule_id: str, shift: Shift) -> dict[str, Any]:
    return {
        "schedule": schedule_id,
        "person": shift.person,
        "from": shift.start.isoformat(),
        "to": shift.end.isoformat(),
    }


async def add_override(
    uow: UnitOfWork,
    *,
    schedule_id: str,
    person_id: str,
    start: datetime,
    end: datetime,
    actor: str,
    now: datetime,
    reason: str | None = None,
) -> int:
    """Put ``person_id`` on call in ``schedule_id`` for ``[start, end)``; returns its id.

    The newest override wins where overrides overlap. Refused: unknown schedule or person,
    an empty or inverted window, one that is over already, one longer than a year.
    """
    start, end = _window(start, end, now)
    async with uow:
        config = await uow.config.load()
        if config is None or config.schedule(schedule_id) is None:
            raise ScheduleInputError(f"unknown schedule {schedule_id!r}")
        if config.person(person_id) is None:
            raise ScheduleInputError(f"unknown person {person_id!r}")
        override_id = await uow.schedules.add_override(
            schedule_id=schedule_id,
            person_id=person_id,
            start=start,
            end=end,
            created_at=now,
            created_by=actor,
            reason=reason,
        )
        await uow.audit.append(
            AuditEntry(
                at=now,
                actor=actor,
                action="override.create",
                subject=f"schedule:{schedule_id}",
                detail={
                    "override": override_id,
                    "person": person_id,
                    "from": start.isoformat(),
                    "to": end.isoformat(),
                    "reason": reason,
                },
            )
        )
        await uow.commit()
    return override_id


async def add_time_off(
    uow: UnitOfWork,
    *,
    person_id: str,
    start: datetime,
    end: datetime,
    actor: str,
    now: datetime,
    reason: str | None = None,
) -> TimeOffOutcome:
    """Record time off; the person's turns and covers in it are recomputed at once.

    The audit entry lists the covers that now serve the person's hours, so who covers for
    whom is on record. Refused: unknown person, empty, inverted, past or over-long window.
    """
    start, end = _window(start, end, now)
    async with uow:
        config = await uow.config.load()
        if config is None or config.person(person_id) is None:
            raise ScheduleInputError(f"unknown person {person_id!r}")
        outcome = await record_time_off(
            uow, person_id=person_id, start=start, end=end, actor=actor, now=now, reason=reason
        )
        await uow.commit()
    return outcome


async def record_time_off(
    uow: UnitOfWork,
    *,
    person_id: str,
    start: datetime,
    end: datetime,
    actor: str,
    now: datetime,
    reason: str | None = None,
) -> TimeOffOutcome:
    """The writes of :func:`add_time_off` inside an entered unit of work, which the caller
    commits: the time off, the fair-queue checkpoints it invalidates, and the audit entry
    with the covers. Nothing is checked here (callers validate the person and the window);
    rest after night pages (:mod:`core.rest.grant`) records its time off through this."""
    time_off_id = await uow.schedules.add_time_off(
        person_id=person_id,
        start=start,
        end=end,
        created_at=now,
        created_by=actor,
        reason=reason,
    )
    # Any turn that overlaps the time off can change the queue from the next turn on.
    await uow.schedules.drop_checkpoints_after(start)
    state = await load_state(uow, start, end)
    covers = tuple(_covers_for(state, person_id, start, end))
    await uow.audit.append(
        AuditEntry(
            at=now,
            actor=actor,
            action="timeoff.create",
            subject=f"person:{person_id}",
            detail={
                "time_off": time_off_id,
                "from": start.isoformat(),
                "to": end.isoformat(),
                "reason": reason,
                "covers": [_shift_json(sid, shift) for sid, shift in covers],
            },
        )
    )
    return TimeOffOutcome(time_off_id, covers)


def _covers_for(
    state: ScheduleState, person_id: str, start: datetime, end: datetime
) -> list[tuple[str, Shift]]:
    """Cover shifts in ``[start, end)`` of every schedule whose layers name ``person_id``."""
    out: list[tuple[str, Shift]] = []
    for schedule in state.config.schedules:
        if not any(person_id in layer.members for layer in schedule.layers):
            continue
        for shift in final_for(state, schedule.id, start, end).shifts:
            if shift.source == "cover":
                out.append((schedule.id, shift))
    return out
