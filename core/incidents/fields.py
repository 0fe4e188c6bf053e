"""One incident's fields as users see them in every listing (CONTRACT.md's
``oncall incidents --json`` shape), for the CLI and the API to serialize alike."""

from __future__ import annotations

from datetime import datetime

from core.incidents.ports import IncidentRecord

Field = str | int | datetime | None


def incident_fields(record: IncidentRecord) -> dict[str, Field]:
    """``id``, ``title``, ``service``, ``severity``, ``status``, ``alerts``, ``assignee``,
    ``tier`` (counted from 1), ``opened_at``, ``acknowledged_at``, ``resolved_at``: times as
    stored (aware, UTC), None when absent; callers format them."""
    state = record.state
    return {
        "id": record.id,
        "title": record.title,
        "service": record.service_id,
        "severity": record.severity,
        "status": state.status,
        "alerts": record.alert_count,
        "assignee": state.assignee,
        "tier": state.tier + 1,
        "opened_at": record.opened_at,
        "acknowledged_at": state.acknowledged_at,
        "resolved_at": state.resolved_at,
    }
