"""Movers' segments (快动销 / 慢动销 / 间歇性需求), after Syntetos and Boylan: a series
with an average inter-demand interval (ADI) of 1.32 days or more is intermittent; of the
rest, one selling under `SLOW_MEAN` units a day on average is a slow mover, else fast."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

ADI_CUTOFF = 1.32  # Syntetos-Boylan
SLOW_MEAN = 2.0  # units per day


class Segment(StrEnum):
    FAST = "fast"
    SLOW = "slow"
    INTERMITTENT = "intermittent"


def adi(values: Sequence[float]) -> float:
    """Average interval between days with demand (inf without any)."""
    nonzero = sum(1 for v in values if v > 0)
    return len(values) / nonzero if nonzero else float("inf")


def segment(values: Sequence[float]) -> Segment:
    if not values or adi(values) >= ADI_CUTOFF:
        return Segment.INTERMITTENT
    mean = sum(values) / len(values)
    return Segment.SLOW if mean < SLOW_MEAN else Segment.FAST
