"""Nearest-rank percentiles: each row is the values (minutes), p, and the expected value."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.metrics.stats import median, percentile

M = timedelta(minutes=1)

ROWS = [
    ([], 50, None),  # nothing to measure
    ([None, None], 90, None),  # unknown values are left out
    ([5], 50, 5),
    ([5], 90, 5),
    ([1, 2, 3, 4], 50, 2),  # even count: the lower middle value (rank ceil(2.0) = 2)
    ([4, 1, 3, 2], 50, 2),  # order does not matter
    ([1, 2, 3], 50, 2),
    ([1, 2, 3, 4, 5, 6, 7, 8, 9], 90, 9),  # fewer than ten: the largest (rank ceil(8.1) = 9)
    (list(range(1, 11)), 90, 9),  # rank exactly 9
    (list(range(1, 12)), 90, 10),  # rank ceil(9.9) = 10
    (list(range(1, 71)), 90, 63),
    (list(range(1, 101)), 7, 7),  # 7 / 100 * 100 is 7.000000000000001 in floats: exact here
    ([None, 10, 20], 50, 10),
    ([1, 2, 3], 100, 3),
]


@pytest.mark.parametrize(("values", "p", "expected"), ROWS)
def test_percentile(values: list[int | None], p: int, expected: int | None) -> None:
    measured = [None if v is None else v * M for v in values]
    assert percentile(measured, p) == (None if expected is None else expected * M)


def test_median_is_the_50th() -> None:
    assert median([3 * M, 1 * M, 2 * M, 4 * M]) == 2 * M


@pytest.mark.parametrize("p", [0, -1, 100.5])
def test_a_percentile_out_of_range_is_refused(p: float) -> None:
    with pytest.raises(ValueError, match="percentile"):
        percentile([M], p)


@given(
    st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=60),
    st.integers(min_value=1, max_value=100),
    st.integers(min_value=1, max_value=100),
)
def test_percentiles_are_measured_values_and_grow_with_p(values: list[int], p: int, q: int) -> None:
    given_values = [timedelta(seconds=v) for v in values]
    low, high = sorted((p, q))
    found = percentile(given_values, low)
    assert found in given_values
    assert found is not None and found <= (percentile(given_values, high) or found)
    at_or_below = sum(1 for v in given_values if v <= found)
    assert at_or_below * 100 >= low * len(values)  # at least p% of the values are <= it
