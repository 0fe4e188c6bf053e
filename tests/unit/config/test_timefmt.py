"""Parsing of times, spans, dates, durations, zones and days, with every refusal."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from core.config import timefmt


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("00:00", 0), ("09:00", 540), ("9:30", 570), ("23:59", 1439), ("24:00", 1440)],
)
def test_clock_parses(text: str, minutes: int) -> None:
    assert timefmt.parse_clock(text) == minutes


@pytest.mark.parametrize("text", ["24:01", "25:00", "09:60", "0900", "9am", "", "09:00:00", 540])
def test_clock_refuses(text: object) -> None:
    with pytest.raises(ValueError):
        timefmt.parse_clock(text)


def test_clock_24_only_as_end() -> None:
    with pytest.raises(ValueError, match="only as the end"):
        timefmt.parse_clock("24:00", allow_24=False)


@pytest.mark.parametrize("minutes", [0, 1, 59, 60, 540, 1439, 1440])
def test_clock_round_trips(minutes: int) -> None:
    assert timefmt.parse_clock(timefmt.format_clock(minutes)) == minutes


@pytest.mark.parametrize(
    ("text", "span"),
    [("07:00-23:00", (420, 1380)), ("22:00-06:00", (1320, 360)), ("00:00-24:00", (0, 1440))],
)
def test_span(text: str, span: tuple[int, int]) -> None:
    assert timefmt.parse_span(text) == span
    assert timefmt.parse_span(timefmt.format_span(span)) == span


@pytest.mark.parametrize("text", ["07:00", "07:00-23:00-01:00", "24:00-06:00", 7])
def test_span_refuses(text: object) -> None:
    with pytest.raises(ValueError):
        timefmt.parse_span(text)


def test_local_datetime() -> None:
    assert timefmt.parse_local_datetime("2026-01-05 09:00") == datetime(2026, 1, 5, 9, 0)
    assert timefmt.parse_local_datetime("2026-01-05T09:00") == datetime(2026, 1, 5, 9, 0)
    # A wall-clock time that does not exist in Chicago is still a valid reading of the clock.
    assert timefmt.parse_local_datetime("2020-03-08 02:30") == datetime(2020, 3, 8, 2, 30)


@pytest.mark.parametrize(
    "text", ["2026-02-30 09:00", "2026-13-01 09:00", "2026-01-05", "05.01.2026 09:00", None]
)
def test_local_datetime_refuses(text: object) -> None:
    with pytest.raises(ValueError):
        timefmt.parse_local_datetime(text)


@pytest.mark.parametrize(
    ("text", "delta", "canonical"),
    [
        ("30s", timedelta(seconds=30), "30s"),
        ("5m", timedelta(minutes=5), "5m"),
        ("90m", timedelta(minutes=90), "1h30m"),
        ("1h30m", timedelta(minutes=90), "1h30m"),
        ("2d", timedelta(days=2), "2d"),
    ],
)
def test_duration(text: str, delta: timedelta, canonical: str) -> None:
    assert timefmt.parse_duration(text) == delta
    assert timefmt.format_duration(delta) == canonical


@pytest.mark.parametrize("text", ["5", 5, "0m", "5 minutes", "m", "", "1m5h", True])
def test_duration_refuses(text: object) -> None:
    with pytest.raises(ValueError):
        timefmt.parse_duration(text)


def test_zone() -> None:
    assert str(timefmt.zone("America/Chicago")) == "America/Chicago"
    for bad in ("Mars/Olympus", "", " Europe/Berlin", "../etc/passwd", "A" * 5000):
        with pytest.raises(ValueError):
            timefmt.zone(bad)


@pytest.mark.parametrize(("text", "day"), [("mon", 0), ("SUN", 6), ("Wednesday", 2)])
def test_weekday(text: str, day: int) -> None:
    assert timefmt.parse_weekday(text) == day


@pytest.mark.parametrize("text", ["monx", "mo", "funday", 1])
def test_weekday_refuses(text: object) -> None:
    with pytest.raises(ValueError):
        timefmt.parse_weekday(text)


@pytest.mark.parametrize("text", ["9999-12-31 23:59", "9001-01-01 00:00", "1899-12-31 23:59"])
def test_readings_outside_years_1900_to_9000_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="write a year from 1900 to 9000"):
        timefmt.parse_local_datetime(text)
    assert timefmt.parse_local_datetime("9000-12-31 23:59") == datetime(9000, 12, 31, 23, 59)
    assert timefmt.parse_local_datetime("1900-01-01 00:00") == datetime(1900, 1, 1)
