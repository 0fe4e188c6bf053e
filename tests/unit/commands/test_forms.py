"""The neutral form checks of :mod:`bot.commands.forms`: dates and clocks read in a zone, and
windows. Explicit tables; the DST rows are Europe/Berlin's 2026 changes (29 March 02:00 -> 03:00,
25 October 03:00 -> 02:00)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.commands.forms import MAX_REASON, TimeOffForm, Window, local_instant, window_errors
from bot.commands.forms import _reason as reason_of

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("day", "clock", "expected"),
    [
        ("2026-03-04", "00:00", utc("2026-03-03 23:00")),  # CET, UTC+1
        ("2026-03-29", "01:59", utc("2026-03-29 00:59")),  # the last minute before the gap
        ("2026-03-29", "03:00", utc("2026-03-29 01:00")),  # the first after it: CEST, UTC+2
        ("2026-10-25", "02:30", utc("2026-10-25 00:30")),  # happens twice: the first (CEST)
        ("2026-10-25", "03:00", utc("2026-10-25 02:00")),  # after the change: CET
        ("2026-03-04", "09:00:59", utc("2026-03-04 08:00")),  # seconds are dropped
    ],
)
def test_a_date_and_a_clock_in_the_zone(day: str, clock: str, expected: datetime) -> None:
    assert local_instant(day, clock, BERLIN, date_field="d", time_field="t") == (expected, {})


@pytest.mark.parametrize(
    ("day", "clock", "errors"),
    [
        (None, "09:00", {"d": "Pick a date."}),
        ("2026-03-04", None, {"t": "Pick a time."}),
        (None, None, {"d": "Pick a date.", "t": "Pick a time."}),
        ("04/03/2026", "9am", {"d": "“04/03/2026” is not a date.", "t": "“9am” is not a time."}),
        (
            "2026-03-29",
            "02:00",
            {
                "t": "02:00 on 29 Mar does not exist in Europe/Berlin (the clocks skip it); "
                "pick another time."
            },
        ),
        (
            "2026-03-29",
            "02:59",
            {
                "t": "02:59 on 29 Mar does not exist in Europe/Berlin "
                "(the clocks skip it); pick another time."
            },
        ),
    ],
)
def test_what_cannot_be_read_is_said_on_its_field(
    day: str | None, clock: str | None, errors: dict[str, str]
) -> None:
    assert local_instant(day, clock, BERLIN, date_field="d", time_field="t") == (None, errors)


@pytest.mark.parametrize(
    ("start", "end", "errors"),
    [
        (NOW, NOW + timedelta(minutes=1), {}),
        (NOW - timedelta(days=1), NOW + timedelta(minutes=1), {}),  # began already: fine
        (NOW, NOW, {"to_date": "The end must be after the start."}),
        (NOW, NOW - timedelta(hours=1), {"to_date": "The end must be after the start."}),
        (
            NOW - timedelta(days=2),
            NOW,  # ends exactly now: over
            {"to_date": "This window is over already; the past cannot be changed."},
        ),
        (NOW, NOW + timedelta(days=366), {}),
        (
            NOW,
            NOW + timedelta(days=366, minutes=1),
            {"to_date": "A window may be a year long at most."},
        ),
        (None, NOW, {}),  # a missing bound is its own field's error
        (NOW, None, {}),
    ],
)
def test_windows(start: datetime | None, end: datetime | None, errors: dict[str, str]) -> None:
    assert window_errors(start, end, NOW) == errors


def test_reasons_are_one_line_and_not_too_long() -> None:
    assert reason_of("  a\n dentist  ") == ("a dentist", {})
    assert reason_of("   ") == (None, {})
    assert reason_of("x" * MAX_REASON) == ("x" * MAX_REASON, {})
    assert reason_of("x" * (MAX_REASON + 1))[1] == {
        "reason": "Keep the reason under 500 characters."
    }


def test_a_form_without_a_person_is_the_actors() -> None:
    form = TimeOffForm(Window("2026-03-04", "00:00", "2026-03-05", "00:00"))
    assert (form.person, form.person_problem, form.reason) == (None, None, None)
