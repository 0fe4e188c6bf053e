"""Slack mrkdwn text: escaping, the only links and mentions we make, dates, and truncation.

Everything a person or an alert wrote goes through :func:`escape`, so ``<!channel>``,
``<@U123>`` or ``<http://evil|click>`` inside a label, a title or a description is shown as
text and never pings nor links. The only ``<…>`` sequences in our output are the ones built
here: :func:`link`, :func:`mention` and :func:`date`. Pure functions, no I/O.
"""

from __future__ import annotations

import re
from datetime import UTC
from urllib.parse import urlsplit

from bot.handlers.snapshot import parse_time  # moved there; re-exported here

ELLIPSIS = "…"

_ENTITY = re.compile(r"&(?:amp|lt|gt);")
_URL_UNSAFE = re.compile(r"[|<>\s\x00-\x1f\x7f]")
_SLACK_USER_ID = re.compile(r"[UW][A-Z0-9]{2,20}")
_ENTITY_MAX = len("&amp;")


def escape(text: object) -> str:
    """``&`` -> ``&amp;``, ``<`` -> ``&lt;``, ``>`` -> ``&gt;``; ``None`` -> ``""``.

    Anything that is not a string is shown as its ``str()``. Only these three characters are
    Slack's control characters; everything else (``*bold*``, ``:emoji:``) stays as written.
    """
    if text is None:
        return ""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def safe_url(url: object) -> str | None:
    """An ``http(s)`` URL with a host, made safe for ``<url|text>``; otherwise ``None``.

    ``|``, ``<``, ``>``, whitespace and control characters are percent-encoded, so a URL can
    neither end the link early nor smuggle in a second one. ``javascript:``, ``mailto:``,
    relative paths and anything unparsable give ``None``.
    """
    if not isinstance(url, str):
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return _URL_UNSAFE.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode()), url)


def link(url: object, text: object) -> str:
    """``<url|text>`` for an ``http(s)`` URL, the text escaped; otherwise just the escaped text.

    Newlines in the text become spaces (a link is one line). Empty text shows the URL itself.
    """
    label = escape(" ".join(str(text if text is not None else "").split()))
    safe = safe_url(url)
    if safe is None:
        return label
    return f"<{safe}|{label or escape(safe)}>"


def mention(slack_user_id: object, fallback: object) -> str:
    """``<@U123>`` when given a well-formed Slack user id, otherwise the escaped ``fallback``.

    A malformed id (``"U1> <!channel"``) is never pasted into the text.
    """
    if isinstance(slack_user_id, str) and _SLACK_USER_ID.fullmatch(slack_user_id):
        return f"<@{slack_user_id}>"
    return escape(fallback)


def date(value: object) -> str:
    """A time shown in each reader's own time zone: ``<!date^…^{date_short_pretty} {time}|…>``.

    The fallback (clients that cannot localise) is the UTC time. A value that is not an ISO
    time is shown escaped as it is; ``None`` gives ``""``.
    """
    moment = parse_time(value)
    if moment is None:
        return escape(value)
    fallback = moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"


def _safe_cut(text: str, cut: int) -> int:
    """The largest index <= ``cut`` that splits neither an entity nor a ``<…>`` sequence."""
    opened = text.rfind("<", 0, cut)
    if opened != -1 and text.find(">", opened, cut) == -1:
        cut = opened
    amp = text.rfind("&", max(0, cut - _ENTITY_MAX + 1), cut)
    if amp != -1:
        entity = _ENTITY.match(text, amp)
        if entity and entity.end() > cut:
            cut = amp
    return cut


def truncate(text: str, limit: int, more_url: str | None = None) -> str:
    """``text`` if it fits in ``limit`` characters; else cut, ending ``…`` (and a link).

    ``text`` is mrkdwn as built here (already escaped). The cut falls on a character boundary
    and never inside an entity (``&amp;``) nor inside a ``<…>`` link, mention or date, so the
    result never ends with half a link. With ``more_url`` (an ``http(s)`` URL) the result ends
    ``… <more_url|more>``; if even that does not fit in ``limit``, just ``…``. The result is at
    most ``limit`` characters (``""`` for a limit below 1).
    """
    if len(text) <= limit:
        return text
    if limit < 1:
        return ""
    more = link(more_url, "more") if safe_url(more_url) else ""
    suffix = f"{ELLIPSIS} {more}" if more and len(more) + 2 <= limit else ELLIPSIS
    cut = _safe_cut(text, limit - len(suffix))
    return text[:cut].rstrip() + suffix
