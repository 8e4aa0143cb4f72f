"""Bottom-up reconciliation across the hierarchy SKU × location → SKU → total: the
aggregate's point forecast is the sum of its children's, so the levels agree exactly.
Its intervals assume the children's errors independent: each child's spread is read from
its interval (half-width / z), the variances add, and the aggregate's interval is the sum
± z·√Σσ², floored at zero. (No MinT: it needs the error covariance of every pair, which
a year of daily history per series cannot estimate well; docs/forecasting.md.)"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

Z80 = 1.2815515655446004
Z95 = 1.959963984540054


@dataclass(frozen=True, slots=True)
class Point:
    day: date
    mean: float
    lo80: float
    hi80: float
    lo95: float
    hi95: float


def bottom_up(children: Iterable[Iterable[Point]]) -> list[Point]:
    """One aggregate series from its children's points (summed day by day)."""
    sums: dict[date, list[float]] = {}
    for child in children:
        for p in child:
            acc = sums.setdefault(p.day, [0.0, 0.0, 0.0])
            acc[0] += p.mean
            acc[1] += ((p.hi80 - p.lo80) / (2 * Z80)) ** 2
            acc[2] += ((p.hi95 - p.lo95) / (2 * Z95)) ** 2
    out = []
    for day in sorted(sums):
        mean, var80, var95 = sums[day]
        s80, s95 = math.sqrt(var80), math.sqrt(var95)
        out.append(Point(day, mean, max(0.0, mean - Z80 * s80), mean + Z80 * s80,
                         max(0.0, mean - Z95 * s95), mean + Z95 * s95))
    return out
