"""The page helpers: time zone names from viewers, durations, local times."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from web.render import duration, local_time, zone_or_none


@pytest.mark.parametrize(
    ("name", "known"),
    [
        ("Europe/Berlin", True),
        ("UTC", True),
        ("America/Chicago", True),
        ("America", False),  # a folder of the zone database: OSError, not a zone
        ("Etc", False),
        ("Nowhere/Else", False),
        ("../etc/passwd", False),
        ("/etc/localtime", False),
        ("Europe/../UTC", False),
        ("", False),
        (None, False),
        ("A" * 70, False),
        ("Europe/Berlin\x00", False),
    ],
)
def test_zone_names_from_viewers(name: str | None, known: bool) -> None:
    assert (zone_or_none(name) is not None) is known


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (None, "—"),
        (0, "0s"),
        (59, "59s"),
        (60, "1m"),
        (3599, "59m"),
        (3600, "1h 00m"),
        (3900, "1h 05m"),
        (86399, "23h 59m"),
        (86400, "1d 0h"),
        (2 * 86400 + 4 * 3600, "2d 4h"),
    ],
)
def test_durations(seconds: int | None, shown: str) -> None:
    assert duration(seconds) == shown


def test_local_times_in_the_viewers_zone_and_a_bad_zone_falls_back_to_utc() -> None:
    at = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # 03:30 CEST, just after Berlin's change
    assert local_time(at, "Europe/Berlin", "%H:%M %Z") == "03:30 CEST"
    assert local_time(at, "America", "%H:%M %Z") == "01:30 UTC"
    assert local_time(None, "UTC") == "—"
