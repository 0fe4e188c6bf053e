"""Reading the words of a command: people, times and the rest.

A person is written ``@alice`` or ``alice`` (their id in the configuration) or, in Slack,
as the mention Slack sends (``<@U024BE7LH>`` or ``<@U024BE7LH|alice>``). Times are those of
:mod:`core.timeinput`, read in the caller's zone; a date and a time may be two words
(``2026-12-24 09:00``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, tzinfo

from core.timeinput import TimeInputError, parse_instant

_SLACK_MENTION = re.compile(r"^<@([A-Z0-9]+)(?:\|[^>]*)?>$")
_CLOCK = re.compile(r"^\d{1,2}:\d{2}$")


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


def take_time(
    words: list[str], *, zone: tzinfo, now: datetime, what: str
) -> tuple[datetime, list[str]]:
    """Read a time from the front of ``words``; returns it and the words left."""
    if not words:
        raise WordsError(f"{what} is missing")
    if len(words) > 1 and _CLOCK.match(words[1]):
        text, rest = f"{words[0]} {words[1]}", words[2:]
    else:
        text, rest = words[0], words[1:]
    try:
        return parse_instant(text, zone=zone, now=now, what=what), rest
    except TimeInputError as exc:
        raise WordsError(str(exc)) from None
