"""What this part does at a resolution (called from :func:`core.incidents.aftermath.after_resolve`
in the resolving transaction): store the incident's response metrics, then decide rest after
night pages for the people it paged (:mod:`core.rest.grant`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core.config.model import Configuration
from core.incidents.lifecycle import IncidentState
from core.incidents.ports import IncidentRecord
from core.metrics.compute import incident_metrics
from core.ports import UnitOfWork
from core.rest.grant import rest_after_night_pages


async def record_response(
    uow: UnitOfWork,
    config: Configuration,
    record: IncidentRecord,
    state: IncidentState,
    events: list[tuple[datetime, str, str | None, dict[str, Any]]],
    now: datetime,
) -> None:
    """Store the metrics of the incident just resolved (``events``: its whole timeline) and
    grant rest where it is due.

    A second call for the same incident writes nothing (metrics are kept once).
    """
    metrics = incident_metrics(record, state, events, config)
    if await uow.metrics.save(metrics):
        await rest_after_night_pages(uow, config, metrics, now)
