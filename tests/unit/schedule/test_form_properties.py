"""Property tests of the layer forms of issue 15 (``until``, ``rotation_start``, ``skip``,
``shift``, ``days_of_month``, ``turn: active``): ``who_at`` agrees with ``final_schedule``, the
one-pass layer computation with the general fair round robin, and plain layers with a
brute-force reading of the rules (turns counted unit by unit on the wall clock).

Random layers of the new forms mixed with the existing ones, in America/Chicago and
Australia/Lord_Howe (a half-hour DST change), with time off, ``available`` hours, overrides and
checkpoints, around the DST changes of 2020.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from core.schedule.final import who_at
from core.schedule.layer import layer_shifts
from core.schedule.model import (
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
from tests.unit.schedule.helpers import BERLIN, CHICAGO, LORD_HOWE
from tests.unit.schedule.oracle import add_units as oracle_add_units
from tests.unit.schedule.oracle import (
    brute_key,
    brute_shift_wall,
    brute_turn,
    instant,
    opening,
    opens_on,
)
from tests.unit.schedule.test_fast_paths import (
    equal_the_straightforward_computation,
)
from tests.unit.schedule.test_who_at_direct import (
    BASES,
    POOL,
    TICK,
    agrees_at_bounds_and_dst_changes,
    checkpoints,
    layer_specs,
    quarter_hours,
)

PROPS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ROTATIONS: tuple[Rotation, ...] = ("hourly", "daily", "weekly", "monthly")
UNIT = {
    "hourly": timedelta(hours=1),
    "daily": timedelta(days=1),
    "weekly": timedelta(weeks=1),
    "monthly": timedelta(days=28),
}
# the 2020 DST changes the layers start near are all close to a month's end (-1)
DAYS_OF_MONTH = st.frozensets(st.sampled_from([*range(1, 32), -1, -1]), min_size=1, max_size=3)

windows = st.builds(
    WeeklyWindow,
    days=st.frozensets(st.integers(0, 6), min_size=1),
    from_min=st.integers(0, 47).map(lambda h: h * 30),
    to_min=st.integers(0, 48).map(lambda h: h * 30),
    days_of_month=st.none() | DAYS_OF_MONTH,
)


@st.composite
def shaped_layers(draw: st.DrawFn, zone: ZoneInfo, base: datetime) -> LayerSpec:
    """A layer with any mix of the new forms that the validator accepts."""
    rotation: Rotation = draw(st.sampled_from(ROTATIONS))
    every = draw(st.integers(1, 6 if rotation == "hourly" else 2))
    start = base + quarter_hours(draw(st.integers(-4 * 24 * 4, 4 * 24 * 4)))
    active = draw(st.none() | st.lists(windows, min_size=1, max_size=3).map(tuple))
    turn = "active" if active is not None and draw(st.booleans()) else "calendar"
    skip = 0 if turn == "active" else draw(st.sampled_from([0, 0, 1, 2]))
    until = rotation_start = shift = None
    if draw(st.booleans()):
        until = start + quarter_hours(draw(st.integers(1, 4 * 24 * 12)))
    if draw(st.booleans()):
        rotation_start = start + quarter_hours(draw(st.integers(0, 4 * 24 * 8)))
        if until is not None and rotation_start >= until:
            rotation_start = None
    if draw(st.booleans()):
        longest = UNIT[rotation] * every // timedelta(minutes=5)
        shift = timedelta(minutes=5) * draw(st.integers(1, max(longest, 1)))
    return LayerSpec(
        id=draw(st.sampled_from(["one", "two", "three"])),
        members=tuple(draw(st.lists(st.sampled_from(POOL), max_size=4))),
        rotation=rotation,
        every=every,
        start=start,
        zone=zone,
        active=active,
        until=until,
        rotation_start=rotation_start,
        skip=skip,
        shift=shift,
        turn=turn,  # type: ignore[arg-type]
    )


Scenario = tuple[
    ScheduleSpec, Roster, list[Override], dict[str, QueueCheckpoint], datetime, ZoneInfo
]


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    zone = draw(st.sampled_from([CHICAGO, LORD_HOWE]))
    base = draw(st.sampled_from(BASES[zone]))
    layer = shaped_layers(zone, base)
    layers = tuple(draw(st.lists(layer | layer_specs(zone, base), min_size=1, max_size=3)))
    anchor = base.replace(tzinfo=zone).astimezone(UTC)
    offsets = st.integers(-4 * 24 * 3, 4 * 24 * 10).map(quarter_hours)
    lengths = st.integers(0, 4 * 24 * 3).map(quarter_hours)
    time_off = [
        TimeOff(draw(st.sampled_from(POOL)), anchor + begin, anchor + begin + length)
        for begin, length in draw(st.lists(st.tuples(offsets, lengths), max_size=4))
    ]
    people = draw(
        st.dictionaries(
            st.sampled_from(POOL),
            st.tuples(
                st.sampled_from([BERLIN, CHICAGO, LORD_HOWE]),
                st.tuples(st.integers(0, 47), st.integers(0, 48)).map(
                    lambda t: (t[0] * 30, t[1] * 30)
                ),
            ),
            max_size=2,
        )
    )
    roster = Roster({p: PersonSpec(p, z, (span,)) for p, (z, span) in people.items()}, time_off)
    overrides = [
        Override(draw(st.sampled_from(POOL)), anchor + begin, anchor + begin + length, seq)
        for seq, (begin, length) in enumerate(
            draw(
                st.lists(st.tuples(offsets, st.integers(0, 4 * 24).map(quarter_hours)), max_size=2)
            )
        )
    ]
    spec = ScheduleSpec("s", zone, layers)
    return spec, roster, overrides, draw(checkpoints(layers, roster)), anchor, zone


@PROPS
@given(scenario=scenarios(), data=st.data())
def test_who_at_agrees_with_the_final_schedule_for_the_new_forms(
    scenario: Scenario, data: st.DataObject
) -> None:
    agrees_at_bounds_and_dst_changes(scenario, data)


@PROPS
@given(scenario=scenarios(), data=st.data())
def test_layer_shifts_equal_the_general_fair_round_robin_for_the_new_forms(
    scenario: Scenario, data: st.DataObject
) -> None:
    equal_the_straightforward_computation(scenario, data)


# A brute-force reading of the rules (tests/unit/schedule/oracle.py), for a layer whose
# members are always available


@st.composite
def plain_cases(draw: st.DrawFn) -> tuple[LayerSpec, datetime]:
    zone = draw(st.sampled_from([CHICAGO, LORD_HOWE]))
    base = draw(st.sampled_from(BASES[zone]))
    layer = draw(shaped_layers(zone, base))
    anchor = base.replace(tzinfo=zone).astimezone(UTC)
    moment = anchor + draw(st.integers(-4 * 24 * 3, 4 * 24 * 14).map(quarter_hours))
    return layer, moment + draw(st.sampled_from([timedelta(), TICK, -TICK]))


def edges(layer: LayerSpec, moment: datetime) -> list[datetime]:
    """Instants where the rules change near ``moment``: turn starts, ends of ``shift`` and of
    a turn's units before ``skip``, ``rotation_start``, ``until``, window bounds."""
    zone = layer.zone
    out = [moment]
    found = brute_turn(layer, moment)
    index = 0 if found is None else found[0]
    for k in (index - 1, index, index + 1):
        if k < 0:
            continue
        out.append(turn_start(layer, k))
        wall = brute_turn(layer, turn_start(layer, k))
        if layer.shift is not None and wall is not None:
            shift_from = brute_shift_wall(layer, wall[0], wall[1])
            out.append(instant(shift_from + layer.shift, zone))
        if layer.skip:
            on = oracle_add_units(layer.start, layer.rotation, k * layer.stride + layer.every)
            out.append(instant(on, zone))
    for reading in (layer.rotation_start, layer.until):
        if reading is not None:
            out.append(instant(reading, zone))
    today = moment.astimezone(zone).date()
    for w in layer.active or ():
        for day in (today + timedelta(days=d) for d in range(-2, 3)):
            if opens_on(w, day):
                out.extend(instant(reading, zone) for reading in opening(w, day))
    return [m + nudge for m in out for nudge in (timedelta(), -TICK)]


