"""Who is on call at one instant, with the bounds of that final shift, without a window.

The final schedule at an instant (CONFIG.md): an override if one covers it, else the last
listed layer that is active and has someone on call, else nobody. :func:`who_at` asks each
layer and the overrides what they say at the instant (:mod:`core.schedule.probes`), then walks
segment by segment forward and backward while the same person from the same source stays on
call: the same shift that :func:`core.schedule.final.final_schedule` would list, merged.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from core.schedule.model import OnCall, Override, QueueCheckpoint, ScheduleSpec, utc
from core.schedule.probes import LayerProbe, OverrideProbe, Segment
from core.schedule.roster import Roster

LOOK_AROUND = timedelta(days=365)
"""How far :func:`who_at` looks back and ahead for the bounds of the current shift."""

_TICK = timedelta(microseconds=1)  # the resolution of datetime: no bound lies closer


class _FinalProbe:
    """The final schedule's answer at an instant, from the overrides and the layers."""

    def __init__(
        self,
        schedule: ScheduleSpec,
        roster: Roster,
        overrides: Iterable[Override],
        checkpoints: Mapping[str, QueueCheckpoint] | None,
    ) -> None:
        self._overrides = OverrideProbe(overrides)
        self._layers = [
            LayerProbe(layer, roster, (checkpoints or {}).get(layer.id))
            for layer in reversed(schedule.layers)  # the last listed layer first
        ]

    def segment(self, moment: datetime) -> Segment:
        """The winner at ``moment`` and a span over which it stays the winner.

        Layers below the winner do not matter to the span, so they are not asked.
        """
        lo, hi, key = self._overrides.segment(moment)
        if key is not None:
            return lo, hi, key
        for layer in self._layers:
            layer_lo, layer_hi, key = layer.segment(moment)
            lo, hi = max(lo, layer_lo), min(hi, layer_hi)
            if key is not None:
                return lo, hi, key
        return lo, hi, None


def who_at(
    schedule: ScheduleSpec,
    roster: Roster,
    at: datetime,
    *,
    overrides: Iterable[Override] = (),
    checkpoints: Mapping[str, QueueCheckpoint] | None = None,
) -> OnCall | None:
    """The final shift containing ``at`` with its full bounds, or None in a gap.

    Agrees with the shift of :func:`core.schedule.final.final_schedule` that contains ``at``
    (pieces of one person from one source that touch are one shift), searched up to
    :data:`LOOK_AROUND` (a year) each way: a shift still running a year after ``at`` has
    ``end=None``; one that began more than a year before has ``start`` clipped to
    ``at - LOOK_AROUND``. At a hand-over instant the incoming shift is returned. ``at`` may be
    in any zone (a fall-back hour's two readings are two instants).
    """
    at = utc(at)
    final = _FinalProbe(schedule, roster, overrides, checkpoints)
    lo, hi, key = final.segment(at)
    if key is None:
        return None
    horizon, horizon_back = at + LOOK_AROUND, at - LOOK_AROUND
    end: datetime | None = hi
    while end is not None:
        if end >= horizon:
            end = None
            break
        _, after, following = final.segment(end)
        if following != key:
            break
        end = after
    start = lo
    while start > horizon_back:
        before, _, preceding = final.segment(start - _TICK)
        if preceding != key:
            break
        start = before
    return OnCall(key[0], max(start, horizon_back), end, key[1])
