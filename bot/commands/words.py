"""Reading the words of a command: people, times and the rest.

A person is written ``@alice`` or ``alice`` (their id in the configuration) or, in Slack,
as the mention Slack sends (``<@U024BE7LH>`` or ``<@U024BE7LH|alice>``), or in Teams as the
``<@29:1a2b…>`` the Teams handler writes for a mention of a user. Times are those of
:mod:`core.timeinput`, read in the caller's zone; a date and a time may be two words
(``2026-12-24 09:00``, also ``2026-12-24 9:00``), and may follow the words ``from`` and
``to`` (``from 2026-12-24 09:00 to 2026-12-24 17:00``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, tzinfo

from core.timeinput import TimeInputError, parse_instant

_SLACK_MENTION = re.compile(r"^<@([A-Za-z0-9][A-Za-z0-9:_.@-]{0,199})(?:\|[^>]*)?>$")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")
_FLAG = re.compile(r"(?<![\w-])--([a-z][a-z-]*)")
_FILLERS = {"from": ("from", "since"), "to": ("to", "until", "till", "-", "–")}
EXAMPLE = "2026-12-24 09:00"


class WordsError(ValueError):
    """The words cannot be read; the message says what to write."""


@dataclass(frozen=True)
class PersonRef:
    """``chat_user`` (a platform id from a mention) or ``person`` (a configuration id)."""

    person: str | None = None
    chat_user: str | None = None


def person_ref(word: str) -> PersonRef | None:
    """A person reference, or None when the word is not one (no ``@`` and no mention)."""
    mention = _SLACK_MENTION.match(word)
    if mention:
        return PersonRef(chat_user=mention.group(1))
    if word.startswith("@") and len(word) > 1:
        return PersonRef(person=word[1:])
    return None


def sentence(message: str) -> str:
    """``message`` as a sentence: a capital first letter and a full stop (unless it ends in
    ``.``, ``?`` or ``!`` already). CLI flags in core's messages (``--to``) become words."""
    text = _FLAG.sub(r"\1", " ".join(message.split()))
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "?", "!")) else text + "."


def take_time(
    words: list[str], *, zone: tzinfo, now: datetime, what: str
) -> tuple[datetime, list[str]]:
    """Read a time from the front of ``words``; returns it and the words left.

    ``what`` is ``from`` or ``to``; a leading ``from`` (or ``to``, ``until``) before the time is
    skipped. A date followed by a clock (``9:00``) is one time. A date alone is its midnight
    in ``zone``; a local time the clocks skip (DST) is refused.
    """
    if len(words) > 1 and words[0].casefold() in _FILLERS.get(what, ()):
        words = words[1:]
    if not words:
        raise WordsError(f"the {what} time is missing")
    clock = _CLOCK.match(words[1]) if len(words) > 1 else None
    if clock:
        text, rest = f"{words[0]} {int(clock.group(1)):02d}:{clock.group(2)}", words[2:]
    else:
        text, rest = words[0], words[1:]
    try:
        return parse_instant(text, zone=zone, now=now, what=what), rest
    except TimeInputError as exc:
        if "does not exist" in str(exc):
            raise WordsError(str(exc)) from None
        raise WordsError(
            f"cannot read “{text}” as the {what} time; write {EXAMPLE} or 2026-12-24 "
            f"(read in {zone}), 2026-12-24T09:00+01:00, or now"
        ) from None


def check_window(start: datetime, end: datetime, *, dates_hint: bool = False) -> None:
    """:class:`WordsError` when ``end`` is not after ``start``; ``dates_hint`` adds how to
    write a whole day (a date alone is its midnight)."""
    if end > start:
        return
    hint = (
        " (a date alone is its midnight: one day off on 24 December is 2026-12-24 2026-12-25)"
        if dates_hint
        else ""
    )
    raise WordsError(f"the to time must be after the from time{hint}")
