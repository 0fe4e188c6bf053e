"""Reading an incident snapshot or an outbox payload, for every chat surface.

The snapshot is the one stored in outbox payloads (see
:func:`core.incidents.effects.incident_snapshot` and :func:`core.incidents.cards.current_card`);
any key may be missing, ``None`` or of the wrong type. These readers never raise: a missing or
malformed value reads as empty (``""``, ``{}``, ``[]``) or ``None``. They do no escaping: each
platform escapes for its own markup (Slack: :mod:`bot.handlers.slack.snapshot`, Teams:
:mod:`bot.handlers.teams.adaptive`). Pure functions, no I/O.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

TITLE_CHARS = 200
"""Titles, services and names are cut to this many characters."""


def value_of(snapshot: Any, key: str) -> Any:
    """The raw value at ``key``; ``None`` when missing or the snapshot is not a dict."""
    return snapshot.get(key) if isinstance(snapshot, dict) else None


def text_of(snapshot: Any, key: str) -> str:
    """The value at ``key`` as stripped text; ``""`` when missing, ``None``, a dict or a list."""
    value = value_of(snapshot, key)
    if value is None or isinstance(value, (dict, list)):
        return ""
    return str(value).strip()


def as_dict(value: Any) -> dict[Any, Any]:
    """``value`` when it is a dict, else ``{}``."""
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    """``value`` as a list when it is a list or tuple, else ``[]``."""
    return list(value) if isinstance(value, (list, tuple)) else []


def as_int(value: Any) -> int | None:
    """An int, or a string of ASCII digits as one; ``None`` for booleans and anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isascii() and value.strip().isdigit():
        return int(value)
    return None


def incident_id(snapshot: Any) -> int | None:
    """The incident id, or ``None`` when missing or not a non-negative integer."""
    value = as_int(value_of(snapshot, "id"))
    return value if value is not None and value >= 0 else None


def parse_time(value: object) -> datetime | None:
    """An ISO 8601 string (or datetime) as an aware datetime; naive means UTC; else ``None``."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and value.strip():
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


_LINK_NAMES = {"alertmanager": "Alertmanager", "source": "Source", "grafana": "Grafana"}


def duration(seconds: int) -> str:
    """``90`` -> ``"1 min 30 s"``, ``5400`` -> ``"1 h 30 min"``, ``0`` or less -> ``"at once"``
    (the two largest units only)."""
    if seconds <= 0:
        return "at once"
    parts = []
    for size, unit in ((86400, "d"), (3600, "h"), (60, "min"), (1, "s")):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count} {unit}")
    return " ".join(parts[:2])


def _link_name(name: object) -> str:
    """``alertmanager`` -> ``Alertmanager``; ``error_budget`` -> ``Error budget``."""
    text = str(name)
    if text.lower() in _LINK_NAMES:
        return _LINK_NAMES[text.lower()]
    text = " ".join(text.replace("_", " ").split())
    return text[:1].upper() + text[1:]


def incident_links(snapshot: Any) -> list[tuple[str, Any]]:
    """The card's links as (name, raw target), in order: the runbook, the incident's own
    links, the dashboard. Targets are unchecked (the caller keeps only safe URLs); missing
    ones are ``None``."""
    annotations = as_dict(value_of(snapshot, "annotations"))
    found: list[tuple[str, Any]] = [
        ("Runbook", value_of(snapshot, "runbook") or annotations.get("runbook_url"))
    ]
    found += [(_link_name(n), t) for n, t in as_dict(value_of(snapshot, "links")).items()]
    found.append(("Dashboard", value_of(snapshot, "dashboard") or annotations.get("dashboard")))
    return found


def summary_and_description(snapshot: Any) -> tuple[str, str]:
    """The alert's summary and the description (``""`` when it only repeats the summary)."""
    annotations = as_dict(value_of(snapshot, "annotations"))
    summary = str(annotations.get("summary") or "").strip()
    body = text_of(snapshot, "description") or str(annotations.get("description") or "").strip()
    return summary, body if body != summary else ""
