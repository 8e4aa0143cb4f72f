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
