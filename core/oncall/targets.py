"""What a question about who is on call is about: a schedule, a team, a service or a person.

Also how the people in answers are shown (:class:`PersonRef`).

Chat users type one word (``/oncall who payments``), the CLI gives one flag; both end up as a
:class:`Target` checked against the configuration here, and every refusal is a
:class:`QueryError` whose message is one line fit to show the person who asked.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Literal

from core.config.model import Configuration, Schedule
from core.oncall import views

TargetKind = Literal["schedule", "team", "service", "person"]
_WORD_KINDS: tuple[TargetKind, ...] = ("schedule", "team", "service")
_MAX_SUGGESTIONS = 5


class QueryError(ValueError):
    """A question that cannot be answered as asked (nothing was changed); the message is one
    line to show the person who asked."""


class UnknownTarget(QueryError):
    """An id the configuration does not know, or a word that names nothing or several things."""


class TooManyTargets(QueryError):
    """More than one target was given where one at most is allowed."""


@dataclass(frozen=True)
class PersonRef:
    """A person as shown: the id, and the configured name (None when the file gives none or
    the person is no longer configured, e.g. an old override's)."""

    id: str
    name: str | None = None

    @property
    def display_name(self) -> str:
        """The name, else the id."""
        return self.name or self.id


def person_ref(config: Configuration, person_id: str) -> PersonRef:
    """``person_id`` with its name from ``config``."""
    person = config.person(person_id)
    return PersonRef(person_id, person.name if person else None)


@dataclass(frozen=True)
class Target:
    """One schedule, team, service or person, by id."""

    kind: TargetKind
    id: str

    def __str__(self) -> str:
        return f"{self.kind} {self.id!r}"


def pick_target(
    *,
    schedule: str | None = None,
    team: str | None = None,
    service: str | None = None,
    person: str | None = None,
) -> Target | None:
    """The one target among those given; None when none is. Not checked against anything.

    Raises :class:`TooManyTargets` when two or more are given (an empty string counts as given).
    """
    offered: tuple[tuple[TargetKind, str | None], ...] = (
        ("schedule", schedule),
        ("team", team),
        ("service", service),
        ("person", person),
    )
    given = [Target(kind, value) for kind, value in offered if value is not None]
    if len(given) > 1:
        kinds = " and a ".join(t.kind for t in given)
        raise TooManyTargets(f"give one target at most, not a {kinds}")
    return given[0] if given else None


def check_target(config: Configuration, target: Target) -> None:
    """Raise :class:`UnknownTarget` (``unknown team 'x'``) when ``config`` lacks the id."""
    if not _exists(config, target):
        raise UnknownTarget(f"unknown {target.kind} {target.id!r}")


def _exists(config: Configuration, target: Target) -> bool:
    if target.kind == "schedule":
        return config.schedule(target.id) is not None
    if target.kind == "person":
        return config.person(target.id) is not None
    entities = config.teams if target.kind == "team" else config.services
    return any(e.id == target.id for e in entities)


def _named(config: Configuration, kind: TargetKind) -> list[tuple[str, str | None]]:
    """``(id, name)`` of every entity of ``kind``, in file order."""
    if kind == "schedule":
        return [(s.id, s.name) for s in config.schedules]
    if kind == "team":
        return [(t.id, t.name) for t in config.teams]
    if kind == "service":
        return [(s.id, s.name) for s in config.services]
    return [(p.id, p.name) for p in config.people]


def resolve_target(config: Configuration, word: str) -> Target:
    """The schedule, team or service one typed word names.

    Tried in this order, the first step that finds something wins:

    1. the exact id of a schedule, else of a team, else of a service (a word that is both a
       team id and a service id is the team: schedules, then teams, then services);
    2. an id equal ignoring case, in the same order of kinds;
    3. a name equal ignoring case, across all three kinds: names need not be unique, so two
       or more matches are ambiguous.

    Surrounding spaces are ignored. People are never matched: a person is not a word here.
    Raises :class:`UnknownTarget` for an empty word, for an ambiguous one (the message lists
    what it could be) and for one that names nothing (the message suggests ids that contain
    the word or look like it, when there are any).
    """
    text = word.strip()
    if not text:
        raise UnknownTarget("name a schedule, team or service")
    folded = text.casefold()
    for kind in _WORD_KINDS:
        if any(eid == text for eid, _ in _named(config, kind)):
            return Target(kind, text)
    for kind in _WORD_KINDS:
        same = [eid for eid, _ in _named(config, kind) if eid.casefold() == folded]
        if same:
            return Target(kind, same[0])  # ids are unique; ids differing in case only: first
    by_name = [
        Target(kind, eid)
        for kind in _WORD_KINDS
        for eid, name in _named(config, kind)
        if name is not None and name.casefold() == folded
    ]
    if len(by_name) == 1:
        return by_name[0]
    if by_name:
        listed = " or ".join(str(t) for t in by_name)
        raise UnknownTarget(f"{text!r} could be {listed}; say which by its id")
    hints = suggestions(config, text)
    hint = f"; did you mean {' or '.join(str(t) for t in hints)}?" if hints else ""
    raise UnknownTarget(f"no schedule, team or service is called {text!r}{hint}")


def suggestions(config: Configuration, word: str) -> list[Target]:
    """Up to five schedules, teams or services whose id contains ``word`` (ignoring case) or
    looks like it (difflib's ratio of at least 0.6); those containing it first, file order."""
    folded = word.strip().casefold()
    if not folded:
        return []
    every = [Target(kind, eid) for kind in _WORD_KINDS for eid, _ in _named(config, kind)]
    out = [t for t in every if folded in t.id.casefold()]
    close = difflib.get_close_matches(folded, [t.id.casefold() for t in every], n=10)
    out += [t for c in close for t in every if t.id.casefold() == c and t not in out]
    return out[:_MAX_SUGGESTIONS]


def teams_of(config: Configuration, person_id: str) -> tuple[str, ...]:
    """The ids of the teams ``person_id`` belongs to, in file order: a team counts when one of
    its schedules has the person as a member of some layer, or when its ``managers`` list them.

    Overrides, swaps and covers do not make anyone a member. An unknown person, or one in no
    team, has none: an empty tuple, not an error.
    """
    out = []
    for team in config.teams:
        members = {
            m
            for s in views.schedules_of_team(config, team.id)
            for la in s.layers
            for m in la.members
        }
        if person_id in members or person_id in team.managers:
            out.append(team.id)
    return tuple(out)


def schedules_of(config: Configuration, target: Target) -> list[Schedule]:
    """The configured schedules a target covers, checked (:class:`UnknownTarget`).

    A schedule: itself. A team: its schedules, in file order (maybe none). A service: the
    schedules its escalation policy's first tier names, in the tier's order; ``person:``
    targets of that tier are left out, and a service without a policy has none. A person:
    every schedule with the person as a layer member.
    """
    check_target(config, target)
    if target.kind == "schedule":
        found = config.schedule(target.id)
        return [found] if found is not None else []
    if target.kind == "team":
        return views.schedules_of_team(config, target.id)
    if target.kind == "service":
        ids = [
            t.partition(":")[2]
            for t in views.first_tier_targets(config, target.id)
            if t.startswith("schedule:")
        ]
        return [s for sid in ids if (s := config.schedule(sid)) is not None]
    return [s for s in config.schedules if any(target.id in la.members for la in s.layers)]
