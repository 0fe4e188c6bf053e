"""The figures ``GET /metrics`` exposes, read from the database at scrape time.

Every process and instance sharing the database reads the same rows, so they all report the
same truth. Each figure is one aggregate query: the database counts, and a scrape transfers a
few rows whatever the history. Counters come only from rows the application never deletes
(incidents, alerts, the alert inbox, the outbox, pending steps, incident events, incident
metrics: nothing in ``storage/`` deletes them; a row goes only if its incident is deleted by
hand, through the ``ON DELETE CASCADE`` references), and only from facts that never change
once written:

- deliveries received (``alert_inbox`` rows), and deliveries folded into an incident already
  open (inbox rows that ingest marked done with action ``updated``: a redelivery or a grown
  group; a delivery that opened, resolved or was ignored is not one);
- distinct alerts stored (``alerts`` rows);
- incidents opened, by service and severity (``incidents`` rows: set at opening);
- escalations fired (``pending_steps`` of kind ``escalate`` with outcome ``fired``);
- pages sent and messages given up, by destination (``outbox`` rows: ``sent`` and ``failed``
  are final states);
- times to acknowledge and to resolve of **resolved** incidents (``incident_metrics``, one row
  per resolved incident, written at resolution), measured as
  :func:`core.metrics.compute.response_clock` and ``storage.metrics_repo`` do for the reports
  (a held incident from its hold's end: its first ``maintenanceended`` event, first page or
  acknowledgement), in whole microseconds computed by the database.

Edge cases: an empty database gives zeros and empty maps; an incident held and resolved before
any response (no clock) is left out of both histograms, as it is out of MTTA and MTTR; one
resolved without an acknowledgement is only in the time to resolve; a negative span (clock
skew between writers) counts as 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Table,
    and_,
    case,
    cast,
    exists,
    extract,
    func,
    literal,
    null,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from core.ports import UnitOfWork
from storage.metrics_tables import IncidentMetricsRow, MetricPageRow
from storage.statements import ALERTS, EVENTS, INBOX, INCIDENTS, OUTBOX, STEPS, per_dialect
from storage.uow import SqlUnitOfWork

METRICS: Table = IncidentMetricsRow.__table__  # type: ignore[attr-defined]
PAGES: Table = MetricPageRow.__table__  # type: ignore[attr-defined]

# Paging-sized histogram buckets, seconds: 30 s .. 24 h.
RESPONSE_BUCKETS: tuple[float, ...] = (
    30,
    60,
    120,
    300,
    600,
    900,
    1800,
    3600,
    7200,
    14400,
    28800,
    86400,
)
MICROS = 1_000_000


@dataclass(frozen=True)
class Histogram:
    """Cumulative ``counts`` at or under each of :data:`RESPONSE_BUCKETS`, the ``total`` of
    the observations in seconds and their ``count`` (the ``+Inf`` bucket)."""

    counts: tuple[int, ...] = (0,) * len(RESPONSE_BUCKETS)
    total: float = 0.0
    count: int = 0


@dataclass
class Figures:
    """What one scrape reads; maps are keyed by their labels' values."""

    deliveries: dict[str, int] = field(default_factory=dict)  # inbox rows by source
    alerts: dict[str, int] = field(default_factory=dict)  # alert rows by source
    deduplicated: dict[str, int] = field(default_factory=dict)  # folded deliveries by source
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
    to_acknowledge: Histogram = field(default_factory=Histogram)  # resolved incidents only
    to_resolve: Histogram = field(default_factory=Histogram)


def session_of(uow: UnitOfWork) -> AsyncSession:
    """The session of an entered :class:`storage.uow.SqlUnitOfWork` (``TypeError`` for any
    other unit of work, ``RuntimeError`` for one not entered)."""
    if not isinstance(uow, SqlUnitOfWork):
        raise TypeError("the metrics queries need a SqlUnitOfWork")
    return uow.session


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _micros(dialect: str, instant: Any) -> Any:
    """Microseconds since the epoch of ``instant``, as an integer computed by the database
    (NULL stays NULL). SQLite stores ``YYYY-MM-DD HH:MM:SS.ffffff`` in UTC: whole seconds
    from ``strftime('%s')`` plus the six digits after the point (none: 0)."""
    if dialect == "postgresql":
        return cast(extract("epoch", instant) * MICROS, BigInteger)
    whole = cast(func.strftime("%s", instant), BigInteger)
    return whole * MICROS + cast(func.substr(instant, 21, 6), BigInteger)


