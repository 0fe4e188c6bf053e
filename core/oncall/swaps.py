"""The rules of shift swaps and the messages they cause, as pure functions.

:func:`core.oncall.actions.request_swap` and :func:`core.oncall.actions.decide_swap` are the one
path every surface takes; they load a :class:`ScheduleState` and ask these functions whether
the request may go ahead. A refusal is a :class:`Refusal` naming the reason and, for forms,
the field it is about (``counterpart``, ``schedule``, ``from``, ``to``; None: the swap as a
whole).

Rules:
- The window the requester gives away must be theirs in the final schedule (overrides and
  covers included) for all of it, in exactly one schedule (the named one, or the only one that
  fits); a window that has begun cannot be swapped, at request time or at decision time.
- The counterpart must not be on time off at any instant of the window (nor the requester
  during a window they take back).
- Only the counterpart accepts or declines; only the requester withdraws; only a pending
  request can be decided, and not once its window has begun ("expired").
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from core.config.model import Configuration
from core.oncall.views import ScheduleState, final_for, person_shifts
from core.ports import SwapRequest

NEXT_SHIFT_HORIZON = timedelta(days=90)


@dataclass(frozen=True)
class Refusal:
    """Why a swap cannot go ahead; ``field`` is the form field it is about (None: all)."""

    reason: str
    field: str | None = None


@dataclass(frozen=True)
class Window:
    """A window of one schedule: what a swap hands over."""

    schedule_id: str
    start: datetime
    end: datetime


def name_of(config: Configuration, person_id: str) -> str:
    """The person's display name; the id itself for someone the configuration lacks."""
    person = config.person(person_id)
    return person.display_name if person else person_id


def holds(
    state: ScheduleState, schedule_id: str, person: str, start: datetime, end: datetime
) -> bool:
    """Whether ``person`` is on call in ``schedule_id`` at every instant of ``[start, end)``.

    Final shifts count (overrides, swaps and covers included), so a turn covered by someone
    else during the requester's time off is not theirs to give. A gap anywhere: False.
    """
    final = final_for(state, schedule_id, start, end)
    return not final.gaps and bool(final.shifts) and all(s.person == person for s in final.shifts)


def _overlaps(
    state: ScheduleState, schedule_id: str, person: str, start: datetime, end: datetime
) -> bool:
    return any(s.person == person for s in final_for(state, schedule_id, start, end).shifts)


def find_window(
    state: ScheduleState, requester: str, start: datetime, end: datetime, schedule_id: str | None
) -> Window | Refusal:
    """The schedule in which ``requester`` holds all of ``[start, end)``.

    With ``schedule_id``, only that one is checked. Without, every schedule of the newest
    configuration is: none fits (the message names schedules where only part of the window
    is theirs), or several fit (the requester is asked to name one), is a refusal.
    """
    config = state.config
    if schedule_id is not None:
        if config.schedule(schedule_id) is None:
            return Refusal(f"unknown schedule {schedule_id!r}", "schedule")
        if holds(state, schedule_id, requester, start, end):
            return Window(schedule_id, start, end)
        part = _overlaps(state, schedule_id, requester, start, end)
        detail = "only part of that window is yours" if part else "you are not on call then"
        return Refusal(f"in {schedule_id} {detail}; a swap gives away your own shift", "from")
    fits = [s.id for s in config.schedules if holds(state, s.id, requester, start, end)]
    if len(fits) == 1:
        return Window(fits[0], start, end)
    if fits:
        return Refusal(
            f"you are on call then in {len(fits)} schedules ({', '.join(fits)}); name one",
            "schedule",
        )
    partly = [s.id for s in config.schedules if _overlaps(state, s.id, requester, start, end)]
    if partly:
        return Refusal(
            f"only part of that window is yours (in {', '.join(partly)}); "
            "a swap gives away a shift, or part of one, that you hold",
            "from",
        )
    return Refusal("you are not on call in that window in any schedule", "from")


def next_shift(
    state: ScheduleState, requester: str, now: datetime, schedule_id: str | None
) -> Window | Refusal:
    """The requester's next shift that has not begun (within 90 days), as a window.

    Touching pieces of one person in one schedule (a turn, then an override of theirs) are one
    shift; a shift under way is not "next" (it began). Two schedules whose next shifts start at
    the same instant: the requester is asked to name one. ``state`` must cover
    ``[now, now + NEXT_SHIFT_HORIZON)``.
    """
    config = state.config
    if schedule_id is not None and config.schedule(schedule_id) is None:
        return Refusal(f"unknown schedule {schedule_id!r}", "schedule")
    runs: list[Window] = []
    for sid, shift in person_shifts(state, requester, now, now + NEXT_SHIFT_HORIZON):
        if schedule_id is not None and sid != schedule_id:
            continue
        last = next((r for r in reversed(runs) if r.schedule_id == sid), None)
        if last is not None and last.end == shift.start:
            runs[runs.index(last)] = Window(sid, last.start, shift.end)
        else:
            runs.append(Window(sid, shift.start, shift.end))
    ahead = sorted((r for r in runs if r.start > now), key=lambda r: (r.start, r.schedule_id))
    if not ahead:
        where = f" in {schedule_id}" if schedule_id else ""
        days = NEXT_SHIFT_HORIZON.days
        return Refusal(f"you have no shift{where} in the next {days} days", "from")
    same = [r.schedule_id for r in ahead if r.start == ahead[0].start]
    if len(same) > 1:
        return Refusal(
            f"your next shifts in {', '.join(same)} start at the same time; name one", "schedule"
        )
    return ahead[0]


