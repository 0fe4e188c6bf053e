"""Turn validated configuration models into the engine's inputs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from core.config import timefmt
from core.config.model import Layer, Person, Schedule
from core.schedule.model import LayerSpec, PersonSpec, ScheduleSpec, TimeOff, WeeklyWindow
from core.schedule.roster import Roster


def layer_spec(layer: Layer, zone_name: str) -> LayerSpec:
    """The engine's view of ``layer``, whose wall-clock times are read in ``zone_name``."""
    active = None
    if layer.active is not None:
        active = tuple(
            WeeklyWindow(
                frozenset(w.days),
                w.from_,
                w.to,
                None if w.days_of_month is None else frozenset(w.days_of_month),
            )
            for w in layer.active
        )
    return LayerSpec(
        id=layer.id,
        members=tuple(layer.members),
        rotation=layer.rotation,
        every=layer.every,
        start=layer.start,
        zone=timefmt.zone(zone_name),
        active=active,
        until=layer.until,
        rotation_start=layer.rotation_start,
        skip=layer.skip or 0,
        shift=layer.shift,
        turn=layer.turn or "calendar",
    )


def schedule_spec(schedule: Schedule) -> ScheduleSpec:
    """The engine's view of ``schedule``; ``ValueError`` when its zone was never filled in.

    ``core.config.validate.validate_document`` fills every schedule's zone, so the error only
    shows a schedule built by hand.
    """
    if schedule.timezone is None:
        raise ValueError(f"schedule {schedule.id!r} has no timezone; validate the file first")
    layers = tuple(layer_spec(layer, schedule.timezone) for layer in schedule.layers)
    return ScheduleSpec(id=schedule.id, zone=timefmt.zone(schedule.timezone), layers=layers)


def person_spec(person: Person) -> PersonSpec:
    """The engine's view of ``person``; ``ValueError`` when their zone was never filled in."""
    if person.timezone is None:
        raise ValueError(f"person {person.id!r} has no timezone; validate the file first")
    available = None if person.available is None else tuple(person.available)
    return PersonSpec(id=person.id, zone=timefmt.zone(person.timezone), available=available)


def engine_inputs(
    schedule: Schedule, people: Mapping[str, Person], time_off: Iterable[TimeOff] = ()
) -> tuple[ScheduleSpec, Roster]:
    """The schedule spec and a roster of the people its layers name, with their time off.

    ``ValueError`` when a layer names someone missing from ``people`` (validation prevents it).
    Extra people are ignored.
    """
    spec = schedule_spec(schedule)
    named = {m for layer in spec.layers for m in layer.members}
    missing = sorted(named - people.keys())
    if missing:
        raise ValueError(f"schedule {schedule.id!r} names unknown people: {', '.join(missing)}")
    roster = Roster({pid: person_spec(people[pid]) for pid in named}, time_off)
    return spec, roster
