"""Adaptive Card pieces for Teams: escaping, the only links, dates and mentions we make, and
the size of a card. Plain dicts (Adaptive Card JSON, schema 1.5); no botbuilder.

Every text a person or an alert wrote goes through :func:`escape` before it is put in a
TextBlock or a Fact (Teams renders a Markdown subset in both): ``**bold**``, ``_x_``,
``[text](url)``, ``<at>Dana</at>`` or ``{{DATE(…)}}`` inside a label, a title or a name is
shown as written, never formatted, linked, mentioned or localised. The only links are built by
:func:`link` from URLs that pass :func:`safe_url`; the only mentions by :func:`mention`; the
only dates by :func:`date`. Texts are cut *before* they are escaped (:func:`plain`), so a cut
never splits an escape, a link or a date. Pure functions, no I/O.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC
from typing import Any
from urllib.parse import urlsplit

from bot.handlers.snapshot import parse_time

SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"
ATTACHMENT_TYPE = "application/vnd.microsoft.card.adaptive"
MAX_CARD_BYTES = 28_000
"""Teams refuses a message over about 28 KB; see :func:`card_bytes` for how it is measured."""
URL_CHARS = 2048
"""A longer URL is not linked at all (it would crowd out the card)."""
ELLIPSIS = "…"

_MARKDOWN = re.compile(r"([\\`*_~\[\]<>])")
_LINE_START = re.compile(r"^(\s*)(?:([-+#])|(\d+)\.)", re.MULTILINE)
_URL_UNSAFE = re.compile(r"[\s\x00-\x1f\x7f()<>\[\]{}\\\"'`|*^]")
_TEAMS_ID = re.compile(
    r"(?:29:[A-Za-z0-9_.:\-]{1,300}|8:orgid:[0-9a-fA-F\-]{36}"
    r"|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})"
)
_MENTION_UNSAFE = re.compile(r"[\\`*_~\[\]<>{}()]")


def plain(text: object, limit: int) -> str:
    """``text`` as one line of plain text (whitespace runs become one space), cut to
    ``limit`` characters ending with ``…``; ``None`` -> ``""``; a limit below 1 -> ``""``."""
    if text is None or limit < 1:
        return ""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + ELLIPSIS


def escape(text: object) -> str:
    """``text`` shown literally in a TextBlock or Fact; ``None`` -> ``""``.

    A backslash goes before ``\\ ` * _ ~ [ ] < >`` (so no emphasis, link, autolink or
    ``<at>`` tag), before a ``-``, ``+`` or ``#`` that starts a line and before the dot of a
    ``1.`` there (no list); ``{{`` and ``}}`` are broken by a zero-width space (no
    ``{{DATE()}}`` function). Newlines are kept; :func:`lines` makes them show.
    """
    if text is None:
        return ""
    return _LINE_START.sub(_unlist, _inline(str(text)))


def _inline(text: str) -> str:
    """The escapes of :func:`escape` that matter inside a line (a link's label)."""
    escaped = _MARKDOWN.sub(r"\\\1", text)
    return escaped.replace("{{", "{\u200b{").replace("}}", "}\u200b}")


def _unlist(found: re.Match[str]) -> str:
    """``- x`` -> ``\\- x``, ``1. x`` -> ``1\\. x``: no list at a line's start."""
    space, sign, number = found.groups()
    return f"{space}\\{sign}" if sign else f"{space}{number}\\."


def one_line(text: object, limit: int) -> str:
    """:func:`plain` then :func:`escape`: a cut, escaped single line."""
    return escape(plain(text, limit))


def lines(*parts: str) -> str:
    """Markdown lines joined so that each shows on its own line (TextBlock wants a blank
    line between them); empty parts are left out."""
    return "\n\n".join(p for p in parts if p)


def safe_url(url: object) -> str | None:
    """An ``http(s)`` URL with a host, made safe for ``[text](url)``; otherwise ``None``.

    Whitespace, control characters, brackets, parentheses, quotes and the like are
    percent-encoded, so a URL can neither end the link early nor start a second one.
    ``javascript:``, ``mailto:``, relative paths, unparsable URLs and URLs over
    :data:`URL_CHARS` characters give ``None``.
    """
    if not isinstance(url, str):
        return None
    url = url.strip()
    if len(url) > URL_CHARS:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    safe = _URL_UNSAFE.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode()), url)
    return safe if len(safe) <= URL_CHARS * 3 else None


def link(url: object, text: object, limit: int = 200) -> str:
    """``[text](url)`` for an ``http(s)`` URL, the text cut and escaped; otherwise just the
    escaped text. Empty text shows ``link``."""
    label = _inline(plain(text, limit))  # never at a line's start: inside [ ]
    safe = safe_url(url)
    if safe is None:
        return label
    return f"[{label or 'link'}]({safe})"


def date(value: object) -> str:
    """A time each reader sees in their own zone: ``{{DATE(…, SHORT)}} {{TIME(…)}}``.

    The instant is written in UTC as Teams wants it (RFC 3339, no fraction). A value that is
    not an ISO time is shown escaped as it is (cut to 100 characters); ``None`` gives ``""``.
    """
    moment = parse_time(value)
    if moment is None:
        return one_line(value, 100)
    try:
        stamp = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, ValueError):
        return one_line(value, 100)
    return f"{{{{DATE({stamp}, SHORT)}}}} {{{{TIME({stamp})}}}}"


def mention(teams_id: object, name: object, limit: int = 80) -> tuple[str, dict[str, Any]] | None:
    """``("<at>Dana</at>", entity)`` for a well-formed Teams user id (``29:…``,
    ``8:orgid:…`` or an AAD object id), else ``None``.

    The label is the name cut to ``limit`` with Markdown and tag characters removed (Teams
    matches the entity's text exactly); a name that leaves nothing gives ``None``. The entity
    goes in the card's ``msteams.entities``.
    """
    if not isinstance(teams_id, str) or not _TEAMS_ID.fullmatch(teams_id):
        return None
    label = " ".join(_MENTION_UNSAFE.sub("", plain(name, limit)).split())
    if not label:
        return None
    text = f"<at>{label}</at>"
    return text, {"type": "mention", "text": text, "mentioned": {"id": teams_id, "name": label}}


def text_block(text: str, **options: Any) -> dict[str, Any] | None:
    """A wrapping TextBlock of Markdown built here (already escaped); ``None`` when empty."""
    if not text.strip():
        return None
    return {"type": "TextBlock", "text": text, "wrap": True, **options}


def fact_set(facts: list[tuple[str, str]]) -> dict[str, Any] | None:
    """A FactSet of (title, value) Markdown pairs (already escaped); empty values are left
    out, ``None`` when nothing is left."""
    shown = [{"title": t, "value": v} for t, v in facts if v.strip()]
    return {"type": "FactSet", "facts": shown} if shown else None


def execute(
    title: str, verb: str, data: dict[str, Any], *, style: str | None = None
) -> dict[str, Any]:
    """An ``Action.Execute`` (Universal Actions). ``title`` is plain text (cut to 50);
    ``style`` ``positive`` or ``destructive``, anything else dropped."""
    action: dict[str, Any] = {
        "type": "Action.Execute",
        "title": plain(title, 50) or verb,
        "verb": verb,
        "data": data,
    }
    if style in ("positive", "destructive"):
        action["style"] = style
    return action


def show_card(title: str, body: list[Any], actions: list[dict[str, Any]]) -> dict[str, Any]:
    """An ``Action.ShowCard``: a button that opens a small card (body and actions) below."""
    card: dict[str, Any] = {"type": "AdaptiveCard", "body": [b for b in body if b]}
    card["actions"] = actions
    return {"type": "Action.ShowCard", "title": plain(title, 50), "card": card}


def adaptive_card(
    body: list[Any], actions: list[dict[str, Any]] | None = None, **extra: Any
) -> dict[str, Any]:
    """An Adaptive Card 1.5 of ``body`` (``None`` items left out) and ``actions``."""
    card: dict[str, Any] = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": VERSION}
    card["body"] = [b for b in body if b]
    if actions:
        card["actions"] = actions
    card.update(extra)
    return card


def attachment(card_json: dict[str, Any]) -> dict[str, Any]:
    """The message attachment that carries ``card_json``."""
    return {"contentType": ATTACHMENT_TYPE, "content": card_json}


def card_bytes(card_json: dict[str, Any]) -> int:
    """The size Teams' limit is held against: the UTF-8 length of the attachment's JSON as
    :func:`json.dumps` writes it by default (non-ASCII as ``\\u`` escapes, never shorter
    than raw UTF-8), so a card within :data:`MAX_CARD_BYTES` fits however it is sent."""
    return len(json.dumps(attachment(card_json)).encode("utf-8"))


def fits(card_json: dict[str, Any]) -> bool:
    """True when the card is within :data:`MAX_CARD_BYTES`."""
    return card_bytes(card_json) <= MAX_CARD_BYTES


def all_actions(element: Any) -> Iterator[dict[str, Any]]:
    """Every action in a card (inside ShowCards too), in order: for tests and handlers."""
    if isinstance(element, dict):
        if str(element.get("type", "")).startswith("Action."):
            yield element
        for key in ("actions", "body", "card", "items", "columns"):
            yield from all_actions(element.get(key))
    elif isinstance(element, list):
        for item in element:
            yield from all_actions(item)


class People:
    """Names and mentions of the people an incident snapshot names.

    Names come from ``snapshot["people"]`` (the id when no name is known), escaped and cut to
    ``name_chars``. Only paged people (``snapshot["paged"]``) with a well-formed Teams id in
    ``snapshot["teams_users"]`` are @mentioned; the entities the text needs collect in
    :attr:`entities` (one per person; a second person whose label is taken is named, not
    mentioned, as Teams matches mentions by their text). ``mentions=False`` mentions nobody.
    """

    def __init__(self, snapshot: Any, name_chars: int, *, mentions: bool = True) -> None:
        found = snapshot if isinstance(snapshot, dict) else {}
        names, teams = found.get("people"), found.get("teams_users") if mentions else None
        self.names: dict[Any, Any] = names if isinstance(names, dict) else {}
        self.teams: dict[Any, Any] = teams if isinstance(teams, dict) else {}
        paged = found.get("paged")
        paged = paged if isinstance(paged, (list, tuple)) else []
        self.paged = [p for p in paged if isinstance(p, str)]
        self.name_chars = name_chars
        self.entities: dict[str, dict[str, Any]] = {}  # person id -> mention entity

    def name(self, person: Any) -> str:
        """The escaped display name (the id when no name is known); never a mention."""
        shown = self.names.get(person) if isinstance(person, str) else None
        return one_line(str(shown or person or "someone"), self.name_chars)

    def who(self, person: Any) -> str:
        """A mention for a paged person with a Teams id, otherwise the escaped name."""
        if not isinstance(person, str) or person not in self.paged:
            return self.name(person)
        if person in self.entities:
            return str(self.entities[person]["text"])
        made = mention(self.teams.get(person), self.names.get(person) or person, self.name_chars)
        if made is None or any(e["text"] == made[0] for e in self.entities.values()):
            return self.name(person)
        self.entities[person] = made[1]
        return made[0]

    def many(self, people: list[Any], shown: int) -> str:
        """The first ``shown`` people (mentioned when paged), then ``and N more``."""
        text = ", ".join(self.who(p) for p in people[: max(shown, 0)])
        hidden = len(people) - max(shown, 0)
        return text + (f" and {hidden} more" if hidden > 0 and text else "")

    def targets(self, targets: list[Any], shown: int) -> str:
        """Escalation targets: ``person:dana`` -> her name (never a mention), ``schedule:x``
        -> ``schedule x``, anything else escaped; the first ``shown``, then ``and N more``."""
        names = []
        for target in targets[: max(shown, 0)]:
            kind, _, ref = str(target).partition(":")
            if kind == "person" and ref:
                names.append(self.name(ref))
            elif kind == "schedule" and ref:
                names.append(one_line(f"schedule {ref}", self.name_chars))
            else:
                names.append(one_line(target, self.name_chars))
        hidden = len(targets) - len(names)
        return ", ".join(names) + (f" and {hidden} more" if hidden > 0 and names else "")