# daily from a Saturday (not an active unit), weekdays 09:00-17:00, 3-hour shifts: turn 0's
# shift counts from Monday 09:00, its first active unit
SATURDAY_START = LayerSpec(
    "one",
    ("A", "B", "C"),
    "daily",
    1,
    datetime(2026, 3, 7, 9, 0),
    CHICAGO,
    active=(WeeklyWindow(frozenset(range(5)), 9 * 60, 17 * 60),),
    shift=timedelta(hours=3),
    turn="active",
)


@PROPS
@given(case=plain_cases())
@example(case=(SATURDAY_START, datetime(2026, 3, 9, 15, tzinfo=UTC)))  # Monday 10:00 CDT
def test_plain_layers_follow_the_rules_read_unit_by_unit(case: tuple[LayerSpec, datetime]) -> None:
    layer, moment = case
    roster = Roster({})
    schedule = ScheduleSpec("s", layer.zone, (layer,))
    for here in edges(layer, moment):
        expected = brute_key(layer, here)
        got = who_at(schedule, roster, here)
        assert (None if got is None else got.person) == expected, here
        shifts = layer_shifts(layer, roster, here, here + TICK).shifts
        assert [s.person for s in shifts] == ([] if expected is None else [expected]), here
    found = brute_turn(layer, moment)
    assert turn_index_at(layer, moment) == (None if found is None else found[0])
    clock = TurnClock(layer)
    assert clock.index_at(moment) == turn_index_at(layer, moment)
    for k in range(0, 30, 7):
        assert clock.start(k) == turn_start(layer, k)
