"""The incident card as an Adaptive Card (Teams) and its notification text.

Input is the card snapshot of :func:`core.incidents.cards.current_card` plus ``url`` (the full
incident) and maybe ``teams_users`` (person id -> Teams user id, to mention paged people); any
key may be missing, ``None`` or of the wrong type, and rendering never raises. The content is
the Slack card's (:mod:`bot.handlers.slack.cards`), word for word where words are shown; the
actions are ``Action.Execute`` with the verbs of :class:`bot.commands.actions.Action`, each
carrying the incident id. Every text from the snapshot is escaped
(:func:`bot.handlers.teams.adaptive.escape`). A card over Teams' 28 KB is rebuilt with fewer
labels, timeline entries and shorter texts until it fits, ending with a link to the full
incident. Pure functions, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.commands.actions import SNOOZE_CHOICES, Action
from bot.handlers.snapshot import (
    TITLE_CHARS,
    as_dict,
    as_int,
    as_list,
    duration,
    incident_id,
    incident_links,
    summary_and_description,
    text_of,
)
from bot.handlers.snapshot import value_of as value
from bot.handlers.teams.adaptive import (
    ATTACHMENT_TYPE,
    MAX_CARD_BYTES,
    People,
    adaptive_card,
    attachment,
    date,
    escape,
    execute,
    fact_set,
    fits,
    lines,
    link,
    one_line,
    plain,
    safe_url,
    show_card,
    text_block,
)
from core.tickets.record import ticket_label

__all__ = [
    "ATTACHMENT_TYPE",
    "MAX_CARD_BYTES",
    "REFRESH_VERB",
    "attachment",
    "incident_card",
    "incident_text",
    "marker",
]

REFRESH_VERB = "incident.refresh"
"""The verb of the card's ``refresh`` action: Teams asks for the card anew for each viewer."""
LABELS_SHOWN = 20
"""Labels shown on a card; the rest are counted as "and N more"."""
LABEL_CHARS = 120

_MARKERS = {"critical": "🔴", "warning": "🟠", "info": "🔵"}


@dataclass(frozen=True)
class Room:
    """How much of each part a card shows: counts, the characters of a long text (the
    description) and of a short one (a name, a label, a timeline entry is 1.5 times that)."""

    labels: int = LABELS_SHOWN
    timeline: int = 5
    tiers: int = 20
    people: int = 10
    links: int = 10
    text: int = 3000
    chars: int = TITLE_CHARS
    mentions: bool = True
    cut: bool = False  # something is left out: end with a link to the full incident


ROOMS = (
    Room(),
    Room(labels=8, timeline=3, tiers=5, people=5, links=5, text=800, chars=80, cut=True),
    Room(0, 0, tiers=1, people=3, links=0, text=0, chars=40, mentions=False, cut=True),
)
"""The rooms tried in turn; the first card that fits is sent."""


def marker(severity: str) -> str:
    """The severity's emoji: red critical, orange warning, blue info, white anything else."""
    return _MARKERS.get(severity.lower(), "⚪")


def _status(snapshot: Any, people: People) -> str:
    status = text_of(snapshot, "status").lower()
    if status == "triggered":
        text = "🚨 **Triggered**"
    elif status in ("acknowledged", "resolved"):
        icon = "👀" if status == "acknowledged" else "✅"
        by = value(snapshot, f"{status}_by")
        at = date(value(snapshot, f"{status}_at"))
        text = f"{icon} **{status.capitalize()}**" + (f" by {people.who(by)}" if by else "")
        text += f" · {at}" if at else ""
    else:
        text = f"**{one_line(status or 'unknown', 40)}**"
    snoozed = date(value(snapshot, "snoozed_until")) if status != "resolved" else ""
    opened = date(value(snapshot, "opened_at"))
    snooze_line = f"💤 Snoozed until {snoozed}" if snoozed else ""
    held = date(value(snapshot, "maintenance_until")) if status == "triggered" else ""
    held_line = f"🚧 In maintenance until {held} (not paged until then)" if held else ""
    return lines(text, snooze_line, held_line, f"Opened {opened}" if opened else "")


def _facts(snapshot: Any, people: People, url: str | None, room: Room) -> list[tuple[str, str]]:
    severity = text_of(snapshot, "severity")
    ident = incident_id(snapshot)
    service = text_of(snapshot, "service_name") or text_of(snapshot, "service")
    path = as_list(value(snapshot, "escalation_path"))
    tier, alerts = as_int(value(snapshot, "tier")), as_int(value(snapshot, "alerts"))
    assignee = value(snapshot, "assignee")
    return [
        ("Severity", f"{marker(severity)} {one_line(severity.upper() or 'unknown', 40)}"),
        ("Service", one_line(service or "unknown", room.chars)),
        ("Team", one_line(text_of(snapshot, "team"), room.chars)),
        ("Paged", people.many(people.paged, room.people)),
        ("Assignee", people.who(assignee) if isinstance(assignee, str) and assignee else ""),
        ("Tier", f"{tier}" + (f" of {len(path)}" if path else "") if tier is not None else ""),
        ("Incident", link(url, f"#{ident}") if ident is not None else ""),
        ("Alerts", str(alerts) if alerts is not None else ""),
        ("Ticket", link(as_dict(value(snapshot, "ticket")).get("url"), _ticket(snapshot))),
    ]


