"""The dashboard's bar chart geometry: proportions, zero rows, the mean line, bad values."""

from __future__ import annotations

import math

import pytest

from web.bars import ROW, SCALE, bar_chart


def test_the_largest_value_gets_the_full_scale_and_the_others_in_proportion() -> None:
    chart = bar_chart("Pages", [("anna", 4), ("lukas", 2), ("sofia", 1)])
    assert [r.width for r in chart.rows] == [SCALE, SCALE / 2, SCALE / 4]
    assert [r.label for r in chart.rows] == ["anna", "lukas", "sofia"]  # the order given
    assert [r.y for r in chart.rows] == [0, ROW, 2 * ROW]
    assert [r.text for r in chart.rows] == ["4", "2", "1"]


def test_the_mean_line_is_at_the_mean_value() -> None:
    chart = bar_chart("Hours", [("a", 10), ("b", 0), ("c", 20)], fmt=lambda v: f"{v:.1f} h")
    assert chart.mean == 10.0
    assert chart.mean_text == "10.0 h"
    assert chart.mean_x == SCALE / 2
    assert chart.rows[1].width == 0.0  # a zero bar: nothing drawn but its label and value
    assert chart.rows[1].text == "0.0 h"


def test_a_tiny_value_stays_visible() -> None:
    chart = bar_chart("x", [("big", 100000), ("tiny", 1)])
    assert chart.rows[1].width == 1.0


def test_all_zeros_and_no_rows() -> None:
    zeros = bar_chart("x", [("a", 0), ("b", 0)])
    assert [r.width for r in zeros.rows] == [0.0, 0.0]
    assert (zeros.mean, zeros.mean_x, zeros.empty) == (0.0, 0.0, True)
    none = bar_chart("x", [])
    assert (none.rows, none.mean, none.height, none.empty) == ((), 0.0, 20, True)


def test_height_grows_with_the_rows() -> None:
    assert bar_chart("x", [("a", 1)] * 4).height == 4 * ROW + 20


@pytest.mark.parametrize("bad", [-1, math.nan, math.inf])
def test_negative_or_non_finite_values_are_refused(bad: float) -> None:
    with pytest.raises(ValueError):
        bar_chart("x", [("a", 1), ("b", bad)])
