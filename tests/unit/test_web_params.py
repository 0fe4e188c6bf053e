"""Parameters shared by the dashboard's areas."""

from __future__ import annotations

from datetime import UTC

import pytest

from web.params import small_int, zone_param
from web.problems import ApiError


def test_zone_param() -> None:
    assert zone_param(None) is UTC
    assert str(zone_param("America/Chicago")) == "America/Chicago"
    for bad in ["America", "", "Nowhere/Else", "../../etc/passwd", "x" * 100]:
        with pytest.raises(ApiError) as caught:
            zone_param(bad)
        assert caught.value.status == 400
        assert "unknown time zone" in caught.value.detail


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("14", 14),
        ("1", 1),
        ("31", 31),
        ("0", None),
        ("32", None),
        ("", None),
        (None, None),
        ("²", None),
        ("١٤", None),
        ("-1", None),
        ("1.5", None),
        (" 7", None),
        ("9" * 5000, None),
    ],
)
def test_small_int(raw: str | None, value: int | None) -> None:
    assert small_int(raw, 1, 31) == value
