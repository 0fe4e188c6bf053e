"""A small configuration for the on-call view and use-case tests."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from core.config.model import Configuration
from core.config.validate import validate_document
from core.ports import Revision


def at(text: str) -> datetime:
    """An instant in UTC from ``"2026-03-02 09:00"``."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


DOC: dict[str, Any] = {
    "version": 1,
    "timezone": "UTC",
    "people": [{"id": p} for p in ("ann", "bob", "cat", "dan")],
    "teams": [{"id": "ops"}, {"id": "web"}],
    "schedules": [
        {
            "id": "primary",
            "team": "ops",
            "layers": [
                {
                    "id": "daily",
                    "members": ["ann", "bob"],
                    "rotation": "daily",
                    "start": "2026-03-02 09:00",
                }
            ],
        },
        {
            "id": "office",
            "team": "web",
            "layers": [
                {
                    "id": "hours",
                    "members": ["cat"],
                    "rotation": "weekly",
                    "start": "2026-03-02 00:00",
                    "active": [
                        {
                            "days": ["mon", "tue", "wed", "thu", "fri"],
                            "from": "09:00",
                            "to": "17:00",
                        }
                    ],
                }
            ],
        },
    ],
    "services": [
        {"id": "api", "team": "ops", "escalation_policy": "ops"},
        {"id": "site", "team": "web", "escalation_policy": "web"},
        {"id": "batch", "team": "ops", "escalation_policy": "direct"},
        {"id": "orphan", "team": "ops"},
    ],
    "escalation_policies": [
        {"id": "ops", "tiers": [{"targets": ["schedule:primary"], "escalate_after": "5m"}]},
        {"id": "web", "tiers": [{"targets": ["schedule:office"], "escalate_after": "5m"}]},
        {"id": "direct", "tiers": [{"targets": ["person:dan"], "escalate_after": "5m"}]},
    ],
}


def config(**changes: Any) -> Configuration:
    """DOC, with top-level sections replaced by ``changes``."""
    data = copy.deepcopy(DOC)
    data.update(changes)
    result = validate_document(data)
    assert result.config is not None, result.issues
    return result.config


def revision(cfg: Configuration, applied: str, rid: int = 1) -> Revision:
    return Revision(id=rid, applied_at=at(applied), config=cfg)
