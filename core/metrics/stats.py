"""Percentiles of durations, nearest-rank.

The p-th percentile of n sorted values is the value at rank ``ceil(p / 100 * n)`` (1-based):
always one of the values, never an interpolation. The median is the 50th percentile, so of an
even count it is the lower of the two middle values (of 1, 2, 3, 4 minutes: 2 minutes); the
90th of fewer than ten values is the largest. No values: None.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import timedelta
from fractions import Fraction


def percentile(values: Iterable[timedelta | None], p: float) -> timedelta | None:
    """The nearest-rank ``p``-th percentile of the known ``values`` (None ones left out).

    ``ValueError`` for ``p`` outside ``(0, 100]``.
    """
    if not 0 < p <= 100:
        raise ValueError("a percentile is in (0, 100]")
    known = sorted(v for v in values if v is not None)
    if not known:
        return None
    # exact arithmetic: in floats 7 / 100 * 100 is 7.000000000000001, so rank 8
    rank = math.ceil(Fraction(str(p)) * len(known) / 100)
    return known[max(rank, 1) - 1]


def median(values: Iterable[timedelta | None]) -> timedelta | None:
    """The nearest-rank median (the lower middle value of an even count)."""
    return percentile(values, 50)