def _spans(dialect: str) -> Any:
    """One row per resolved incident: ``tta`` and ``ttr`` in microseconds (NULL when not
    measured), each as :func:`core.metrics.compute.response_clock` measures."""
    m = METRICS.c
    held = exists().where(EVENTS.c.incident_id == m.incident_id, EVENTS.c.kind == "maintenance")
    ended = (
        select(func.min(EVENTS.c.at))
        .where(EVENTS.c.incident_id == m.incident_id, EVENTS.c.kind == "maintenanceended")
        .scalar_subquery()
    )
    page = (
        select(func.min(PAGES.c.paged_at))
        .where(PAGES.c.incident_id == m.incident_id)
        .scalar_subquery()
    )
    r1 = (
        select(
            _micros(dialect, m.opened_at).label("opened"),
            _micros(dialect, m.acknowledged_at).label("acked"),
            _micros(dialect, m.resolved_at).label("resolved"),
            case((held, 1), else_=0).label("held"),
            case((held, _micros(dialect, ended)), else_=null()).label("ended"),
            case((held, _micros(dialect, page)), else_=null()).label("page"),
        )
        .offset(0)
        .subquery("r1")
    )  # OFFSET 0: computed once a row, never inlined below
    a = r1.c
    # the hold's end: the earliest of its end event, its first page and its acknowledgement
    end = case(
        (
            and_(
                a.ended.is_not(None),
                or_(a.page.is_(None), a.ended <= a.page),
                or_(a.acked.is_(None), a.ended <= a.acked),
            ),
            a.ended,
        ),
        (and_(a.page.is_not(None), or_(a.acked.is_(None), a.page <= a.acked)), a.page),
        else_=a.acked,
    )
    r2 = select(a.opened, a.acked, a.resolved, a.held, end.label("end")).subquery("r2")
    e = r2.c
    clock = case(
        (e.held == 0, e.opened),
        (or_(e.end.is_(None), e.end > e.resolved), null()),
        (e.end > e.opened, e.end),
        else_=e.opened,
    )
    r3 = select(e.acked, e.resolved, clock.label("clock")).subquery("r3")
    b = r3.c

    def at_least_zero(span: Any) -> Any:
        return case((span < 0, 0), else_=span)

    tta = case(
        (and_(b.acked.is_not(None), b.clock.is_not(None)), at_least_zero(b.acked - b.clock)),
        else_=null(),
    )
    ttr = case((b.clock.is_not(None), at_least_zero(b.resolved - b.clock)), else_=null())
    return select(tta.label("tta"), ttr.label("ttr")).offset(0).subquery("spans")


def _histogram_query(column: str) -> Any:
    def build(dialect: str) -> Any:
        span = _spans(dialect).c[column]
        bucket_sums = [
            func.sum(case((span <= literal(int(bound * MICROS), BigInteger), 1), else_=0))
            for bound in RESPONSE_BUCKETS
        ]
        return select(func.count(span), func.sum(span), *bucket_sums)

    return build


async def _histogram(session: AsyncSession, column: str) -> Histogram:
    """One aggregate query: count, sum and every bucket of ``column`` (``tta`` or ``ttr``)."""
    query = per_dialect(session, f"metrics_histogram_{column}", _histogram_query(column))
    row = (await session.execute(query)).one()
    count, total, *counts = row
    return Histogram(
        counts=tuple(int(c or 0) for c in counts),
        total=int(total or 0) / MICROS,
        count=int(count or 0),
    )


async def _by(session: AsyncSession, table: Table, key: Any, *where: Any) -> dict[str, int]:
    query = select(key, func.count()).select_from(table).where(*where).group_by(key)
    return {str(k): int(n) for k, n in await session.execute(query)}


async def read_figures(uow: UnitOfWork) -> Figures:
    """Every figure of :class:`Figures`, inside the entered (read-only) unit of work ``uow``:
    twelve aggregate queries, none of which returns more than a row per label value."""
    session = session_of(uow)
    figures = Figures()
    figures.deliveries = await _by(session, INBOX, INBOX.c.source)
    figures.deduplicated = await _by(session, INBOX, INBOX.c.source, INBOX.c.action == "updated")
    figures.alerts = await _by(session, ALERTS, ALERTS.c.source)
    for source in (*figures.deliveries, *figures.alerts):  # a series from the first alert on
        figures.deduplicated.setdefault(source, 0)
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
    figures.to_acknowledge = await _histogram(session, "tta")
    figures.to_resolve = await _histogram(session, "ttr")
    return figures
