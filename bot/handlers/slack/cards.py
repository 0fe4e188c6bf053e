"""The incident card in Block Kit and its notification text.

Input is an incident snapshot as stored in outbox payloads (see
:func:`core.incidents.effects.incident_snapshot`); any key may be missing, ``None`` or of the
wrong type, and rendering never raises. Every text from the snapshot is escaped; the only
links are the ones built here and the only mentions are of people paged for this incident.
Block Kit limits are enforced by truncation that ends with a link to the full incident.
Pure functions, no I/O. The storm digest is in :mod:`bot.handlers.slack.digest`.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import ConfirmObject, Option, PlainTextObject, StaticSelectElement

from bot.commands.actions import SNOOZE_CHOICES, Action, snooze_value
from bot.handlers.slack.blocks import (
    FIELD_TEXT,
    OPTION_TEXT,
    actions_blocks,
    button,
    context_block,
    fields_block,
    fit_blocks,
    header_block,
    section_block,
)
from bot.handlers.slack.mrkdwn import date, escape, link, safe_url, truncate
from bot.handlers.slack.snapshot import (
    TITLE_CHARS,
    SnapshotPeople,
    as_dict,
    as_int,
    as_list,
    incident_id,
    marker,
    one_line,
    text_of,
    value_of,
)
from core.tickets.record import ticket_label

__all__ = ["incident_blocks", "incident_id", "incident_text", "marker"]

LABELS_SHOWN = 20
"""Labels shown on a card; the rest are counted as "and N more"."""
LABEL_CHARS = 120
PAGED_SHOWN = 10
LINKS_SHOWN = 10
TIMELINE_SHOWN = 5
TIMELINE_CHARS = 300

_LINK_NAMES = {"alertmanager": "Alertmanager", "source": "Source", "grafana": "Grafana"}


def _duration(seconds: int) -> str:
    """``90`` -> ``"1 min 30 s"``, ``5400`` -> ``"1 h 30 min"``, ``0`` -> ``"at once"``."""
    if seconds <= 0:
        return "at once"
    parts = []
    for size, unit in ((86400, "d"), (3600, "h"), (60, "min"), (1, "s")):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count} {unit}")
    return " ".join(parts[:2])


def _status(snapshot: Any, people: SnapshotPeople) -> str:
    status = text_of(snapshot, "status").lower()
    if status == "triggered":
        text = ":rotating_light: Triggered"
    elif status in ("acknowledged", "resolved"):
        icon = ":eyes:" if status == "acknowledged" else ":white_check_mark:"
        by = value_of(snapshot, f"{status}_by")
        at = date(value_of(snapshot, f"{status}_at"))
        text = f"{icon} {status.capitalize()}" + (f" by {people.who(by)}" if by else "")
        text += f" · {at}" if at else ""
    else:
        text = escape(status or "unknown")
    snoozed = date(value_of(snapshot, "snoozed_until"))
    if snoozed and status != "resolved":
        text += f"\n:zzz: Snoozed until {snoozed}"
    if (held := date(value_of(snapshot, "maintenance_until"))) and status == "triggered":
        text += f"\n:construction: In maintenance until {held} (not paged until then)"
    return text


def _fields(snapshot: Any, people: SnapshotPeople, url: str | None) -> list[str]:
    severity = text_of(snapshot, "severity")
    ident = incident_id(snapshot)
    service = text_of(snapshot, "service_name") or text_of(snapshot, "service")
    path = as_list(value_of(snapshot, "escalation_path"))
    tier = as_int(value_of(snapshot, "tier"))
    alerts = as_int(value_of(snapshot, "alerts"))
    fields = [
        f"*Severity*\n{marker(severity)} {escape(severity.upper() or 'unknown')}",
        f"*Service*\n{escape(service or 'unknown')}",
        f"*Status*\n{_status(snapshot, people)}",
    ]
    if people.paged:
        fields.append(f"*Paged*\n{people.many(people.paged, PAGED_SHOWN)}")
    if tier is not None:
        fields.append(f"*Tier*\n{tier}" + (f" of {len(path)}" if path else ""))
    if ident is not None:
        fields.append(f"*Incident*\n{link(url, f'#{ident}')}")
    if alerts is not None:
        fields.append(f"*Alerts*\n{alerts}")
    if ticket := ticket_label(value_of(snapshot, "ticket")):
        ticket_url = as_dict(value_of(snapshot, "ticket")).get("url")
        fields.append(f"*Ticket*\n{link(ticket_url, ticket)}")
    if team := text_of(snapshot, "team"):
        fields.append(f"*Team*\n{escape(team)}")
    if opened := date(value_of(snapshot, "opened_at")):
        fields.append(f"*Opened*\n{opened}")
    return [truncate(f, FIELD_TEXT, url) for f in fields]


def _description(snapshot: Any) -> str:
    annotations = as_dict(value_of(snapshot, "annotations"))
    summary = str(annotations.get("summary") or "").strip()
    body = text_of(snapshot, "description") or str(annotations.get("description") or "").strip()
    parts = [f"*{escape(summary)}*"] if summary else []
    if body and body != summary:
        parts.append(escape(body))
    return "\n".join(parts)


def _labels(snapshot: Any) -> str:
    labels = [(k, v) for k, v in as_dict(value_of(snapshot, "labels")).items() if k is not None]
    if not labels:
        return ""
    shown = [
        "`" + truncate(escape(f"{k}={v}".replace("`", "'")), LABEL_CHARS) + "`"
        for k, v in labels[:LABELS_SHOWN]
    ]
    more = f" and {len(labels) - LABELS_SHOWN} more" if len(labels) > LABELS_SHOWN else ""
    return "*Labels* " + " ".join(shown) + more


def _title(name: str) -> str:
    name = " ".join(name.replace("_", " ").split())
    return name[:1].upper() + name[1:]


def _links(snapshot: Any, url: str | None) -> str:
    annotations = as_dict(value_of(snapshot, "annotations"))
    found: list[tuple[str, Any]] = [
        ("Runbook", value_of(snapshot, "runbook") or annotations.get("runbook_url"))
    ]
    found += [
        (_LINK_NAMES.get(str(name).lower(), _title(str(name))), target)
        for name, target in as_dict(value_of(snapshot, "links")).items()
    ]
    found.append(("Dashboard", value_of(snapshot, "dashboard") or annotations.get("dashboard")))
    seen: set[str] = set()
    shown: list[str] = []
    for name, target in found:
        safe = safe_url(target)
        if safe and safe not in seen and len(shown) < LINKS_SHOWN:
            seen.add(safe)
            shown.append(link(safe, name))
    if url:
        shown.append(link(url, "Full incident"))
    return " · ".join(shown)


def _target(target: Any, people: SnapshotPeople) -> str:
    """``person:dana`` -> her name (never a mention); ``schedule:x`` -> ``schedule x``."""
    kind, _, ref = str(target).partition(":")
    if kind == "person" and ref:
        return people.name(ref)
    if kind == "schedule" and ref:
        return escape(f"schedule {ref}")
    return escape(target)


def _escalation(snapshot: Any, people: SnapshotPeople) -> str:
    path = [
        step for step in as_list(value_of(snapshot, "escalation_path")) if isinstance(step, dict)
    ]
    if not path:
        return ""
    current = as_int(value_of(snapshot, "tier"))
    live = text_of(snapshot, "status").lower() != "resolved"
    lines = ["*Escalation*"]
    for index, step in enumerate(path, start=1):
        number = as_int(step.get("tier")) or index
        targets = ", ".join(_target(t, people) for t in as_list(step.get("targets"))) or "nobody"
        line = f"Tier {number}: {targets}"
        oncall = as_list(step.get("oncall"))
        if oncall:
            line += f" · on call: {people.many(oncall, PAGED_SHOWN)}"
        after = as_int(step.get("escalate_after"))
        if after is not None:
            line += f" · escalates after {_duration(after)}"
        if live and number == current:
            next_at = date(value_of(snapshot, "next_step_at"))
            line = f":arrow_forward: *{line}* · _current_" + (
                f" · next step {next_at}" if next_at else ""
            )
        else:
            line = f"• {line}"
        lines.append(line)
    return "\n".join(lines)


def _timeline(snapshot: Any, people: SnapshotPeople) -> str:
    entries = [e for e in as_list(value_of(snapshot, "timeline")) if isinstance(e, dict)]
    if not entries:
        return ""
    lines = [f"_{len(entries) - TIMELINE_SHOWN} earlier_"] if len(entries) > TIMELINE_SHOWN else []
    for entry in entries[-TIMELINE_SHOWN:]:
        # the text names its actor already ("acknowledged by Dana"); the kind is a fallback
        what = escape(entry.get("text") or "")
        if not what and entry.get("kind"):
            actor = entry.get("actor")
            what = escape(entry["kind"]) + (f" by {people.name(actor)}" if actor else "")
        line = " · ".join(x for x in (date(entry.get("at")), what) if x)
        lines.append(truncate(line, TIMELINE_CHARS))
    return "\n".join(lines)


def _action_elements(snapshot: Any, ident: int) -> list[Any]:
    value = str(ident)
    elements: list[Any] = []
    if text_of(snapshot, "status").lower() == "triggered":
        elements.append(button(Action.ACKNOWLEDGE, "Acknowledge", value, style="primary"))
    elements.append(button(Action.ESCALATE, "Escalate", value))
    confirm = ConfirmObject(
        title="Resolve the incident?",
        text=f"Resolve incident #{ident} for everyone? Its escalation stops.",
        confirm="Resolve",
        deny="Cancel",
        style="danger",
    )
    elements.append(button(Action.RESOLVE, "Resolve", value, style="danger", confirm=confirm))
    options = [
        Option(
            value=snooze_value(ident, seconds),
            text=PlainTextObject(text=truncate(escape(label), OPTION_TEXT)),
        )
        for label, seconds in SNOOZE_CHOICES
    ]
    if options:
        elements.append(
            StaticSelectElement(placeholder="Snooze", action_id=str(Action.SNOOZE), options=options)
        )
    return [e for e in elements if e is not None]


def incident_blocks(snapshot: dict[str, Any], *, actions: bool = True) -> list[dict[str, Any]]:
    """The full incident card as Block Kit dicts (at most 50 blocks, every limit held).

    Header (severity marker, title); fields (severity, service, status with who acknowledged
    or resolved and when, snoozed until, who is paged, tier, a link to the incident, alerts,
    team, opened); summary and description; labels; links; the escalation path with the
    current tier and the next step; the latest timeline entries; and while not resolved
    (and ``actions``) the buttons Acknowledge (only while triggered), Escalate, Resolve (with
    a confirm dialog) and the Snooze menu, each carrying the incident id. A card without an
    id shows no buttons (they would act on nothing). A malformed snapshot gives a minimal card.
    """
    people = SnapshotPeople(snapshot)
    url = safe_url(value_of(snapshot, "url"))
    severity = text_of(snapshot, "severity")
    title = text_of(snapshot, "title") or "Incident"
    blocks: list[Any] = [header_block(f"{marker(severity)} {escape(title)}")]
    blocks.append(fields_block(_fields(snapshot, people, url), url))
    for text in (_description(snapshot), _labels(snapshot), _links(snapshot, url)):
        blocks.append(section_block(text, url))
    blocks.append(section_block(_escalation(snapshot, people), url))
    blocks.append(context_block(_timeline(snapshot, people), url))
    ident = incident_id(snapshot)
    if actions and ident is not None and text_of(snapshot, "status").lower() != "resolved":
        blocks.extend(actions_blocks(_action_elements(snapshot, ident)))
    return fit_blocks(blocks, url)


def incident_text(snapshot: dict[str, Any]) -> str:
    """The notification text: ``[CRITICAL] Checkout API: High error rate (#12, triggered)``.

    Escaped like every text (it is parsed as mrkdwn), on one line, and short: service and
    title are cut at 200 characters. Missing parts are left out; an empty snapshot gives
    ``"Incident"``.
    """

    severity = one_line(text_of(snapshot, "severity").upper(), 40)
    service = one_line(
        text_of(snapshot, "service_name") or text_of(snapshot, "service"), TITLE_CHARS
    )
    title = one_line(text_of(snapshot, "title"), TITLE_CHARS) or "Incident"
    ident = incident_id(snapshot)
    meta = [f"#{ident}"] if ident is not None else []
    if status := text_of(snapshot, "status").lower():
        meta.append(one_line(status, 40))
    text = (f"[{severity}] " if severity else "") + (f"{service}: " if service else "") + title
    return truncate(text + (f" ({', '.join(meta)})" if meta else ""), 3000)