def time_off_refusal(
    state: ScheduleState, person: str, start: datetime, end: datetime, field: str | None
) -> Refusal | None:
    """A refusal when ``person`` is on time off at any instant of ``[start, end)``."""
    if any(t.person_id == person and t.start < end and start < t.end for t in state.time_off):
        name = name_of(state.config, person)
        return Refusal(
            f"{name} is on time off during that window, so the swap would put them on call "
            "while they are away",
            field,
        )
    return None


def began_refusal(start: datetime, now: datetime) -> Refusal | None:
    """A window that has begun (``start <= now``) cannot be swapped any more."""
    if start <= now:
        return Refusal("that window has begun; only a shift still ahead can be swapped", "from")
    return None


def decision_refusal(
    config: Configuration, swap: SwapRequest, actor: str, *, withdraw: bool, now: datetime
) -> Refusal | None:
    """Why ``actor`` may not decide ``swap`` now (None: they may).

    ``withdraw``: the requester takes the request back; otherwise the counterpart answers.
    Decided requests say how they ended; a withdrawn one says by whom. A request whose window
    has begun is expired for everyone.
    """
    if swap.status == "cancelled":
        return Refusal(f"swap {swap.id} was withdrawn by {name_of(config, swap.requester)}")
    if swap.status != "pending":
        return Refusal(f"swap {swap.id} was {swap.status} already")
    if withdraw and actor != swap.requester:
        return Refusal(f"only {name_of(config, swap.requester)} can withdraw swap {swap.id}")
    if not withdraw and actor != swap.counterpart:
        who = name_of(config, swap.counterpart)
        return Refusal(f"only {who} can accept or decline swap {swap.id}")
    if swap.give_start <= now:
        return Refusal(f"swap {swap.id} has expired: its window has begun")
    return None


def _take_refusal(
    state: ScheduleState, schedule_id: str, swap: SwapRequest, take: tuple[datetime, datetime]
) -> Refusal | None:
    """A window taken back must be all the counterpart's, and the requester not away in it."""
    if not holds(state, schedule_id, swap.counterpart, *take):
        who = name_of(state.config, swap.counterpart)
        return Refusal(f"the window taken back must be {who}'s own shift in {schedule_id}", "to")
    return time_off_refusal(state, swap.requester, *take, "to")


def request_refusal(
    state: ScheduleState, swap: SwapRequest, *, schedule_id: str | None, next_of: datetime | None
) -> SwapRequest | Refusal:
    """``swap`` with its schedule and window settled, or why it cannot be asked for.

    ``next_of`` (the current instant): the window is the requester's next shift, found here;
    otherwise it is ``swap.give_start``/``give_end``, in the named schedule or the only one
    where all of it is the requester's. The counterpart must not be away in it; a window
    taken back must be the counterpart's, and the requester not away in it. ``state`` must
    cover every window involved.
    """
    if next_of is not None:
        found = next_shift(state, swap.requester, next_of, schedule_id)
    else:
        found = find_window(state, swap.requester, swap.give_start, swap.give_end, schedule_id)
    if isinstance(found, Refusal):
        return found
    refused = time_off_refusal(state, swap.counterpart, found.start, found.end, "counterpart")
    if refused is None and swap.take_start is not None and swap.take_end is not None:
        refused = _take_refusal(state, found.schedule_id, swap, (swap.take_start, swap.take_end))
    if refused is not None:
        return refused
    return replace(swap, schedule_id=found.schedule_id, give_start=found.start, give_end=found.end)


def acceptance_refusal(state: ScheduleState, swap: SwapRequest) -> Refusal | None:
    """Why ``swap`` cannot be accepted as things stand now (None: it can).

    The schedule may have changed since the request (an override, a new configuration, time
    off recorded): the requester must still hold all of the window, the counterpart must not
    be away in it, and a window taken back must still be the counterpart's.
    """
    if not holds(state, swap.schedule_id, swap.requester, swap.give_start, swap.give_end):
        who = name_of(state.config, swap.requester)
        return Refusal(
            f"the schedule changed since swap {swap.id} was asked: {who} is no longer on call "
            "for all of that window"
        )
    refused = time_off_refusal(state, swap.counterpart, swap.give_start, swap.give_end, None)
    if refused is None and swap.take_start is not None and swap.take_end is not None:
        refused = _take_refusal(state, swap.schedule_id, swap, (swap.take_start, swap.take_end))
    return refused
