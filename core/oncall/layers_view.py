"""A schedule's layers one by one, and its members' time off, over a window.

The dashboard draws one track per layer (what the layer itself gives out, before overrides and
before later layers hide it) under the final schedule of :func:`core.oncall.views.final_for`.
Both come from the same :class:`~core.oncall.views.ScheduleState`, the same engine inputs and
the same queue checkpoints, so a layer's track and the final schedule cannot disagree about
whose turn it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.oncall.views import ScheduleState
from core.schedule.layer import layer_shifts, merge_shifts
from core.schedule.model import Shift, utc


@dataclass(frozen=True)
class LayerTrack:
    """One layer's own shifts over the window, in time order, clipped to it.

    ``source`` of a shift is ``layer:<id>`` for the turn's holder and ``cover`` for a cover the
    layer generated for hours its holder cannot serve (time off, ``available`` hours).
    """

    layer: str
    shifts: tuple[Shift, ...]


@dataclass(frozen=True)
class TimeOffSpan:
    """Time off of one of the schedule's members, clipped to the window."""

    person: str
    start: datetime
    end: datetime


def layer_tracks(
    state: ScheduleState, schedule_id: str, start: datetime, end: datetime
) -> tuple[LayerTrack, ...]:
    """Every layer of ``schedule_id`` over ``[start, end)`` with its own shifts.

    A window spanning configuration revisions is computed piece by piece with the revision in
    force; a layer is listed once, in the order of the newest revision that has it (layers
    only older revisions had come after, in their order). Touching pieces of one person and
    source are merged. An empty or inverted window, or an unknown schedule, gives no tracks;
    a layer with no shift in the window is still listed (with none).
    """
    start, end = utc(start), utc(end)
    if start >= end:
        return ()
    by_layer: dict[str, list[Shift]] = {}
    order: list[list[str]] = []
    for lo, hi, revision in state.segments(start, end):
        spec, roster = state.inputs(revision, schedule_id)
        checkpoints = state.engine_checkpoints(revision, schedule_id)
        order.append([layer.id for layer in spec.layers])
        for layer in spec.layers:
            part = layer_shifts(layer, roster, lo, hi, checkpoints.get(layer.id))
            by_layer.setdefault(layer.id, []).extend(part.shifts)
    listed: list[str] = []
    for ids in reversed(order):
        listed.extend(i for i in ids if i not in listed)
    return tuple(LayerTrack(i, tuple(merge_shifts(by_layer[i]))) for i in listed)


def members_time_off(
    state: ScheduleState, schedule_id: str, start: datetime, end: datetime
) -> tuple[TimeOffSpan, ...]:
    """The time off overlapping ``[start, end)`` of anyone in a layer of ``schedule_id`` (in
    any revision in force over the window), clipped to the window, in time order then by
    person. Overlapping records of one person are kept apart (each is what someone entered).
    An unknown schedule has no members, so no time off.
    """
    start, end = utc(start), utc(end)
    members: set[str] = set()
    for _lo, _hi, revision in state.segments(start, end):
        schedule = revision.config.schedule(schedule_id)
        if schedule is not None:
            members.update(m for layer in schedule.layers for m in layer.members)
    out = [
        TimeOffSpan(t.person_id, max(utc(t.start), start), min(utc(t.end), end))
        for t in state.time_off
        if t.person_id in members and utc(t.start) < end and utc(t.end) > start
    ]
    return tuple(sorted(out, key=lambda s: (s.start, s.person, s.end)))
