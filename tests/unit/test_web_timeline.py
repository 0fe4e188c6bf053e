"""The dashboard's timeline geometry: clipping, minimum width, ticks at local midnights."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from web.timeline import WIDTH, Segment, timeline

START = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)  # Mon 2 Mar 00:00 in Chicago (CST, UTC-6)
END = START + timedelta(days=14)


def test_segments_are_clipped_to_the_window_and_dropped_outside_it() -> None:
    found = timeline(
        START,
        END,
        "America/Chicago",
        [
            (
                "primary",
                [
                    Segment(START - timedelta(days=1), START + timedelta(days=7), "anna"),
                    Segment(END - timedelta(days=7), END + timedelta(days=3), "gap", "gap"),
                    Segment(END + timedelta(days=1), END + timedelta(days=2), "later"),
                ],
            )
        ],
    )
    bars = found.tracks[0].bars
    assert [(b.label, b.x, b.width) for b in bars] == [
        ("anna", 0.0, WIDTH / 2),
        ("gap", WIDTH / 2, WIDTH / 2),
    ]
    assert bars[0].start == START and bars[1].end == END


def test_a_tiny_segment_is_still_one_unit_wide() -> None:
    found = timeline(
        START, END, "UTC", [("t", [Segment(START, START + timedelta(seconds=5), "x")])]
    )
    assert found.tracks[0].bars[0].width == 1.0


def test_day_ticks_sit_at_local_midnight_across_the_dst_change() -> None:
    found = timeline(START, END, "America/Chicago", [])
    # 15 local midnights: the window starts at one, and its end (06:00 UTC on 16 March) is
    # 01:00 CDT, an hour past the 15th; 8 March 2026 is the spring-forward day
    assert len(found.ticks) == 15
    assert found.ticks[-1].at == datetime(2026, 3, 16, 5, 0, tzinfo=UTC)
    assert found.ticks[0].at == START
    assert found.ticks[6].at == datetime(2026, 3, 8, 6, 0, tzinfo=UTC)  # CST midnight
    assert found.ticks[7].at == datetime(2026, 3, 9, 5, 0, tzinfo=UTC)  # CDT midnight
    assert [t.label for t in found.ticks[:2]] == ["Mon 02", "Tue 03"]


def test_a_short_window_has_six_hourly_ticks() -> None:
    found = timeline(START, START + timedelta(days=1), "UTC", [])
    assert [t.label for t in found.ticks] == ["06:00", "12:00", "18:00", "00:00"]


def test_an_empty_or_inverted_window_is_refused() -> None:
    with pytest.raises(ValueError, match="after its start"):
        timeline(START, START, "UTC", [])
