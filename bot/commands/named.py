"""Schedules and services by the word a person typed: the id, the id in any case, or the name.

Used where a command needs one kind of thing (``override`` a schedule, ``page`` a service);
``who`` and ``schedule`` take any kind through :func:`core.oncall.targets.resolve_target`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from core.config.model import Configuration, Schedule, Service
from core.oncall.targets import Target, resolve_target, schedules_of

T = TypeVar("T", Schedule, Service)


def _named(items: Sequence[T], word: str) -> T | None:
    """Exact id, else the one id equal ignoring case, else the one name equal ignoring case."""
    text = word.strip()
    folded = text.casefold()
    for found in (
        [i for i in items if i.id == text],
        [i for i in items if i.id.casefold() == folded],
        [i for i in items if i.name is not None and i.name.casefold() == folded],
    ):
        if len(found) == 1:
            return found[0]
    return None


def schedule_in(config: Configuration, word: str) -> Schedule | None:
    return _named(config.schedules, word)


def service_in(config: Configuration, word: str) -> Service | None:
    return _named(config.services, word)


def unknown_schedule(config: Configuration, word: str) -> str:
    """Why ``word`` is not a schedule, and which ones it could be."""
    known = ", ".join(s.id for s in config.schedules) or "none"
    try:
        target: Target | None = resolve_target(config, word)
    except ValueError:
        target = None
    if target is not None and target.kind != "schedule":
        theirs = ", ".join(s.id for s in schedules_of(config, target)) or "none"
        return f"{word!r} is a {target.kind}, not a schedule; its schedules: {theirs}"
    return f"unknown schedule {word!r}; schedules: {known}"


def unknown_service(config: Configuration, word: str) -> str:
    known = ", ".join(s.id for s in config.services) or "none"
    return f"unknown service {word!r}; services: {known}"
