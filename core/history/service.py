"""``oncall history``: every shift, override, swap, cover, time off, page, acknowledgement
and resolution of a window, from the final schedules, the audit log and incident timelines.

The window is ``[since, until)``; it must end after it starts and be at most 400 days long
(:class:`core.oncall.listing.InvalidWindow`). An unknown person is
:class:`core.oncall.targets.UnknownTarget`. Shifts come from the schedules of every revision
in force in the window and every schedule with overrides, as ``oncall schedule`` computes
them (past shifts as they were).
"""

from __future__ import annotations

from datetime import datetime

from core.config.model import Configuration
from core.history.entries import (
    EDGE,
    EVENT_KINDS,
    HistoryEntry,
    IncidentInfo,
    assemble,
    audit_entries,
    event_entries,
    shift_entries,
)
from core.oncall import views
from core.oncall.listing import check_window
from core.oncall.targets import Target, check_target
from core.ports import UnitOfWork
from core.schedule.model import utc


async def history(
    uow: UnitOfWork,
    since: datetime,
    until: datetime,
    person: str | None = None,
    *,
    now: datetime,
) -> list[HistoryEntry]:
    """The history of ``[since, until)``, in time order; only ``person``'s with a person.

    Shifts are clipped to the window; their text says whether one began before ``since``,
    goes on after ``until``, or is still running at ``now`` (:func:`shift_entries`)."""
    async with uow:
        config = await uow.config.load() or Configuration()
        if person is not None:
            check_target(config, Target("person", person))
        lo, hi = check_window(since, until)
        state = await views.load_state(uow, lo - EDGE, hi + EDGE)
        schedule_ids = {s.id for r in state.revisions for s in r.config.schedules}
        schedule_ids |= {o.schedule_id for o in state.overrides}
        shifts = [
            entry
            for sid in sorted(schedule_ids)
            for entry in shift_entries(
                sid, views.final_for(state, sid, lo - EDGE, hi + EDGE).shifts, lo, hi, utc(now)
            )
        ]
        audit = audit_entries(await uow.audit.between(lo, hi))
        events = await uow.incidents.events_between(lo, hi, EVENT_KINDS)
        incidents: dict[int, IncidentInfo] = {}
        for incident_id in sorted({e[0] for e in events}):
            record = await uow.incidents.get(incident_id)
            if record is not None:
                incidents[incident_id] = IncidentInfo(record.id, record.title, record.service_id)
    names = {p.id: p.display_name for p in config.people}
    return assemble([shifts, audit, event_entries(events, incidents, names)], person)
