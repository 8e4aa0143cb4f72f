"""The promotion calendar the simulator and the calendar adjustment share: 618 (the run-up
from 1 June to 18 June), Double 11 (1 to 11 November, the day itself the peak) and the
Spring Festival (the week before it busy, the holiday week itself quiet: couriers stop)."""

from __future__ import annotations

from datetime import date, timedelta

# Lunar New Year's day (春节), as published; later years extend the table.
SPRING_FESTIVAL: dict[int, date] = {
    2022: date(2022, 2, 1), 2023: date(2023, 1, 22), 2024: date(2024, 2, 10),
    2025: date(2025, 1, 29), 2026: date(2026, 2, 17), 2027: date(2027, 2, 6),
    2028: date(2028, 1, 26), 2029: date(2029, 2, 13), 2030: date(2030, 2, 3),
}

PROMOTIONS = ("618", "double11", "spring_festival_rush", "spring_festival_holiday")


def promotion(day: date) -> str | None:
    """The promotion `day` belongs to, or None on an ordinary day."""
    if day.month == 6 and 1 <= day.day <= 18:
        return "618"
    if day.month == 11 and 1 <= day.day <= 11:
        return "double11"
    festival = SPRING_FESTIVAL.get(day.year)
    if festival is not None:
        if festival - timedelta(days=10) <= day < festival - timedelta(days=3):
            return "spring_festival_rush"
        if festival - timedelta(days=3) <= day <= festival + timedelta(days=6):
            return "spring_festival_holiday"
    return None


def peak_day(day: date) -> bool:
    """The promotion's own day (18 June, 11 November), when demand is highest."""
    return (day.month, day.day) in {(6, 18), (11, 11)}


# ----- the calendar adjustment (modelling.py) ----------------------------------------------
# Promotion days distort a statistical model's level (a spike read as a new level) and are
# invisible to it in the future. So before fitting, each promotion day is replaced by the
# series' ordinary level around it (`cleanse`); after forecasting, each future promotion
# day is multiplied by the uplift of its kind (`uplift`), learnt globally: pooled over
# every series, actual / ordinary level on that kind of day in the history. A kind not
# seen in the history (Double 11 when the history starts in December) takes the pooled
# uplift of the sales promotions that were seen; the peak day's extra factor likewise.

_SALES = ("618", "double11")
_BASE_DAYS = 28


def _kind(day: date) -> str | None:
    promo = promotion(day)
    if promo is None:
        return None
    return f"{promo}_peak" if peak_day(day) else promo


def _ordinary_level(values: list[float], start: date, i: int) -> float | None:
    """Mean of the non-promotion days in the `_BASE_DAYS` before day i (else after)."""
    for lo, hi in ((max(0, i - _BASE_DAYS), i), (i + 1, min(len(values), i + 1 + _BASE_DAYS))):
        ordinary = [values[j] for j in range(lo, hi)
                    if promotion(start + timedelta(days=j)) is None]
        if len(ordinary) >= 7:
            return sum(ordinary) / len(ordinary)
    return None


def cleanse(values: list[float], start: date) -> list[float]:
    out = list(values)
    for i in range(len(values)):
        if promotion(start + timedelta(days=i)) is not None:
            level = _ordinary_level(values, start, i)
            if level is not None:
                out[i] = level
    return out


def uplifts(series: list[tuple[date, list[float]]]) -> dict[str, float]:
    """Uplift per kind of promotion day, pooled over the series."""
    actual: dict[str, float] = {}
    ordinary: dict[str, float] = {}
    for start, values in series:
        for i, v in enumerate(values):
            kind = _kind(start + timedelta(days=i))
            if kind is None:
                continue
            level = _ordinary_level(values, start, i)
            if level is None:
                continue
            actual[kind] = actual.get(kind, 0.0) + v
            ordinary[kind] = ordinary.get(kind, 0.0) + level
    out = {k: actual[k] / ordinary[k] for k in actual if ordinary[k] > 0}
    for suffix in ("", "_peak"):
        seen = [k + suffix for k in _SALES if k + suffix in out]
        if seen:
            pooled = (sum(actual[k] for k in seen) / sum(ordinary[k] for k in seen))
            for k in _SALES:
                out.setdefault(k + suffix, pooled)
    return out


def uplift(day: date, factors: dict[str, float]) -> float:
    kind = _kind(day)
    return 1.0 if kind is None else factors.get(kind, 1.0)
