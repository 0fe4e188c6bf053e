"""Schedule computation speed: prints figures, asserts nothing (house rule 9).

Run: ``.venv/bin/python -m bench.schedules`` (or ``make bench``). Three measurements:

1. who is on call now for 1,000 schedules (weekly and daily rotations, some with windows);
2. a year of final schedule for one schedule of three layers, 20 overrides and 30 time off;
3. the same three rotations written as iCalendar RRULE events (one recurring event per member
   and layer, as Grafana OnCall stores them) expanded over the year with
   ``recurring-ical-events``, and the ratio of (3) to (2). The RRULE expansion does less work
   than (2): no time off, no covers, no overrides, no stacking of layers;
4. who is on call now for 1,000 schedules whose top layer has one of issue 15's forms
   (``until`` and ``rotation_start``, ``skip``, ``shift``, ``days_of_month``, ``turn: active``)
   over a weekly layer; the first call of each, which counts the active units since 2024, is
   measured separately.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from core.schedule.final import final_schedule, who_at
from core.schedule.model import (
    LayerSpec,
    Override,
    PersonSpec,
    ScheduleSpec,
    TimeOff,
    WeeklyWindow,
)
from core.schedule.roster import Roster

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
CHICAGO = ZoneInfo("America/Chicago")
WEEKDAYS = frozenset(range(5))


def timed(func: Callable[[], object], repeat: int) -> tuple[float, float]:
    """(median, best) wall time of ``func`` in milliseconds over ``repeat`` runs.

    Garbage is collected before the runs, so a collection left over from setting up one side
    does not land in the other's timings.
    """
    gc.collect()
    samples = []
    for _ in range(repeat):
        begin = time.perf_counter()
        func()
        samples.append((time.perf_counter() - begin) * 1000)
    return statistics.median(samples), min(samples)


def many_schedules(count: int) -> list[ScheduleSpec]:
    """``count`` schedules: weekly or daily primaries, every third with a business-hours layer."""
    out = []
    for i in range(count):
        members = tuple(f"p{(i * 7 + k) % 400}" for k in range(3 + i % 6))
        layers = [
            LayerSpec(
                id="primary",
                members=members,
                rotation="weekly" if i % 2 else "daily",
                every=1 + i % 2,
                start=datetime(2024, 1, 1 + i % 28, 9, 0),
                zone=CHICAGO,
            )
        ]
        if i % 3 == 0:
            layers.append(
                LayerSpec(
                    id="office",
                    members=members[::-1],
                    rotation="daily",
                    every=1,
                    start=datetime(2024, 1, 1, 9, 0),
                    zone=CHICAGO,
                    active=(WeeklyWindow(WEEKDAYS, 9 * 60, 17 * 60),),
                )
            )
        out.append(ScheduleSpec(id=f"s{i}", zone=CHICAGO, layers=tuple(layers)))
    return out


MEMBERS = ("ann", "bob", "cat", "dan", "eve", "fay")


def three_layers() -> ScheduleSpec:
    """A weekly primary, a daily business-hours layer and a weekend layer (wins on weekends)."""
    return ScheduleSpec(
        id="year",
        zone=CHICAGO,
        layers=(
            LayerSpec("weekly", MEMBERS, "weekly", 1, datetime(2025, 1, 6, 9, 0), CHICAGO),
            LayerSpec(
                "office",
                MEMBERS[::-1],
                "daily",
                1,
                datetime(2025, 1, 6, 9, 0),
                CHICAGO,
                active=(WeeklyWindow(WEEKDAYS, 9 * 60, 17 * 60),),
            ),
            LayerSpec(
                "weekend",
                MEMBERS[1::2],
                "weekly",
                1,
                datetime(2025, 1, 4, 0, 0),
                CHICAGO,
                active=(WeeklyWindow(frozenset({5, 6}), 0, 0),),
            ),
        ),
    )


def year_inputs() -> tuple[Roster, list[Override]]:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    time_off = [
        TimeOff(
            MEMBERS[i % 6], start + timedelta(days=11 * i + 1), start + timedelta(days=11 * i + 4)
        )
        for i in range(30)
    ]
    overrides = [
        Override(
            MEMBERS[(i + 3) % 6],
            start + timedelta(days=17 * i, hours=20),
            start + timedelta(days=17 * i, hours=30),
            i,
        )
        for i in range(20)
    ]
    people = {m: PersonSpec(m, CHICAGO, None) for m in MEMBERS}
    return Roster(people, time_off), overrides


def rrule_calendar() -> bytes:
    """The three rotations as one recurring VEVENT per member and layer."""
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//bench//")
    cal.add("version", "2.0")
    spec = three_layers()
    for layer in spec.layers:
        n = len(layer.members)
        unit = {"weekly": timedelta(weeks=1), "daily": timedelta(days=1)}[layer.rotation]
        for k, member in enumerate(layer.members):
            event = Event()
            begin = (layer.start + unit * k).replace(tzinfo=CHICAGO)
            if layer.id == "office":
                end, byday = begin.replace(hour=17), "MO,TU,WE,TH,FR"
                rule = {"freq": "daily", "interval": n, "byday": byday.split(",")}
            elif layer.id == "weekend":
                end = begin + timedelta(days=2)
                rule = {"freq": "weekly", "interval": n}
            else:
                end = begin + unit
                rule = {"freq": "weekly", "interval": n}
            event.add("uid", f"{layer.id}-{member}")
            event.add("summary", member)
            event.add("dtstart", begin)
            event.add("dtend", end)
            event.add("rrule", rule)
            cal.add_component(event)
    return bytes(cal.to_ical())


def main() -> None:
    print("Schedule computation benchmark (core/schedule), one process, this machine")
    schedules = many_schedules(1000)
    roster = Roster({})
    who_all = lambda: [who_at(s, roster, NOW) for s in schedules]  # noqa: E731
    who_all()  # warm the caches once, as a running server has them
    median, best = timed(who_all, 7)
    print(
        f"who is on call now, 1,000 schedules:      median {median:8.1f} ms   best {best:8.1f} ms"
    )

    spec = three_layers()
    year_roster, overrides = year_inputs()
    year_start, year_end = datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
    final = final_schedule(spec, year_roster, year_start, year_end, overrides=overrides)
    ours, ours_best = timed(
        lambda: final_schedule(spec, year_roster, year_start, year_end, overrides=overrides), 25
    )
    print(
        f"a year of final schedule (3 layers, 20 overrides, 30 time off,"
        f" {len(final.shifts)} shifts):"
        f" median {ours:8.1f} ms   best {ours_best:8.1f} ms"
    )

    import recurring_ical_events
    from icalendar import Calendar

    body = rrule_calendar()

    def expand() -> int:
        calendar = Calendar.from_ical(body)
        return len(recurring_ical_events.of(calendar).between(year_start, year_end))

    occurrences = expand()
    theirs, theirs_best = timed(expand, 9)
    print(
        f"the same rotations as RRULE events, recurring-ical-events ({occurrences} occurrences):"
        f" median {theirs:8.1f} ms   best {theirs_best:8.1f} ms"
    )
    print(f"ratio (RRULE expansion / our final schedule, medians): {theirs / ours:6.1f}x")

    shaped = shaped_schedules(1000)
    first = timed(lambda: [who_at(s, roster, NOW) for s in shaped], 1)[0]
    median, best = timed(lambda: [who_at(s, roster, NOW) for s in shaped], 7)
    print(
        f"who is on call now, 1,000 layers of issue 15's forms: median {median:8.1f} ms"
        f"   best {best:8.1f} ms   (first call {first:.1f} ms)"
    )


def shaped_schedules(count: int) -> list[ScheduleSpec]:
    """``count`` schedules: a weekly layer under a layer of one of the new forms (in turn)."""
    out = []
    office = (WeeklyWindow(WEEKDAYS, 9 * 60, 17 * 60),)
    paydays = (WeeklyWindow(frozenset(range(7)), 0, 0, frozenset({1, 15, -1})),)
    for i in range(count):
        members = tuple(f"p{(i * 7 + k) % 400}" for k in range(3 + i % 6))
        start = datetime(2024, 1, 1 + i % 28, 9, 0)
        forms: list[dict[str, object]] = [
            {"until": datetime(2026, 12, 1 + i % 28), "rotation_start": datetime(2025, 6, 1)},
            {"skip": 1 + i % 2},
            {"shift": timedelta(hours=3)},
            {"active": paydays},
            {"active": office, "turn": "active"},
            {"active": paydays, "turn": "active"},
        ]
        form = forms[i % len(forms)]
        top = LayerSpec(
            "top",
            members[::-1],
            "daily",
            1 + i % 3,
            start,
            CHICAGO,
            **form,  # type: ignore[arg-type]
        )
        weekly = LayerSpec("weekly", members, "weekly", 1, start, CHICAGO)
        out.append(ScheduleSpec(id=f"f{i}", zone=CHICAGO, layers=(weekly, top)))
    return out


if __name__ == "__main__":
    main()
