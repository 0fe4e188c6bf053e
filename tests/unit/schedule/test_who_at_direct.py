"""``who_at`` answers from a direct walk (probes); it must agree with ``final_schedule``.

Random layers (every rotation, active windows, duplicate members and ids), both a whole-hour
DST zone (America/Chicago) and a half-hour one (Australia/Lord_Howe), ``available`` hours, time
off, overrides and queue checkpoints. Instants are drawn at random, at the bounds of the
reference schedule's shifts and gaps (hand-overs, window edges, covers, overrides) and one
microsecond before them, and at the zone's DST transitions.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.schedule.fairqueue import queue_at
from core.schedule.final import final_schedule, who_at
from core.schedule.model import (
    FinalSchedule,
    LayerSpec,
    Override,
    PersonSpec,
    QueueCheckpoint,
    Rotation,
    ScheduleSpec,
    TimeOff,
    WeeklyWindow,
)
from core.schedule.roster import Roster
from core.schedule.turns import TurnClock, turn_index_at, turn_start
from core.schedule.windows import expand_windows, window_segment
from tests.unit.schedule.helpers import BERLIN, CHICAGO, LORD_HOWE

PROPS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
POOL = ("p0", "p1", "p2", "p3", "p4")
ROTATIONS: tuple[Rotation, ...] = ("hourly", "daily", "weekly", "monthly")
TICK = timedelta(microseconds=1)
WIDE = timedelta(days=8)  # the reference schedule reaches this far beyond the instants
# local wall-clock dates a few days before a DST change of 2020, per zone
BASES: dict[ZoneInfo, tuple[datetime, ...]] = {
    CHICAGO: (datetime(2020, 3, 5), datetime(2020, 10, 29)),
    LORD_HOWE: (datetime(2020, 4, 2), datetime(2020, 10, 1)),
}


def quarter_hours(n: int) -> timedelta:
    return timedelta(minutes=15 * n)


def transitions(zone: ZoneInfo, around: datetime) -> list[datetime]:
    """The UTC instants within 10 days after ``around`` where ``zone``'s offset changes."""
    out = []
    moment = around.replace(tzinfo=UTC)
    for _ in range(10 * 24 * 4):
        after = moment + timedelta(minutes=15)
        if moment.astimezone(zone).utcoffset() != after.astimezone(zone).utcoffset():
            lo, hi = moment, after  # bisect to the second
            while hi - lo > timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                same = mid.astimezone(zone).utcoffset() == lo.astimezone(zone).utcoffset()
                lo, hi = (mid, hi) if same else (lo, mid)
            out.append(hi.replace(microsecond=0))
        moment = after
    return out


windows = st.builds(
    WeeklyWindow,
    days=st.frozensets(st.integers(0, 6), max_size=7),
    from_min=st.integers(0, 47).map(lambda h: h * 30),
    to_min=st.integers(0, 48).map(lambda h: h * 30),
)


@st.composite
def layer_specs(draw: st.DrawFn, zone: ZoneInfo, base: datetime) -> LayerSpec:
    rotation: Rotation = draw(st.sampled_from(ROTATIONS))
    return LayerSpec(
        id=draw(st.sampled_from(["one", "two", "three"])),
        members=tuple(draw(st.lists(st.sampled_from(POOL), max_size=4))),
        rotation=rotation,
        every=draw(st.integers(1, 6 if rotation == "hourly" else 2)),
        start=base + quarter_hours(draw(st.integers(-4 * 24 * 4, 4 * 24 * 4))),
        zone=zone,
        active=draw(st.none() | st.lists(windows, max_size=3).map(tuple)),
    )


@st.composite
def checkpoints(
    draw: st.DrawFn, layers: tuple[LayerSpec, ...], roster: Roster
) -> dict[str, QueueCheckpoint]:
    """Checkpoints as a server stores them: the true queue before some turn.

    Only for layers whose id is unique (checkpoints are looked up by id). A checkpoint that
    disagrees with the replay is not checked: ``final_schedule`` applies it at the first turn
    of its window only, so its answer then depends on the window.
    """
    out = {}
    ids = [spec.id for spec in layers]
    for spec in layers:
        if ids.count(spec.id) == 1 and draw(st.booleans()):
            index = draw(st.integers(0, 30))
            out[spec.id] = QueueCheckpoint(index, queue_at(spec, roster, index).order)
    return out


@st.composite
def scenarios(
    draw: st.DrawFn,
) -> tuple[ScheduleSpec, Roster, list[Override], dict[str, QueueCheckpoint], datetime, ZoneInfo]:
    zone = draw(st.sampled_from([CHICAGO, LORD_HOWE]))
    base = draw(st.sampled_from(BASES[zone]))
    layers = tuple(draw(st.lists(layer_specs(zone, base), min_size=1, max_size=3)))
    anchor = base.replace(tzinfo=zone).astimezone(UTC)
    offsets = st.integers(-4 * 24 * 3, 4 * 24 * 10).map(quarter_hours)
    time_off = [
        TimeOff(draw(st.sampled_from(POOL)), anchor + begin, anchor + begin + length)
        for begin, length in draw(
            st.lists(st.tuples(offsets, st.integers(0, 4 * 24 * 3).map(quarter_hours)), max_size=5)
        )
    ]
    people = draw(
        st.dictionaries(
            st.sampled_from(POOL),
            st.tuples(
                st.sampled_from([BERLIN, CHICAGO, LORD_HOWE]),
                st.lists(
                    st.tuples(st.integers(0, 47), st.integers(0, 48)).map(
                        lambda t: (t[0] * 30, t[1] * 30)
                    ),
                    min_size=1,
                    max_size=2,
                ),
            ),
            max_size=3,
        )
    )
    roster = Roster(
        {p: PersonSpec(p, z, tuple(spans)) for p, (z, spans) in people.items()}, time_off
    )
    overrides = [
        Override(draw(st.sampled_from(POOL)), anchor + begin, anchor + begin + length, seq, source)
        for seq, (begin, length, source) in enumerate(
            draw(
                st.lists(
                    st.tuples(
                        offsets,
                        st.integers(0, 4 * 24).map(quarter_hours),
                        st.sampled_from(["override", "swap"]),
                    ),
                    max_size=3,
                )
            )
        )
    ]
    spec = ScheduleSpec("s", zone, layers)
    return spec, roster, overrides, draw(checkpoints(layers, roster)), anchor, zone


