"""Deliveries waiting in the inbox: how a batch is kept, and how the inbox is worked off.

The alert endpoints store each delivery as it came and answer at once; the processor turns
deliveries into incidents in the order they were received. Processing a delivery and marking it
done happen in one transaction, so a crash processes it again rather than losing or doubling it.
The incident's times are the delivery's receive time, so escalations fall due as if it had been
processed at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.incidents.ports import AlertBatch, NewAlert


@dataclass(frozen=True)
class PendingDelivery:
    """A stored delivery; ``batch`` is its JSON form (read with :func:`batch_from_json`)."""

    id: int
    received_at: datetime
    batch: dict[str, Any]
    attempts: int


def batch_to_json(batch: AlertBatch) -> dict[str, Any]:
    """A JSON-able form of ``batch``."""
    return {
        "source": batch.source,
        "key": batch.key,
        "status": batch.status,
        "title": batch.title,
        "labels": dict(batch.labels),
        "annotations": dict(batch.annotations),
        "links": dict(batch.links),
        "alerts": [
            {
                "fingerprint": a.fingerprint,
                "status": a.status,
                "starts_at": a.starts_at.isoformat(),
                "ends_at": a.ends_at.isoformat() if a.ends_at else None,
                "labels": dict(a.labels),
                "annotations": dict(a.annotations),
                "generator_url": a.generator_url,
            }
            for a in batch.alerts
        ],
    }


def batch_from_json(data: dict[str, Any]) -> AlertBatch:
    """The batch that :func:`batch_to_json` wrote."""
    return AlertBatch(
        source=data["source"],
        key=data["key"],
        status=data["status"],
        title=data["title"],
        labels=dict(data["labels"]),
        annotations=dict(data["annotations"]),
        links=dict(data["links"]),
        alerts=tuple(
            NewAlert(
                fingerprint=a["fingerprint"],
                status=a["status"],
                starts_at=datetime.fromisoformat(a["starts_at"]),
                ends_at=datetime.fromisoformat(a["ends_at"]) if a["ends_at"] else None,
                labels=dict(a["labels"]),
                annotations=dict(a["annotations"]),
                generator_url=a["generator_url"],
            )
            for a in data["alerts"]
        ),
    )
