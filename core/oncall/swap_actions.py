"""Shift swaps: the requester asks, the counterpart accepts or declines, the requester may
withdraw. Both use cases are audited and write their chat messages (outbox) in the same
transaction as the change; the rules are :mod:`core.oncall.swaps`. Importable from
:mod:`core.oncall.actions` as well, with the other use cases that change who is on call.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from core.config.model import Configuration
from core.oncall.errors import ScheduleInputError, SwapRefused, check_window
from core.oncall.swap_messages import decided_messages, requested_message
from core.oncall.swaps import (
    NEXT_SHIFT_HORIZON,
    Refusal,
    Window,
    acceptance_refusal,
    began_refusal,
    decision_refusal,
    next_shift,
    request_refusal,
)
from core.oncall.views import load_state
from core.ports import AuditEntry, SwapRequest, UnitOfWork

MAX_REASON = 500


async def request_swap(
    uow: UnitOfWork,
    *,
    schedule_id: str | None,
    requester: str,
    counterpart: str,
    give: tuple[datetime, datetime] | None,
    take: tuple[datetime, datetime] | None = None,
    now: datetime,
    reason: str | None = None,
) -> int:
    """Ask ``counterpart`` to take ``give`` (and hand ``take`` back); returns the request id.

    ``give`` None: the requester's next shift that has not begun (within 90 days).
    ``schedule_id`` None: the one schedule in which all of ``give`` is the requester's. The
    request, its audit entry and the ``swap.requested`` message to the counterpart are written
    together. Nothing changes on the schedule until the counterpart accepts. Refused with
    :class:`SwapRefused` (naming the field) by the rules of :mod:`core.oncall.swaps`: a window
    that has begun, is not all the requester's, or falls in the counterpart's time off; unknown
    people or schedule; the same person twice. ``reason`` is cut to 500 characters.
    """
    if give is not None:
        give = _checked(give, now)
        _refuse(began_refusal(give[0], now))
    if take is not None:
        take = _checked(take, now)
        _refuse(began_refusal(take[0], now), field="to")
    if requester == counterpart:
        raise SwapRefused("a swap needs two different people", "counterpart")
    reason = " ".join((reason or "").split())[:MAX_REASON] or None
    async with uow:
        config = await uow.config.load() or Configuration()
        if schedule_id is not None and config.schedule(schedule_id) is None:
            raise SwapRefused(f"unknown schedule {schedule_id!r}", "schedule")
        for person, field in ((requester, None), (counterpart, "counterpart")):
            if config.person(person) is None:
                raise SwapRefused(f"unknown person {person!r}", field)
        starts = [w[0] for w in (give, take) if w] or [now]
        ends = [w[1] for w in (give, take) if w] + ([now + NEXT_SHIFT_HORIZON] if not give else [])
        state = await load_state(uow, min(starts), max(ends))
        asked = SwapRequest(
            id=0,
            schedule_id=schedule_id or "",
            requester=requester,
            counterpart=counterpart,
            give_start=give[0] if give else now,
            give_end=give[1] if give else now,
            take_start=take[0] if take else None,
            take_end=take[1] if take else None,
            status="pending",
            created_at=now,
            reason=reason,
        )
        settled = request_refusal(
            state, asked, schedule_id=schedule_id, next_of=None if give else now
        )
        if isinstance(settled, Refusal):
            _refuse(settled)
        assert isinstance(settled, SwapRequest)
        swap_id = await uow.schedules.add_swap(settled)
        await uow.outbox.add(requested_message(config, replace(settled, id=swap_id), now))
        await uow.audit.append(
            AuditEntry(
                at=now,
                actor=requester,
                action="swap.request",
                subject=f"schedule:{settled.schedule_id}",
                detail={
                    "swap": swap_id,
                    "counterpart": counterpart,
                    "from": settled.give_start.isoformat(),
                    "to": settled.give_end.isoformat(),
                    "reason": reason,
                },
            )
        )
        await uow.commit()
    return swap_id


async def decide_swap(
    uow: UnitOfWork,
    *,
    swap_id: int,
    actor: str,
    accept: bool,
    now: datetime,
    withdraw: bool | None = None,
) -> SwapRequest:
    """The counterpart accepts or declines; the requester withdraws (cancels) the request.

    ``withdraw`` True: only the requester may (``accept`` is ignored); False: only the
    counterpart may answer; None: a requester's ``accept=False`` withdraws. Accepting writes
    two overrides with source ``swap``: the counterpart takes ``give`` and the requester takes
    ``take``. The decision, its audit entry and its ``swap.decided`` messages are written
    together. Refused (:class:`SwapRefused`, nothing written): a request decided or withdrawn
    already (also when two decisions race: the second finds the first's message), one whose
    window has begun, an actor who may not decide it, and at acceptance a schedule that
    changed so the window is no longer the requester's or falls in the counterpart's time off.
    """
    async with uow:
        swap = await uow.schedules.swap(swap_id)
        if swap is None:
            raise SwapRefused(f"unknown swap {swap_id}")
        config = await uow.config.load() or Configuration()
        if withdraw is None:
            withdraw = not accept and actor == swap.requester
        _refuse(decision_refusal(config, swap, actor, withdraw=withdraw, now=now))
        status = "cancelled" if withdraw else ("accepted" if accept else "declined")
        if status == "accepted":
            ends = [swap.give_end, swap.take_end or swap.give_end]
            starts = [swap.give_start, swap.take_start or swap.give_start]
            state = await load_state(uow, min(starts), max(ends))
            _refuse(acceptance_refusal(state, swap))
        messages = decided_messages(config, replace(swap, status=status, decided_at=now), now)
        if messages and not await uow.outbox.add(messages[0]):
            raise SwapRefused(f"swap {swap_id} was decided a moment ago")
        await uow.outbox.add_many(messages[1:])
        if status == "accepted":
            await _swap_overrides(uow, swap, actor, now)
        await uow.schedules.set_swap_status(swap_id, status, now)
        await uow.audit.append(
            AuditEntry(
                at=now,
                actor=actor,
                action=f"swap.{status}",
                subject=f"schedule:{swap.schedule_id}",
                detail={
                    "swap": swap_id,
                    "requester": swap.requester,
                    "counterpart": swap.counterpart,
                },
            )
        )
        await uow.commit()
        updated = await uow.schedules.swap(swap_id)
    assert updated is not None
    return updated


async def _swap_overrides(uow: UnitOfWork, swap: SwapRequest, actor: str, now: datetime) -> None:
    """The two halves of an accepted swap (one for a one-way hand-off)."""
    halves = [(swap.counterpart, swap.give_start, swap.give_end)]
    if swap.take_start is not None and swap.take_end is not None:
        halves.append((swap.requester, swap.take_start, swap.take_end))
    for person, start, end in halves:
        await uow.schedules.add_override(
            schedule_id=swap.schedule_id,
            person_id=person,
            start=start,
            end=end,
            created_at=now,
            created_by=actor,
            reason=swap.reason,
            source="swap",
            swap_id=swap.id,
        )


def _checked(window: tuple[datetime, datetime], now: datetime) -> tuple[datetime, datetime]:
    """:func:`check_window`, its refusals about the ``to`` field (it ends too early or late)."""
    try:
        return check_window(*window, now)
    except ScheduleInputError as exc:
        raise SwapRefused(str(exc), "to") from None


def _refuse(refusal: Refusal | None, *, field: str | None = None) -> None:
    """Raise :class:`SwapRefused` for a refusal (``field`` replaces its own)."""
    if refusal is not None:
        raise SwapRefused(refusal.reason, field or refusal.field)


async def next_shift_of(
    uow: UnitOfWork, person_id: str, now: datetime, schedule_id: str | None = None
) -> Window | None:
    """The person's next shift that has not begun, within 90 days (what a swap form offers
    first); None when there is none, or two schedules' next shifts start together. Reads only."""
    async with uow:
        state = await load_state(uow, now, now + NEXT_SHIFT_HORIZON)
    found = next_shift(state, person_id, now, schedule_id)
    return found if isinstance(found, Window) else None
