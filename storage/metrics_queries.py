"""The figures ``GET /metrics`` exposes, read from the database at scrape time.

Every process and instance sharing the database reads the same rows, so they all report the
same truth. Counters come only from rows the application never deletes (incidents, alerts,
the alert inbox, the outbox, pending steps, incident events, incident metrics: nothing in
``storage/`` deletes them; a row goes only if its incident is deleted by hand, through the
``ON DELETE CASCADE`` references), and only from facts that never change once written:

- received alerts and alerts folded into an incident already open (``alerts`` rows);
- incidents opened, by service and severity (``incidents`` rows: service and severity are
  set at opening);
- escalations fired (``pending_steps`` of kind ``escalate`` with outcome ``fired``);
- pages sent and messages given up, by destination (``outbox`` rows: ``sent`` and ``failed``
  are final states);
- times to acknowledge (the first acknowledgement that took effect, from the timeline: the
  incident's ``acknowledged_at`` is cleared when a snooze ends, so it is not a stable source)
  and to resolve (``incident_metrics``, one row per resolved incident), each measured as
  :func:`core.metrics.compute.response_clock` does (a held incident from its hold's end).

Edge cases: an empty database gives zeros and empty maps; an incident held and resolved before
any response (no clock) is left out of both histograms, as it is out of MTTA and MTTR.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.metrics.compute import HOLD_KINDS, response_clock
from core.ports import UnitOfWork
from storage.incident_tables import (
    AlertRow,
    InboxRow,
    IncidentEventRow,
    IncidentRow,
    OutboxRow,
    PendingStepRow,
)
from storage.metrics_tables import IncidentMetricsRow

INCIDENTS: Table = IncidentRow.__table__  # type: ignore[attr-defined]
ALERTS: Table = AlertRow.__table__  # type: ignore[attr-defined]
EVENTS: Table = IncidentEventRow.__table__  # type: ignore[attr-defined]
STEPS: Table = PendingStepRow.__table__  # type: ignore[attr-defined]
OUTBOX: Table = OutboxRow.__table__  # type: ignore[attr-defined]
INBOX: Table = InboxRow.__table__  # type: ignore[attr-defined]
METRICS: Table = IncidentMetricsRow.__table__  # type: ignore[attr-defined]


@dataclass
class Figures:
    """What one scrape reads; maps are keyed by their labels' values."""

    deliveries: dict[str, int] = field(default_factory=dict)  # inbox rows by source
    alerts: dict[str, int] = field(default_factory=dict)  # alert rows by source
    deduplicated: dict[str, int] = field(default_factory=dict)  # by source
    incidents: dict[tuple[str, str], int] = field(default_factory=dict)  # (service, severity)
    escalations: int = 0
    pages: dict[str, int] = field(default_factory=dict)  # sent pages by destination
    sent: dict[str, int] = field(default_factory=dict)  # sent messages by destination
    failures: dict[str, int] = field(default_factory=dict)  # given up, by destination
    depth: dict[str, int] = field(default_factory=dict)  # pending messages by destination
    retrying: dict[str, int] = field(default_factory=dict)  # pending after a failed attempt
    oldest_pending: datetime | None = None
    inbox_depth: int = 0
    inbox_failed: int = 0
    to_acknowledge: list[float] = field(default_factory=list)  # seconds, one per incident
    to_resolve: list[float] = field(default_factory=list)


def session_of(uow: UnitOfWork) -> AsyncSession:
    """The session of an entered :class:`storage.uow.SqlUnitOfWork` (``TypeError`` for any
    other unit of work, or one not entered)."""
    session = getattr(uow, "_session", None)
    if not isinstance(session, AsyncSession):
        raise TypeError("the metrics queries need an entered SqlUnitOfWork")
    return session


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _effects(detail: Any) -> list[str]:
    effects = detail.get("effects") if isinstance(detail, dict) else None
    return [str(e) for e in effects] if isinstance(effects, list) else []


async def _by(session: AsyncSession, table: Table, key: Any, *where: Any) -> dict[str, int]:
    query = select(key, func.count()).select_from(table).where(*where).group_by(key)
    return {str(k): int(n) for k, n in await session.execute(query)}


async def _holds(
    session: AsyncSession, ids: Sequence[int]
) -> tuple[dict[int, list[tuple[datetime, str]]], dict[int, datetime]]:
    """The hold events and first page of the held incidents among ``ids``."""
    holds: dict[int, list[tuple[datetime, str]]] = defaultdict(list)
    pages: dict[int, datetime] = {}
    held_query = select(EVENTS.c.incident_id).where(EVENTS.c.kind == "maintenance").distinct()
    held = [int(i) for (i,) in await session.execute(held_query)]
    wanted = sorted(set(held) & set(ids))
    for chunk in (wanted[i : i + 500] for i in range(0, len(wanted), 500)):
        query = (
            select(EVENTS.c.incident_id, EVENTS.c.at, EVENTS.c.kind)
            .where(EVENTS.c.incident_id.in_(chunk), EVENTS.c.kind.in_((*HOLD_KINDS, "paged")))
            .order_by(EVENTS.c.id)
        )
        for incident_id, at, kind in await session.execute(query):
            if kind == "paged":
                pages.setdefault(incident_id, _utc(at))
            else:
                holds[incident_id].append((_utc(at), kind))
    return holds, pages


