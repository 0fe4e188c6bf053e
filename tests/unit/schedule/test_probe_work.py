"""How much work :class:`core.schedule.probes.LayerProbe` does for a non-plain layer (someone
has ``available`` hours or time off), counted in replayed turns (never timed)."""

from __future__ import annotations

from datetime import datetime, timedelta

from core.schedule.fairqueue import queue_at
from core.schedule.final import final_schedule, who_at
from core.schedule.model import LayerSpec, PersonSpec, ScheduleSpec
from core.schedule.probes import FOREVER, NEVER, LayerProbe, Segment
from core.schedule.roster import Roster
from core.schedule.turns import turn_index_at
from tests.unit.schedule.helpers import CHICAGO, chi, window

TICK = timedelta(microseconds=1)
RESTRICTED = Roster({"B": PersonSpec("B", CHICAGO, ((7 * 60, 23 * 60),))})  # B: 07:00-23:00


def top(**shape: object) -> LayerSpec:
    """Hourly, every 4, from 2026-01-01 09:00 Chicago: about 2,000 turns to December."""
    return LayerSpec("top", ("A", "B"), "hourly", 4, datetime(2026, 1, 1, 9), CHICAGO, **shape)  # type: ignore[arg-type]


def test_after_until_and_before_rotation_start_nobody_without_any_replay() -> None:
    ended = top(until=datetime(2026, 9, 1, 9))
    probe = LayerProbe(ended, RESTRICTED, None)
    assert probe.segment(chi(2026, 12, 5)) == (chi(2026, 9, 1, 9), FOREVER, None)
    assert probe.segment(chi(2026, 9, 1, 9)) == (chi(2026, 9, 1, 9), FOREVER, None)  # half-open
    later = top(rotation_start=datetime(2027, 6, 1, 9))
    probe_later = LayerProbe(later, RESTRICTED, None)
    assert probe_later.segment(chi(2026, 12, 5)) == (NEVER, chi(2027, 6, 1, 9), None)
    assert probe.replayed_turns == probe_later.replayed_turns == 0
    # who_at: the base layer shows through from until, in agreement with the final schedule
    base = LayerSpec("base", ("X",), "weekly", 1, datetime(2024, 1, 1, 9), CHICAGO)
    spec = ScheduleSpec("S", CHICAGO, (base, ended))
    got = who_at(spec, RESTRICTED, chi(2026, 12, 5))
    assert got is not None and (got.person, got.start, got.end) == ("X", chi(2026, 9, 1, 9), None)
    final = final_schedule(spec, RESTRICTED, chi(2026, 8, 31), chi(2026, 9, 2))
    assert final.shifts[-1].person == "X" and final.shifts[-1].start == chi(2026, 9, 1, 9)


def walk_back(probe: LayerProbe, moment: datetime, steps: int) -> list[Segment]:
    """Segment by segment backwards from ``moment``, as who_at walks back."""
    out = []
    for _ in range(steps):
        found = probe.segment(moment)
        out.append(found)
        moment = found[0] - TICK
    return out


def test_walking_back_replays_each_turn_about_twice_not_once_per_step() -> None:
    # weekdays 09:00-17:00: two segments a turn or so; walking back 1,200 segments from
    # December crosses some 600 turns. Replaying from turn 0 at every turn would be about
    # 600 * 1,900 turns; keeping the queues met bounds it by the first replay plus about two
    # replays of each turn walked over
    layer = top(active=(window(range(5), "09:00", "17:00"),))
    probe = LayerProbe(layer, RESTRICTED, None)
    moment = chi(2026, 12, 4, 12)
    index = turn_index_at(layer, moment)
    assert index is not None and index > 1800
    got = walk_back(probe, moment, 1200)
    walked = index - (turn_index_at(layer, got[-1][0]) or 0)
    assert walked > 300
    assert probe.replayed_turns <= index + 2 * walked + 2 * 256
    # the same answers as a probe resumed at the turn from queue_at's checkpoint
    for lo, _, key in got[::97]:
        k = turn_index_at(layer, lo)
        assert k is not None
        fresh = LayerProbe(layer, RESTRICTED, queue_at(layer, RESTRICTED, k))
        assert fresh.segment(lo)[2] == key


def test_walking_back_from_a_checkpoint_replays_from_the_marks_not_from_turn_zero() -> None:
    layer = top(active=(window(range(5), "09:00", "17:00"),))
    moment = chi(2026, 12, 4, 12)
    index = turn_index_at(layer, moment)
    assert index is not None
    checkpoint = queue_at(layer, RESTRICTED, index)
    probe = LayerProbe(layer, RESTRICTED, checkpoint)
    walk_back(probe, moment, 10)  # a few turns before the checkpoint: one replay from turn 0
    first = probe.replayed_turns
    assert first <= index
    walk_back(probe, moment - timedelta(days=7), 600)
    assert probe.replayed_turns - first <= 3 * 600 + 2 * 256
