"""The Prometheus metric families of one scrape, built from figures read beforehand.

:class:`ScrapeCollector` is a ``prometheus_client`` custom collector over one scrape's
:class:`Snapshot`; ``GET /metrics`` registers it in a fresh ``CollectorRegistry`` (never the
global one), so nothing is counted in process memory: every figure is the database's, and
every process and instance that shares it reports the same values. Names are listed in
:data:`NAMES`; docs/metrics.md describes each.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from storage.metrics_queries import RESPONSE_BUCKETS, Figures, Histogram

NAMES: tuple[str, ...] = (
    "oncall_alert_deliveries_total",
    "oncall_alerts_received_total",
    "oncall_alerts_deduplicated_total",
    "oncall_incidents_opened_total",
    "oncall_time_to_acknowledge_seconds",
    "oncall_time_to_resolve_seconds",
    "oncall_escalations_fired_total",
    "oncall_pages_sent_total",
    "oncall_outbox_sent_total",
    "oncall_delivery_failures_total",
    "oncall_outbox_depth",
    "oncall_outbox_retrying",
    "oncall_outbox_oldest_pending_age_seconds",
    "oncall_inbox_depth",
    "oncall_inbox_failed",
    "oncall_scheduler_tick_lag_seconds",
    "oncall_coverage_gap_hours",
    "oncall_people_on_call",
)
"""Every family name (counters without ``_total`` are exposed with it, as here)."""


@dataclass(frozen=True)
class Ahead:
    """The schedule figures (computed at most once a minute): gap hours in the next 14 days
    per service with its importance, and people on call now per schedule."""

    gap_hours: dict[tuple[str, str], float] = field(default_factory=dict)
    on_call: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Snapshot:
    """One scrape's inputs. ``tick_age`` None: this process does not know (no tick yet)."""

    figures: Figures
    ahead: Ahead
    now: datetime
    tick_age: float | None


def _counter(name: str, doc: str, labels: list[str], values: dict[str, int]) -> Metric:
    family = CounterMetricFamily(name, doc, labels=labels)
    for key, value in sorted(values.items()):
        family.add_metric([key], value)
    return family


def _gauge(name: str, doc: str, labels: list[str], values: dict[str, int]) -> Metric:
    family = GaugeMetricFamily(name, doc, labels=labels)
    for key, value in sorted(values.items()):
        family.add_metric([key], value)
    return family


def _histogram(name: str, doc: str, histogram: Histogram) -> Metric:
    counts = zip(RESPONSE_BUCKETS, histogram.counts, strict=True)
    pairs = [(f"{b:g}", float(c)) for b, c in counts]
    pairs.append(("+Inf", float(histogram.count)))
    return HistogramMetricFamily(name, doc, buckets=pairs, sum_value=histogram.total)


class ScrapeCollector(Collector):
    """Yields every family of :data:`NAMES` from one :class:`Snapshot`. Families with labels
    have no samples when nothing is known for them (an empty database); the tick lag has
    none when this process has not seen a tick."""

    def __init__(self, snapshot: Snapshot) -> None:
        self._snapshot = snapshot

    def collect(self) -> Iterator[Metric]:
        s = self._snapshot
        f = s.figures
        yield _counter(
            "oncall_alert_deliveries",
            "Alert deliveries accepted into the inbox (one per webhook call), by source.",
            ["source"],
            f.deliveries,
        )
        yield _counter(
            "oncall_alerts_received",
            "Distinct alerts stored (a resend of the same alert is not counted), by source.",
            ["source"],
            f.alerts,
        )
        yield _counter(
            "oncall_alerts_deduplicated",
            "Alert deliveries folded into an incident already open (they opened none), by source.",
            ["source"],
            f.deduplicated,
        )
        opened = CounterMetricFamily(
            "oncall_incidents_opened",
            "Incidents opened, by service and severity.",
            labels=["service", "severity"],
        )
        for (service, severity), n in sorted(f.incidents.items()):
            opened.add_metric([service, severity], n)
        yield opened
        yield _histogram(
            "oncall_time_to_acknowledge_seconds",
            "Resolved incidents: from opening (or a maintenance hold's end) to the first "
            "acknowledgement (counted at resolution; unacknowledged ones are left out).",
            f.to_acknowledge,
        )
        yield _histogram(
            "oncall_time_to_resolve_seconds",
            "From opening (or a maintenance hold's end) to resolution, of resolved incidents.",
            f.to_resolve,
        )
        fired = CounterMetricFamily(
            "oncall_escalations_fired", "Escalation steps fired when due by a worker."
        )
        fired.add_metric([], f.escalations)
        yield fired
        yield _counter(
            "oncall_pages_sent",
            "Pages delivered, by destination.",
            ["destination"],
            f.pages,
        )
        yield _counter(
            "oncall_outbox_sent",
            "Outbox messages delivered (pages, cards, notices), by destination.",
            ["destination"],
            f.sent,
        )
        yield _counter(
            "oncall_delivery_failures",
            "Outbox messages given up after their last attempt, by destination.",
            ["destination"],
            f.failures,
        )
        yield _gauge(
            "oncall_outbox_depth",
            "Outbox messages waiting to be delivered, by destination.",
            ["destination"],
            f.depth,
        )
        yield _gauge(
            "oncall_outbox_retrying",
            "Outbox messages waiting after a failed attempt, by destination.",
            ["destination"],
            f.retrying,
        )
        age = 0.0
        if f.oldest_pending is not None:
            age = max(0.0, (s.now - f.oldest_pending).total_seconds())
        yield GaugeMetricFamily(
            "oncall_outbox_oldest_pending_age_seconds",
            "Age of the oldest outbox message still waiting (0 when none waits).",
            value=age,
        )
        yield GaugeMetricFamily(
            "oncall_inbox_depth",
            "Alert deliveries stored but not yet turned into incidents.",
            value=f.inbox_depth,
        )
        yield GaugeMetricFamily(
            "oncall_inbox_failed",
            "Alert deliveries given up after too many attempts.",
            value=f.inbox_failed,
        )
        lag = GaugeMetricFamily(
            "oncall_scheduler_tick_lag_seconds",
            "Seconds since this instance's scheduling loop last ticked (absent: no tick seen).",
        )
        if s.tick_age is not None:
            lag.add_metric([], s.tick_age)
        yield lag
        gaps = GaugeMetricFamily(
            "oncall_coverage_gap_hours",
            "Hours in the next 14 days in which the service's first tier would page nobody.",
            labels=["service", "importance"],
        )
        for (service, importance), hours in sorted(s.ahead.gap_hours.items()):
            gaps.add_metric([service, importance], hours)
        yield gaps
        yield _gauge(
            "oncall_people_on_call",
            "People on call now in the schedule's final schedule (0 in a gap).",
            ["schedule"],
            s.ahead.on_call,
        )