def _ticket(snapshot: Any) -> str:
    return ticket_label(value(snapshot, "ticket"))


def _description(snapshot: Any, room: Room) -> str:
    summary, body = summary_and_description(snapshot)
    parts = [f"**{one_line(summary, max(room.chars, room.text // 10))}**"] if summary else []
    if body and room.text:
        cut = body if len(body) <= room.text else body[: room.text - 1].rstrip() + "…"
        parts.append(lines(*(escape(" ".join(x.split())) for x in cut.splitlines())))
    return lines(*parts)


def _labels(snapshot: Any, room: Room) -> str:
    labels = [(k, v) for k, v in as_dict(value(snapshot, "labels")).items() if k is not None]
    if not labels:
        return ""
    shown = [one_line(f"{k}={v}", min(LABEL_CHARS, room.chars)) for k, v in labels[: room.labels]]
    hidden = len(labels) - len(shown)
    more = f"and {hidden} more" if hidden else ""
    return "**Labels** " + " · ".join(x for x in (*shown, more) if x)


def _links(snapshot: Any, url: str | None, room: Room) -> str:
    seen: set[str] = set()
    shown: list[str] = []
    for name, target in incident_links(snapshot):
        safe = safe_url(target)
        if safe and safe not in seen and len(shown) < room.links:
            seen.add(safe)
            shown.append(link(safe, name, 60))
    if url and not room.cut:
        shown.append(link(url, "Full incident"))
    return " · ".join(shown)


def _escalation(snapshot: Any, people: People, room: Room) -> str:
    path = [step for step in as_list(value(snapshot, "escalation_path")) if isinstance(step, dict)]
    if not path:
        return ""
    current = as_int(value(snapshot, "tier"))
    live = text_of(snapshot, "status").lower() != "resolved"
    rows = ["**Escalation**"]
    numbered = [(as_int(step.get("tier")) or i, step) for i, step in enumerate(path, start=1)]
    if len(numbered) > room.tiers:  # keep the current tier in view
        first = max(0, next((i for i, (n, _) in enumerate(numbered) if n == current), 0))
        numbered = numbered[first : first + room.tiers]
    for number, step in numbered:
        targets = people.targets(as_list(step.get("targets")), room.people) or "nobody"
        line = f"Tier {number}: {targets}"
        if oncall := as_list(step.get("oncall")):
            line += f" · on call: {people.many(oncall, room.people)}"
        if (after := as_int(step.get("escalate_after"))) is not None:
            line += f" · escalates after {duration(after)}"
        if live and number == current:
            next_at = date(value(snapshot, "next_step_at"))
            line = f"▶️ **{line}** · _current_" + (f" · next step {next_at}" if next_at else "")
        else:
            line = f"• {line}"
        rows.append(line)
    if len(path) > len(numbered):
        rows.append(f"… and {len(path) - len(numbered)} more tiers")
    return lines(*rows)


