"""Geometry of the dashboard's horizontal bar charts, drawn as SVG attributes.

The Content-Security-Policy forbids inline styles, so templates draw with attributes only:
:func:`bar_chart` turns values into bar widths in a view box :data:`WIDTH` units wide (labels
to the left of x=0, each bar's value written after it), and places a line at the mean, so that
one person carrying more than the others shows at a glance. Every chart of a page gets its
rows in the same order (the caller's).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

WIDTH = 1000.0
"""The width of the bars' area in view box units."""
SCALE = 880.0
"""The width of the longest bar (room is left after it for its value)."""
ROW = 24
"""The height of one row in view box units."""


@dataclass(frozen=True)
class BarRow:
    """One row: its label, value, the value as text, and the bar's geometry (``width`` 0 for
    a zero value: nothing is drawn but the label and the value)."""

    label: str
    value: float
    text: str
    y: int
    width: float


@dataclass(frozen=True)
class BarChart:
    """What ``load.html``'s macro draws: rows of bars and the mean line."""

    caption: str
    rows: tuple[BarRow, ...]
    mean: float
    mean_text: str
    mean_x: float

    @property
    def height(self) -> int:
        """The view box height: one row per bar plus the mean's label."""
        return ROW * len(self.rows) + 20

    @property
    def empty(self) -> bool:
        """True when every value is zero (or there are no rows)."""
        return all(r.value == 0 for r in self.rows)


def bar_chart(
    caption: str,
    rows: Sequence[tuple[str, float]],
    fmt: Callable[[float], str] = lambda v: f"{v:g}",
) -> BarChart:
    """Lay out ``rows`` (label, value) as horizontal bars, in the order given.

    The largest value gets :data:`SCALE` units, the others in proportion (a value above zero
    is at least one unit wide, so it stays visible). All zeros, or no rows: widths 0, mean 0
    at x=0. A negative or non-finite value is a :class:`ValueError`. ``fmt`` writes a value
    (and the mean) as text.
    """
    values = [float(v) for _, v in rows]
    if any(not (v >= 0) or v == float("inf") for v in values):
        raise ValueError("bar values must be finite and not negative")
    top = max(values, default=0.0)

    def x_of(value: float) -> float:
        return round(value / top * SCALE, 2) if top > 0 else 0.0

    laid = []
    for index, (label, value) in enumerate(rows):
        width = x_of(float(value))
        if value > 0:
            width = max(width, 1.0)
        laid.append(BarRow(label, float(value), fmt(float(value)), index * ROW, width))
    mean = sum(values) / len(values) if values else 0.0
    return BarChart(caption, tuple(laid), mean, fmt(mean), x_of(mean))
