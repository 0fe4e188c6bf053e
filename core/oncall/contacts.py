"""People as outbox payloads carry them: enough for a destination to reach and greet them."""

from __future__ import annotations

from collections.abc import Iterable

from core.config.model import Configuration

Contact = dict[str, str | None]


def contacts(config: Configuration, people: Iterable[str | None]) -> list[Contact]:
    """``id``, ``name``, ``slack``, ``email``, ``teams`` and ``timezone`` of each person.

    ``None`` and people no longer configured are left out (a gap on one side of a hand-over,
    a manager removed from the file); a repeated id appears once. ``timezone`` is the
    person's own, else the configuration's default.
    """
    out: list[Contact] = []
    seen: set[str] = set()
    for person_id in people:
        person = config.person(person_id) if person_id else None
        if person is None or person.id in seen:
            continue
        seen.add(person.id)
        out.append(
            {
                "id": person.id,
                "name": person.display_name,
                "slack": person.slack,
                "email": person.email,
                "teams": person.teams,
                "timezone": person.timezone or config.timezone,
            }
        )
    return out
