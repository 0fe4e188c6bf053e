"""Property tests: tiling, plain round robin, fairness under time off, nobody on call while off."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.schedule.fairqueue import queue_at
from core.schedule.final import final_schedule, who_at
from core.schedule.intervals import intersect, normalize, subtract
from core.schedule.layer import layer_shifts, layer_turns
from core.schedule.model import (
    Interval,
    LayerSpec,
    Override,
    PersonSpec,
    Rotation,
    ScheduleSpec,
    TimeOff,
    WeeklyWindow,
)
from core.schedule.roster import Roster
from core.schedule.turns import turn_start
from core.schedule.windows import active_intervals
from tests.unit.schedule.helpers import BERLIN, CHICAGO, assert_tiles, chi

PROPS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
POOL = ("p0", "p1", "p2", "p3", "p4")
ROTATIONS: tuple[Rotation, ...] = ("hourly", "daily", "weekly", "monthly")
# two weeks around each 2020 change in Chicago
BASES = st.sampled_from([chi(2020, 3, 1), chi(2020, 10, 25)])
QUARTERS = st.integers(0, 4 * 24 * 14)  # offsets in 15-minute steps over two weeks


def quarter_hours(n: int) -> timedelta:
    return timedelta(minutes=15 * n)


windows = st.builds(
    WeeklyWindow,
    days=st.frozensets(st.integers(0, 6), min_size=1),
    from_min=st.integers(0, 47).map(lambda h: h * 30),
    to_min=st.integers(0, 48).map(lambda h: h * 30),
)


@st.composite
def layers(draw: st.DrawFn, *, unique: bool = True, active: bool = True) -> LayerSpec:
    """A random layer starting within a few days before the DST changes of 2020."""
    rotation: Rotation = draw(st.sampled_from(ROTATIONS))
    members = draw(st.lists(st.sampled_from(POOL), min_size=1, max_size=4, unique=unique))
    base = draw(st.sampled_from([datetime(2020, 3, 4), datetime(2020, 10, 28)]))
    start = base + quarter_hours(draw(st.integers(-4 * 24 * 3, 4 * 24 * 3)))
    return LayerSpec(
        id=draw(st.sampled_from(["one", "two", "three"])),
        members=tuple(members),
        rotation=rotation,
        every=draw(st.integers(1, 6 if rotation == "hourly" else 2)),
        start=start,
        zone=CHICAGO,
        active=draw(st.none() | st.lists(windows, min_size=1, max_size=2).map(tuple))
        if active
        else None,
    )


@st.composite
def time_offs(draw: st.DrawFn, base: datetime) -> list[TimeOff]:
    out = []
    for _ in range(draw(st.integers(0, 6))):
        begin = base + quarter_hours(draw(QUARTERS))
        length = quarter_hours(draw(st.integers(1, 4 * 24 * 3)))
        out.append(TimeOff(draw(st.sampled_from(POOL)), begin, begin + length))
    return out


people = st.dictionaries(
    st.sampled_from(POOL),
    st.tuples(st.integers(0, 47), st.integers(0, 48)).map(lambda t: ((t[0] * 30, t[1] * 30),)),
    max_size=3,
).map(lambda d: {p: PersonSpec(p, BERLIN, spans) for p, spans in d.items()})


@st.composite
def overrides(draw: st.DrawFn, base: datetime) -> list[Override]:
    out = []
    for seq in range(draw(st.integers(0, 3))):
        begin = base + quarter_hours(draw(QUARTERS))
        length = quarter_hours(draw(st.integers(1, 4 * 24)))
        out.append(Override(draw(st.sampled_from(POOL)), begin, begin + length, seq))
    return out


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[ScheduleSpec, Roster, list[Override], datetime, datetime]:
    base = draw(BASES)
    spec = ScheduleSpec("s", CHICAGO, tuple(draw(st.lists(layers(), min_size=1, max_size=3))))
    roster = Roster(draw(people), draw(time_offs(base)))
    start = base + quarter_hours(draw(QUARTERS))
    end = start + quarter_hours(draw(st.integers(1, 4 * 24 * 5)))
    return spec, roster, draw(overrides(base)), start, end


@PROPS
@given(scenario=scenarios())
def test_final_schedule_tiles_the_window(
    scenario: tuple[ScheduleSpec, Roster, list[Override], datetime, datetime],
) -> None:
    spec, roster, ovs, start, end = scenario
    got = final_schedule(spec, roster, start, end, overrides=ovs)
    assert_tiles(got, start, end)
    for left, right in zip(got.shifts, got.shifts[1:], strict=False):
        # neighbours of one person from one source are merged
        assert not (
            left.end == right.start and (left.person, left.source) == (right.person, right.source)
        )


def replayed_front(members: tuple[str, ...], k: int) -> str:
    """The naive replay: everyone eligible, the front member holds and goes to the back."""
    queue = list(members)
    for _ in range(k):
        queue.append(queue.pop(0))
    return queue[0]


@PROPS
@given(spec=layers(unique=False), k=st.integers(0, 150))
def test_plain_round_robin_gives_turn_k_to_member_k_mod_n(spec: LayerSpec, k: int) -> None:
    n = len(spec.members)
    arithmetic = queue_at(spec, Roster({}), k)
    assert arithmetic.order[0] == spec.members[k % n] == replayed_front(spec.members, k)
    # the same through the replay path: whole-day availability forces a turn-by-turn replay
    whole_day = {m: PersonSpec(m, BERLIN, ((0, 0),)) for m in spec.members}
    assert queue_at(spec, Roster(whole_day), k) == arithmetic
    span = (turn_start(spec, max(k - 2, 0)), turn_start(spec, k + 2))
    assert layer_turns(spec, Roster(whole_day), *span) == layer_turns(spec, Roster({}), *span)
    # and the turns given out around k agree
    window = (turn_start(spec, k), turn_start(spec, k + 3))
    got = [t for t in layer_turns(spec, Roster({}), *window) if t.index >= k][:3]
    assert [t.holder for t in got] == [spec.members[(k + i) % n] for i in range(len(got))]


@PROPS
@given(spec=layers(active=False), data=st.data())
def test_with_time_off_counts_of_always_eligible_members_differ_by_at_most_one(
    spec: LayerSpec, data: st.DataObject
) -> None:
    begin = turn_start(spec, 0)
    roster = Roster({}, data.draw(time_offs(begin)))
    stop = turn_start(spec, data.draw(st.integers(1, 40)))
    turns = layer_turns(spec, roster, begin, stop)

    def covered(person: str, turn: Interval) -> bool:
        """Off for all of a (non-empty, always-active) turn: then not eligible."""
        spans = normalize(roster.time_off_spans(person, turn.start, turn.end))
        return not turn.empty and not subtract([turn], spans)

    always = [m for m in spec.members if not any(covered(m, t.bounds) for t in turns)]
    counts = [sum(t.holder == m for t in turns) for m in always]
    assert not counts or max(counts) - min(counts) <= 1
    for t in turns:  # the holder was eligible whenever anyone was
        if any(not covered(m, t.bounds) for m in spec.members):
            assert t.holder is not None and t.eligible and not covered(t.holder, t.bounds)


@PROPS
@given(scenario=scenarios())
def test_nobody_is_on_call_while_off_or_unavailable(
    scenario: tuple[ScheduleSpec, Roster, list[Override], datetime, datetime],
) -> None:
    spec, roster, _, start, end = scenario
    for lay in spec.layers:
        got = layer_shifts(lay, roster, start, end)
        for s in got.shifts:  # holders and covers serve only where they can
            assert roster.can_serve(s.person, s.start, s.end) == [Interval(s.start, s.end)]
        for g in got.gaps:  # a layer gap: nobody in the layer could serve
            assert all(roster.can_serve(m, g.start, g.end) == [] for m in lay.members)
    final = final_schedule(spec, roster, start, end)
    for g in final.gaps:  # a final gap: no started, active layer had anyone who could serve
        for lay in spec.layers:
            since = max(g.start, turn_start(lay, 0))
            active = active_intervals(lay.active, lay.zone, since, g.end)
            for m in lay.members:
                assert not intersect(active, roster.can_serve(m, g.start, g.end))


@PROPS
@given(scenario=scenarios(), pick=st.floats(0, 1))
def test_who_at_agrees_with_the_final_schedule(
    scenario: tuple[ScheduleSpec, Roster, list[Override], datetime, datetime], pick: float
) -> None:
    spec, roster, ovs, start, end = scenario
    moment = start + (end - start) * pick
    wide = final_schedule(
        spec, roster, moment - timedelta(days=30), moment + timedelta(days=30), overrides=ovs
    )
    found = next((s for s in wide.shifts if s.start <= moment < s.end), None)
    got = who_at(spec, roster, moment, overrides=ovs)
    if found is None:
        assert got is None
        return
    assert got is not None
    assert (got.person, got.source) == (found.person, found.source)
    if found.start > moment - timedelta(days=30):
        assert got.start == found.start
    if found.end < moment + timedelta(days=30):
        assert got.end == found.end


@PROPS
@given(spec=layers(active=False), data=st.data())
def test_skipping_turns_untouched_by_time_off_equals_a_full_replay(
    spec: LayerSpec, data: st.DataObject
) -> None:
    offs = data.draw(time_offs(turn_start(spec, 0)))
    k = data.draw(st.integers(0, 80))
    # whole-day availability changes nobody's eligibility but forces the turn-by-turn replay
    whole_day = {m: PersonSpec(m, BERLIN, ((0, 0),)) for m in spec.members}
    assert queue_at(spec, Roster({}, offs), k) == queue_at(spec, Roster(whole_day, offs), k)