def _timeline(snapshot: Any, people: People, room: Room) -> str:
    entries = [e for e in as_list(value(snapshot, "timeline")) if isinstance(e, dict)]
    if not entries or not room.timeline:
        return ""
    hidden = len(entries) - room.timeline
    rows = [f"_{hidden} earlier_"] if hidden > 0 else []
    for entry in entries[-room.timeline :]:
        # the text names its actor already ("acknowledged by Dana"); the kind is a fallback
        what = one_line(entry.get("text") or "", room.chars * 3 // 2)
        if not what and entry.get("kind"):
            actor = entry.get("actor")
            what = one_line(entry["kind"], 60) + (f" by {people.name(actor)}" if actor else "")
        rows.append(" · ".join(x for x in (date(entry.get("at")), what) if x))
    return lines(*rows)


def _actions(snapshot: Any, ident: int) -> list[dict[str, Any]]:
    data = {"incident": ident}
    actions = []
    if text_of(snapshot, "status").lower() == "triggered":
        actions.append(execute("Acknowledge", Action.ACKNOWLEDGE.value, data, style="positive"))
    actions.append(execute("Escalate", Action.ESCALATE.value, data))
    confirm = text_block(f"Resolve incident #{ident} for everyone? Its escalation stops.")
    resolve = execute("Resolve", Action.RESOLVE.value, dict(data), style="destructive")
    actions.append(show_card("Resolve…", [confirm], [resolve]))
    snoozes = [
        execute(label, Action.SNOOZE.value, {"incident": ident, "seconds": seconds})
        for label, seconds in SNOOZE_CHOICES
    ]
    return [*actions, show_card("Snooze…", [text_block("Snooze the incident for")], snoozes)]


def _card(snapshot: Any, url: str | None, room: Room, *, bare: bool = False) -> dict[str, Any]:
    people = People(snapshot, room.chars, mentions=room.mentions and not bare)
    severity = text_of(snapshot, "severity")
    title = one_line(text_of(snapshot, "title") or "Incident", 100 if bare else TITLE_CHARS)
    color = {"critical": "Attention", "warning": "Warning"}.get(severity.lower(), "Default")
    body: list[Any] = [
        text_block(f"{marker(severity)} {title}", size="Large", weight="Bolder", color=color),
        text_block(_status(snapshot, people) if not bare else ""),
    ]
    if not bare:
        body.append(fact_set(_facts(snapshot, people, url, room)))
        parts = (_description(snapshot, room), _labels(snapshot, room), _links(snapshot, url, room))
        body += [text_block(part) for part in (*parts, _escalation(snapshot, people, room))]
        body.append(text_block(_timeline(snapshot, people, room), isSubtle=True, size="Small"))
    if room.cut or bare:
        more = f"… {link(url, 'Full incident')}" if url else "… (cut to fit Teams)"
        body.append(text_block(more, separator=True))
    ident = incident_id(snapshot)
    entities = {"entities": list(people.entities.values())} if people.entities else {}
    teams: dict[str, Any] = {"width": "Full", **entities}
    extra: dict[str, Any] = {"fallbackText": incident_text(snapshot), "msteams": teams}
    if ident is None:
        return adaptive_card(body, None, **extra)
    refresh = execute("Refresh", REFRESH_VERB, {"incident": ident})
    extra["refresh"] = {"action": {k: v for k, v in refresh.items() if k != "title"}}
    live = text_of(snapshot, "status").lower() != "resolved"
    return adaptive_card(body, _actions(snapshot, ident) if live else None, **extra)


def incident_card(card: dict[str, Any]) -> dict[str, Any]:
    """The incident card as an Adaptive Card 1.5 (a dict), within :data:`MAX_CARD_BYTES`.

    Title with the severity marker; status (who acknowledged or resolved it and when, snoozed
    until, opened) with times in each reader's zone; facts (severity, service, team, paged,
    assignee, tier of N, a link to the incident, alerts); summary and description; the first
    20 labels and "and N more"; runbook, alert and dashboard links (http/https only) and the
    full incident; the escalation path with who is on call per tier, the current tier and the
    next step; the latest timeline entries. While not resolved and with an id: Acknowledge
    (only while triggered), Escalate, Resolve… (a confirmation) and Snooze… (30 m, 1 h, 4 h),
    all ``Action.Execute`` with ``data={"incident": id}`` (snooze adds ``"seconds"``), and a
    ``refresh`` action (:data:`REFRESH_VERB`). No id: no actions, no refresh. Paged people
    with a Teams id in ``teams_users`` are @mentioned. Too big: smaller rooms (fewer labels,
    tiers, timeline entries, shorter texts, no mentions) until it fits, ending "… Full
    incident"; at worst the title, actions and that link. A non-dict: a minimal card.
    """
    snapshot = card if isinstance(card, dict) else {}
    url = safe_url(value(snapshot, "url"))
    for room in ROOMS:
        built = _card(snapshot, url, room)
        if fits(built):
            return built
    return _card(snapshot, url, ROOMS[-1], bare=True)


def incident_text(card: dict[str, Any]) -> str:
    """The notification and fallback text, plain, on one line:
    ``[CRITICAL] Checkout API: High error rate (#12, triggered)``.

    Not escaped (it is plain text: send it as such). Service and title are cut at 200
    characters; missing parts are left out; an empty or malformed snapshot gives
    ``"Incident"``.
    """
    severity = plain(text_of(card, "severity").upper(), 40)
    service = plain(text_of(card, "service_name") or text_of(card, "service"), TITLE_CHARS)
    title = plain(text_of(card, "title"), TITLE_CHARS) or "Incident"
    ident = incident_id(card)
    meta = [f"#{ident}"] if ident is not None else []
    if status := plain(text_of(card, "status").lower(), 40):
        meta.append(status)
    text = (f"[{severity}] " if severity else "") + (f"{service}: " if service else "") + title
    return text + (f" ({', '.join(meta)})" if meta else "")
