"""What a resolution causes besides its notices, in the resolving transaction.

:func:`after_resolve` is called once per incident, by the transition that resolves it (a
person's click, the alert source's resolve, ``oncall resolve``), inside the same unit of work
as the state change: what it writes is durable with the resolution or not at all. Each part
lives in a module of its own and is called from here, in order.
"""

from __future__ import annotations

from datetime import datetime

from core.config.model import Configuration
from core.incidents.lifecycle import IncidentState
from core.incidents.ports import IncidentRecord
from core.metrics.resolution import record_response
from core.ports import UnitOfWork
from core.reviews.service import offer_review


async def after_resolve(
    uow: UnitOfWork,
    config: Configuration,
    record: IncidentRecord,
    state: IncidentState,
    now: datetime,
) -> None:
    """Run everything a resolution causes. ``record.state`` is the state before it, ``state``
    the resolved one (``resolved_at`` and ``resolved_by`` set)."""
    events = await uow.incidents.events(record.id)  # read once: every part reads the timeline
    await record_response(uow, config, record, state, events, now)
    await offer_review(uow, config, record, state, events, now)