async def _response_times(session: AsyncSession, figures: Figures) -> None:
    first_ack: dict[int, datetime] = {}
    opened: dict[int, datetime] = {}
    acks = (
        select(EVENTS.c.incident_id, EVENTS.c.at, EVENTS.c.detail, INCIDENTS.c.opened_at)
        .join(INCIDENTS, INCIDENTS.c.id == EVENTS.c.incident_id)
        .where(EVENTS.c.kind == "acknowledge")
        .order_by(EVENTS.c.id)
    )
    for incident_id, at, detail, opened_at in await session.execute(acks):
        if "Notify" in _effects(detail) and incident_id not in first_ack:
            first_ack[incident_id] = _utc(at)
            opened[incident_id] = _utc(opened_at)
    resolved = list(
        await session.execute(
            select(METRICS.c.incident_id, METRICS.c.opened_at, METRICS.c.resolved_at)
        )
    )
    holds, first_pages = await _holds(session, [*first_ack, *(r[0] for r in resolved)])
    for incident_id, acked in sorted(first_ack.items()):
        start = opened[incident_id]
        clock = response_clock(
            start, holds.get(incident_id, []), first_pages.get(incident_id), acked, acked
        )
        if clock is not None:
            figures.to_acknowledge.append(max(0.0, (acked - clock).total_seconds()))
    for incident_id, start, end in resolved:
        clock = response_clock(
            _utc(start),
            holds.get(incident_id, []),
            first_pages.get(incident_id),
            first_ack.get(incident_id),
            _utc(end),
        )
        if clock is not None:
            figures.to_resolve.append(max(0.0, (_utc(end) - clock).total_seconds()))


async def read_figures(uow: UnitOfWork) -> Figures:
    """Every figure of :class:`Figures`, inside the entered (read-only) unit of work ``uow``:
    a dozen aggregate queries, plus the acknowledgement events and resolved incidents'
    instants for the histograms (two timestamps a row)."""
    session = session_of(uow)
    figures = Figures()
    figures.deliveries = await _by(session, INBOX, INBOX.c.source)
    alert_rows = select(
        ALERTS.c.source, func.count(), func.count(func.distinct(ALERTS.c.incident_id))
    ).group_by(ALERTS.c.source)
    for source, total, incidents in await session.execute(alert_rows):
        figures.alerts[str(source)] = int(total)
        figures.deduplicated[str(source)] = int(total) - int(incidents)
    opened = select(INCIDENTS.c.service_id, INCIDENTS.c.severity, func.count()).group_by(
        INCIDENTS.c.service_id, INCIDENTS.c.severity
    )
    figures.incidents = {(str(s), str(v)): int(n) for s, v, n in await session.execute(opened)}
    fired = select(func.count()).where(STEPS.c.kind == "escalate", STEPS.c.outcome == "fired")
    figures.escalations = int((await session.execute(fired)).scalar_one())
    figures.pages = await _by(
        session, OUTBOX, OUTBOX.c.destination, OUTBOX.c.kind == "page", OUTBOX.c.status == "sent"
    )
    by_status = select(OUTBOX.c.destination, OUTBOX.c.status, func.count()).group_by(
        OUTBOX.c.destination, OUTBOX.c.status
    )
    maps = {"sent": figures.sent, "failed": figures.failures, "pending": figures.depth}
    for destination, status, n in await session.execute(by_status):
        if status in maps:
            maps[status][str(destination)] = int(n)
    figures.retrying = await _by(
        session,
        OUTBOX,
        OUTBOX.c.destination,
        OUTBOX.c.status == "pending",
        OUTBOX.c.last_error.is_not(None),
    )
    oldest = select(func.min(OUTBOX.c.created_at)).where(OUTBOX.c.status == "pending")
    found = (await session.execute(oldest)).scalar_one_or_none()
    figures.oldest_pending = _utc(found) if isinstance(found, datetime) else None
    inbox = await _by(session, INBOX, INBOX.c.status)
    figures.inbox_depth, figures.inbox_failed = inbox.get("pending", 0), inbox.get("failed", 0)
    await _response_times(session, figures)
    return figures


def buckets(values: Iterable[float], bounds: Sequence[float]) -> tuple[list[int], float, int]:
    """Cumulative counts of ``values`` at or under each of ``bounds`` (ascending), their sum
    and their count (the ``+Inf`` bucket)."""
    ordered = sorted(values)
    counts = [sum(1 for v in ordered if v <= bound) for bound in bounds]
    return counts, float(sum(ordered)), len(ordered)