def check(
    spec: ScheduleSpec,
    roster: Roster,
    overrides: list[Override],
    points: dict[str, QueueCheckpoint],
    reference: FinalSchedule,
    reach: tuple[datetime, datetime],
    moment: datetime,
) -> None:
    """``who_at(moment)`` names the ``reference`` shift at ``moment``, with its bounds.

    ``reference`` is the final schedule over ``reach``: bounds at its edges may go further.
    """
    found = next((s for s in reference.shifts if s.start <= moment < s.end), None)
    got = who_at(spec, roster, moment, overrides=overrides, checkpoints=points)
    if found is None:
        assert got is None, moment
        return
    assert got is not None, moment
    assert (got.person, got.source) == (found.person, found.source), moment
    if found.start > reach[0]:
        assert got.start == found.start, moment
    else:
        assert got.start <= found.start
    if found.end < reach[1]:
        assert got.end == found.end, moment
    else:
        assert got.end is None or got.end >= found.end


@PROPS
@given(scenario=scenarios(), data=st.data())
def test_who_at_agrees_with_the_final_schedule_at_bounds_and_dst_changes(
    scenario: tuple[
        ScheduleSpec, Roster, list[Override], dict[str, QueueCheckpoint], datetime, ZoneInfo
    ],
    data: st.DataObject,
) -> None:
    agrees_at_bounds_and_dst_changes(scenario, data)


def agrees_at_bounds_and_dst_changes(
    scenario: tuple[
        ScheduleSpec, Roster, list[Override], dict[str, QueueCheckpoint], datetime, ZoneInfo
    ],
    data: st.DataObject,
) -> None:
    """who_at at a random instant, at shift and gap starts and at the zone's DST changes (and
    a tick before each) agrees with the final schedule computed wide around them."""
    spec, roster, overrides, points, anchor, zone = scenario
    window = (anchor - timedelta(days=3), anchor + timedelta(days=10))
    reach = (window[0] - WIDE, window[1] + WIDE)
    reference = final_schedule(spec, roster, *reach, overrides=overrides, checkpoints=points)
    bounds = sorted(
        {s.start for s in reference.shifts if window[0] < s.start < window[1]}
        | {g.start for g in reference.gaps if window[0] < g.start < window[1]}
        | set(transitions(zone, anchor.replace(tzinfo=None)))
    )
    moments = [anchor + data.draw(st.integers(-4 * 24 * 3, 4 * 24 * 10).map(quarter_hours))]
    moments.extend(data.draw(st.lists(st.sampled_from(bounds), min_size=1, max_size=3)))
    for moment in moments:
        check(spec, roster, overrides, points, reference, reach, moment)
        check(spec, roster, overrides, points, reference, reach, moment - TICK)


@PROPS
@given(
    zone=st.sampled_from([CHICAGO, LORD_HOWE]),
    active=st.lists(windows, max_size=3).map(tuple),
    offset=st.integers(-4 * 24 * 10, 4 * 24 * 210).map(quarter_hours),
    nudge=st.sampled_from([timedelta(), TICK, -TICK, timedelta(minutes=7)]),
)
def test_window_segment_agrees_with_expanded_windows(
    zone: ZoneInfo, active: tuple[WeeklyWindow, ...], offset: timedelta, nudge: timedelta
) -> None:
    moment = datetime(2020, 3, 1, tzinfo=UTC) + offset + nudge
    lo, hi, inside = window_segment(active, zone, moment)
    assert lo <= moment < hi
    reach = (max(lo, moment - timedelta(days=3)), min(hi, moment + timedelta(days=3)))
    spans = expand_windows(active, zone, *reach)
    if inside:  # the whole (clipped) segment is active
        assert [(s.start, s.end) for s in spans] == [reach]
    else:  # none of it is
        assert spans == []


@PROPS
@given(
    zone=st.sampled_from([CHICAGO, LORD_HOWE]),
    rotation=st.sampled_from(ROTATIONS),
    every=st.integers(1, 3),
    start=st.integers(0, 4 * 24 * 300).map(lambda n: datetime(2020, 1, 1) + quarter_hours(n)),
    offset=st.integers(-4 * 24 * 3, 4 * 24 * 400).map(quarter_hours),
    nudge=st.sampled_from([timedelta(), TICK, -TICK]),
)
def test_turn_clock_agrees_with_turn_functions(
    zone: ZoneInfo,
    rotation: Rotation,
    every: int,
    start: datetime,
    offset: timedelta,
    nudge: timedelta,
) -> None:
    spec = LayerSpec("L", ("a",), rotation, every, start, zone)
    clock = TurnClock(spec)
    moment = turn_start(spec, 0) + offset
    index = turn_index_at(spec, moment)
    if index is not None:  # also exactly at a hand-over, and around it
        moment = turn_start(spec, index) + nudge
    assert clock.index_at(moment) == turn_index_at(spec, moment)
    for k in range(0, 40, 7):
        assert clock.start(k) == turn_start(spec, k)
