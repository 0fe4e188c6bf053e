"""Alertmanager's always-firing ``Watchdog`` alert as a heartbeat's beat.

Prometheus setups (kube-prometheus and others) ship an alert named ``Watchdog`` that always
fires, so that its absence shows the pipeline is broken. Here a firing ``Watchdog`` alert (label
``alertname="Watchdog"``) is a beat of every configured heartbeat whose ``watchdog`` labels it
carries (``{}``: any Watchdog alert), and it never opens an incident, whether or not a heartbeat
claims it: it is a signal of health, not of trouble.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from core.config.model import Configuration
from core.incidents.ports import AlertBatch, NewAlert
from core.incidents.routing import labels_match

WATCHDOG = "Watchdog"


@dataclass(frozen=True)
class WatchdogSplit:
    """``beaten``: names of the heartbeats the batch beats; ``rest``: the batch without its
    Watchdog alerts, to ingest as usual, or None when nothing is left of it."""

    beaten: tuple[str, ...]
    rest: AlertBatch | None


def _is_watchdog(alert: NewAlert, batch: AlertBatch) -> bool:
    labels = alert.labels or batch.labels
    return labels.get("alertname") == WATCHDOG


def split_watchdog(config: Configuration, batch: AlertBatch) -> WatchdogSplit:
    """Take the Watchdog alerts out of an Alertmanager ``batch``.

    Edge cases: a batch of another source is left whole (a generic alert titled Watchdog is an
    alert); a group whose every alert is a Watchdog (or, with no alerts, whose labels name
    Watchdog) leaves nothing to ingest, firing or resolved; in a mixed group (a ``group_by``
    without ``alertname``) the other alerts are ingested as usual. Only a *firing* Watchdog
    alert is a beat: a resolved one (Alertmanager stopped, or the rule was removed) beats
    nothing and still opens nothing; the heartbeat's silence will say so.
    """
    if batch.source != "alertmanager":
        return WatchdogSplit((), batch)
    dogs = [a for a in batch.alerts if _is_watchdog(a, batch)]
    if not batch.alerts and batch.labels.get("alertname") == WATCHDOG:
        return WatchdogSplit((), None)
    if not dogs:
        return WatchdogSplit((), batch)
    firing = [a.labels or batch.labels for a in dogs if a.status == "firing"]
    beaten = tuple(
        h.name
        for h in config.heartbeats
        if h.watchdog is not None and any(labels_match(h.watchdog, f) for f in firing)
    )
    others = tuple(a for a in batch.alerts if not _is_watchdog(a, batch))
    if not others:
        return WatchdogSplit(beaten, None)
    status = "resolved" if all(a.status == "resolved" for a in others) else "firing"
    return WatchdogSplit(beaten, replace(batch, alerts=others, status=status))
