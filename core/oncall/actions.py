"""Use cases that change who is on call: overrides, time off, swaps. Each one is audited.

Every function runs in one unit of work, validates against the configuration in force, and
raises :class:`ScheduleInputError` (nothing written) when the request cannot be honoured.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from core.oncall.views import ScheduleState, final_for, load_state
from core.ports import AuditEntry, SwapRequest, UnitOfWork
from core.schedule.model import Shift, utc

MAX_WINDOW = timedelta(days=366)


class ScheduleInputError(ValueError):
    """A request that names something unknown or an impossible window; nothing was written."""


@dataclass(frozen=True)
class TimeOffOutcome:
    """The stored time off and the covers that now fill the person's shifts in it."""

    id: int
    covers: tuple[tuple[str, Shift], ...]  # (schedule id, cover shift)


def _window(start: datetime, end: datetime, now: datetime) -> tuple[datetime, datetime]:
    start, end = utc(start), utc(end)
    if end <= start:
        raise ScheduleInputError("--to must be after --from")
    if end <= now:
        raise ScheduleInputError("the window is over already; the past cannot be changed")
    if end - start > MAX_WINDOW:
        raise ScheduleInputError("a window may be a year long at most")
    return start, end


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
        await uow.commit()
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


async def request_swap(
    uow: UnitOfWork,
    *,
    schedule_id: str,
    requester: str,
    counterpart: str,
    give: tuple[datetime, datetime],
    take: tuple[datetime, datetime] | None,
    now: datetime,
) -> int:
    """Ask ``counterpart`` to take ``give`` (and hand ``take`` back); returns the request id.

    Nothing changes on the schedule until the counterpart accepts.
    """
    give = _window(*give, now)
    take = _window(*take, now) if take is not None else None
    if requester == counterpart:
        raise ScheduleInputError("a swap needs two different people")
    async with uow:
        config = await uow.config.load()
        if config is None or config.schedule(schedule_id) is None:
            raise ScheduleInputError(f"unknown schedule {schedule_id!r}")
        for person in (requester, counterpart):
            if config.person(person) is None:
                raise ScheduleInputError(f"unknown person {person!r}")
        swap_id = await uow.schedules.add_swap(
            SwapRequest(
                id=0,
                schedule_id=schedule_id,
                requester=requester,
                counterpart=counterpart,
                give_start=give[0],
                give_end=give[1],
                take_start=take[0] if take else None,
                take_end=take[1] if take else None,
                status="pending",
                created_at=now,
            )
        )
        await uow.audit.append(
            AuditEntry(
                at=now,
                actor=requester,
                action="swap.request",
                subject=f"schedule:{schedule_id}",
                detail={"swap": swap_id, "counterpart": counterpart},
            )
        )
        await uow.commit()
    return swap_id


async def decide_swap(
    uow: UnitOfWork, *, swap_id: int, actor: str, accept: bool, now: datetime
) -> SwapRequest:
    """The counterpart accepts or declines; the requester may cancel (``accept=False``).

    Accepting writes two overrides with source ``swap``: the counterpart takes ``give`` and
    the requester takes ``take``. Only a pending request can be decided, and only by the
    counterpart (or, to cancel, the requester).
    """
    async with uow:
        swap = await uow.schedules.swap(swap_id)
        if swap is None:
            raise ScheduleInputError(f"unknown swap {swap_id}")
        if swap.status != "pending":
            raise ScheduleInputError(f"swap {swap_id} is {swap.status} already")
        if actor not in (swap.counterpart, swap.requester) or (
            accept and actor != swap.counterpart
        ):
            raise ScheduleInputError(f"only {swap.counterpart} can accept swap {swap_id}")
        if accept and swap.give_end <= now:
            raise ScheduleInputError(f"swap {swap_id} is for a window that is over")
        status = "accepted" if accept else ("cancelled" if actor == swap.requester else "declined")
        if accept:
            await uow.schedules.add_override(
                schedule_id=swap.schedule_id,
                person_id=swap.counterpart,
                start=swap.give_start,
                end=swap.give_end,
                created_at=now,
                created_by=actor,
                source="swap",
                swap_id=swap_id,
            )
            if swap.take_start is not None and swap.take_end is not None:
                await uow.schedules.add_override(
                    schedule_id=swap.schedule_id,
                    person_id=swap.requester,
                    start=swap.take_start,
                    end=swap.take_end,
                    created_at=now,
                    created_by=actor,
                    source="swap",
                    swap_id=swap_id,
                )
        await uow.schedules.set_swap_status(swap_id, status, now)
        await uow.audit.append(
            AuditEntry(
                at=now,
                actor=actor,
                action=f"swap.{status}",
                subject=f"schedule:{swap.schedule_id}",
                detail={"swap": swap_id},
            )
        )
        await uow.commit()
        updated = await uow.schedules.swap(swap_id)
    assert updated is not None
    return updated
