"""Who can serve when: people's ``available`` hours and recorded time off, per person.

A person the roster does not know is treated as always available with no time off, so a
layer naming them still rotates (configuration validation rejects unknown ids anyway).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from core.schedule.intervals import Timeline, subtract
from core.schedule.model import Interval, PersonSpec, TimeOff, utc
from core.schedule.windows import available_intervals

_ALWAYS = PersonSpec(id="", zone=UTC, available=None)


@dataclass(frozen=True, slots=True)
class MemberView:
    """One person's constraints over a span: ``available`` hours and time off, as timelines."""

    available: Timeline
    time_off: Timeline


class Roster:
    """People (zone, ``available`` hours) together with their recorded time off.

    Time off records of one person may overlap; they are merged. Records of people who are not
    in ``people`` still count (the person is then otherwise always available).
    """

    def __init__(self, people: Mapping[str, PersonSpec], time_off: Iterable[TimeOff] = ()) -> None:
        self._people = dict(people)
        grouped: dict[str, list[Interval]] = {}
        for off in time_off:
            grouped.setdefault(off.person, []).append(Interval(utc(off.start), utc(off.end)))
        self._off = {person: Timeline(spans) for person, spans in grouped.items()}
        self._no_off = Timeline(())

    def person(self, person_id: str) -> PersonSpec:
        """The person's spec; an always-available UTC stand-in for an unknown id."""
        return self._people.get(person_id, _ALWAYS)

    def always_available(self, person_id: str) -> bool:
        """True when the person has no ``available`` restriction (time off aside)."""
        return self.person(person_id).available is None

    def time_off(self, person_id: str) -> Timeline:
        """The person's merged time off (an empty timeline when there is none)."""
        return self._off.get(person_id, self._no_off)

    def has_time_off(self, person_id: str) -> bool:
        """True when the person has any recorded time off (of any length, at any time)."""
        return person_id in self._off

    def time_off_spans(self, person_id: str, start: datetime, end: datetime) -> list[Interval]:
        """The person's time off inside ``[start, end)``."""
        return self.time_off(person_id).clip(utc(start), utc(end))

    def view(self, person_id: str, start: datetime, end: datetime) -> MemberView:
        """Precomputed constraints of ``person_id`` over ``[start, end)``, for fast clipping."""
        spec = self.person(person_id)
        if spec.available is None:
            available = Timeline(None)
        else:
            available = Timeline(available_intervals(spec, start, end))
        return MemberView(available, Timeline(self.time_off_spans(person_id, start, end)))

    def can_serve(self, person_id: str, start: datetime, end: datetime) -> list[Interval]:
        """Instants of ``[start, end)`` in the person's ``available`` hours and not on time off."""
        start, end = utc(start), utc(end)
        spans = available_intervals(self.person(person_id), start, end)
        return subtract(spans, self.time_off_spans(person_id, start, end))
