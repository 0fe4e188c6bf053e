"""Reading an incident snapshot or an outbox payload, for every chat surface: the readers,
times in a zone, coverage-gap groups and Cover… values, a hand-over brief as payload fields.

The snapshot is the one stored in outbox payloads (see
:func:`core.incidents.effects.incident_snapshot` and :func:`core.incidents.cards.current_card`);
any key may be missing, ``None`` or of the wrong type. These readers never raise: a missing or
malformed value reads as empty (``""``, ``{}``, ``[]``) or ``None``. They do no escaping: each
platform escapes for its own markup (Slack: :mod:`bot.handlers.slack.snapshot`, Teams:
:mod:`bot.handlers.teams.adaptive`). Pure functions, no I/O.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.oncall.handover_brief import BriefIncident, HandoverBrief
from core.oncall.targets import PersonRef

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


def known_zone(name: object) -> str | None:
    """``name`` when it is an IANA zone this machine knows, else ``None`` (never raises: not a
    string, over 64 characters, a path, a NUL or unknown)."""
    if not isinstance(name, str) or not name or len(name) > 64 or "\x00" in name:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None
    return name


def local_time(moment: datetime, zone: object) -> str:
    """``Tue 3 Mar 10:00 CET`` in ``zone`` (UTC when the zone is unknown or not a name; a
    moment that cannot be moved there, at the ends of the calendar, in its own offset)."""
    name = known_zone(zone) or "UTC"
    tz, zone = ZoneInfo(name), name
    try:
        local = moment.astimezone(tz)
    except (OverflowError, ValueError):  # out of range there (year 1 or 9999): as written
        local = moment
    return f"{local:%a} {local.day} {local:%b %H:%M} {local.tzname() or zone}"


def gap_groups(gaps: list[Any]) -> list[tuple[dict[str, Any], list[str]]]:
    """Coverage-gap entries (``coverage_gap`` payload ``gaps``) grouped: one schedule's gap
    over one window (and, for a changed gap, one former window) is one entry naming every
    service paged through it; in order of first appearance; non-dicts left out."""
    groups: dict[str, tuple[dict[str, Any], list[str]]] = {}
    for gap in (g for g in gaps if isinstance(g, dict)):
        keys = ["change", "schedule", "from", "to"]
        keys += ["was_from", "was_to"] if gap.get("change") == "changed" else []
        key = json.dumps([gap.get(k) for k in keys], default=str)
        _, services = groups.setdefault(key, (gap, []))
        services.append(str(gap.get("service_name") or gap.get("service")))
    return list(groups.values())


def cover_value(gap: dict[str, Any], now: datetime | None, horizon: datetime | None) -> str:
    """A coverage gap's Cover… button value: ``{"schedule", "from", "to"}`` as JSON, from no
    earlier than ``now`` (when given), to ``horizon`` for a gap with no end; ``""`` when there
    is nothing to cover (no schedule, no start, no end, or it ends before it starts)."""
    start, end = parse_time(gap.get("from")), parse_time(gap.get("to")) or horizon
    if not gap.get("schedule") or start is None or end is None:
        return ""
    if now is not None:
        start = max(start, now.replace(second=0, microsecond=0))
    if start >= end:
        return ""
    window = {"schedule": str(gap["schedule"]), "from": start.isoformat(), "to": end.isoformat()}
    return json.dumps(window, separators=(",", ":"))


def person_id(value: Any) -> str | None:
    """A person's id from a payload: the id itself or a contact ``{"id": …}``."""
    found = value.get("id") if isinstance(value, dict) else value
    return str(found) if found else None


def gap_window(start: Any, end: Any, horizon: datetime | None, zone: object) -> str:
    """A gap's window in ``zone``: ``Tue 3 Mar 10:00 CET → Wed 4 Mar 08:00 CET``, ``?`` for an
    unknown start, ``→ beyond <horizon>`` (or ``the horizon``) for no end."""
    begin, finish = parse_time(start), parse_time(end)
    text = local_time(begin, zone) if begin else "?"
    if finish is not None:
        return f"{text} → {local_time(finish, zone)}"
    return f"{text} → beyond " + (local_time(horizon, zone) if horizon else "the horizon")


def brief_fields(brief: HandoverBrief, base_url: str) -> dict[str, Any]:
    """What a hand-over card shows beyond its payload, as payload fields (JSON-ready):
    ``team_name``, ``outgoing_since``, ``incoming_until``, ``incoming_timezone``,
    ``during_shift`` and ``still_open`` (incidents with their ``url``) and ``on_call_now``."""
    base = base_url.rstrip("/")

    def incident(found: BriefIncident) -> dict[str, Any]:
        url = f"{base}/incidents/{found.id}"
        return {"id": found.id, "title": found.title, "severity": found.severity,
                "status": found.status, "url": url}  # fmt: skip

    def ref(person: PersonRef | None) -> dict[str, str] | None:
        return {"id": person.id, "name": person.display_name} if person else None

    def iso(moment: datetime | None) -> str | None:
        return moment.isoformat() if moment is not None else None

    return {
        "team_name": brief.team_name,
        "outgoing_since": iso(brief.outgoing_since),
        "incoming_until": iso(brief.incoming_until),
        "incoming_timezone": brief.incoming_timezone,
        "during_shift": [incident(i) for i in brief.during_shift],
        "still_open": [incident(i) for i in brief.still_open],
        "on_call_now": [
            {"person": ref(row.person), "schedule_name": row.schedule_name}
            for row in brief.on_call_now
        ],
    }
