"""Working calendars: when a warehouse works (shifts per weekday, holidays such as Spring
Festival, make-up working days), and time arithmetic in working hours.

    cal = WorkingCalendar.from_doc({"timezone": "Asia/Shanghai",
                                    "shifts": {"mon-fri": ["08:00-12:00", "13:00-22:00"]},
                                    "holidays": ["2027-02-05..2027-02-11"]})
    cal.add_working(start, timedelta(hours=2))   # two working hours after `start`
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from orderhub.domain.errors import FieldError

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_MAX_DAYS = 400  # a calendar with no working time in a year is an error, not a loop


_ALWAYS: dict[str, WorkingCalendar] = {}


@dataclass(frozen=True, slots=True)
class WorkingCalendar:
    timezone: str = "Asia/Shanghai"
    # weekday (0 = Monday) -> shifts as (start, end) local times; end may be 24:00 (time.max)
    shifts: dict[int, tuple[tuple[time, time], ...]] = field(default_factory=dict)
    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()  # make-up working days (调休) on a weekend

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @classmethod
    def always(cls, timezone: str = "Asia/Shanghai") -> WorkingCalendar:
        """Every hour of every day. One per time zone, shared: a policy without calendars
        asks for it for every order the twin consumer folds (do not change its shifts)."""
        hit = _ALWAYS.get(timezone)
        if hit is None:
            whole = ((time(0), time.max),)
            hit = _ALWAYS[timezone] = cls(timezone, {d: whole for d in range(7)})
        return hit

    @classmethod
    def from_doc(cls, doc: dict[str, Any], loc: str = "calendar") -> WorkingCalendar:
        errors: list[FieldError] = []
        cal = _parse(doc, loc, errors)
        if errors:
            from orderhub.domain.errors import InvalidInput

            raise InvalidInput(errors)
        return cal

    def as_doc(self) -> dict[str, Any]:
        return {
            "timezone": self.timezone,
            "shifts": {DAYS[d]: [f"{a:%H:%M}-{_end(b)}" for a, b in s]
                       for d, s in sorted(self.shifts.items())},
            "holidays": sorted(d.isoformat() for d in self.holidays),
            "workdays": sorted(d.isoformat() for d in self.workdays),
        }

    def _shifts_on(self, day: date) -> tuple[tuple[time, time], ...]:
        if day in self.holidays:
            return ()
        if day in self.workdays:  # a make-up day works a normal weekday's shifts
            return self.shifts.get(0, ()) or next(iter(self.shifts.values()), ())
        return self.shifts.get(day.weekday(), ())

    def _windows(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Working windows (UTC start, UTC end) from `start` on, in order."""
        tz = self.tz
        local = start.astimezone(tz)
        day = local.date()
        for _ in range(_MAX_DAYS):
            for a, b in self._shifts_on(day):
                ws = datetime.combine(day, a, tz).astimezone(UTC)
                we = (datetime.combine(day + timedelta(days=1), time(0), tz) if b == time.max
                      else datetime.combine(day, b, tz)).astimezone(UTC)
                if we > start:
                    yield max(ws, start), we
            day += timedelta(days=1)

    def add_working(self, start: datetime, duration: timedelta) -> datetime:
        """The moment `duration` of working time after `start` has passed."""
        left = duration
        for ws, we in self._windows(start):
            if we - ws >= left:
                return ws + left
            left -= we - ws
        return start + duration  # no working time for a year: fall back to plain time

    def working_between(self, start: datetime, end: datetime) -> timedelta:
        total = timedelta(0)
        if end <= start:
            return total
        for ws, we in self._windows(start):
            if ws >= end:
                break
            total += min(we, end) - ws
        return total

    def next_at(self, start: datetime, local: time) -> datetime:
        """The first `local` time-of-day on a working day at or after `start` (a carrier's
        cut-off): packed at 19:00 with an 18:00 cut-off is picked up tomorrow at 18:00."""
        tz = self.tz
        day = start.astimezone(tz).date()
        for _ in range(_MAX_DAYS):
            if self._shifts_on(day):
                at = datetime.combine(day, local, tz).astimezone(UTC)
                if at >= start:
                    return at
            day += timedelta(days=1)
        return start

    def end_of_day(self, day: date) -> datetime:
        """The end of a local calendar day (a promised delivery date's deadline), in UTC."""
        return datetime.combine(day + timedelta(days=1), time(0), self.tz).astimezone(UTC)


def _end(b: time) -> str:
    return "24:00" if b == time.max else f"{b:%H:%M}"


def _clock(text: str) -> time:
    if text == "24:00":
        return time.max
    hh, mm = text.split(":")
    if not (hh.isdigit() and mm.isdigit() and len(hh) <= 2 and len(mm) == 2):
        raise ValueError(text)
    return time(int(hh), int(mm))


def _days(spec: str) -> list[int]:
    out: list[int] = []
    for part in spec.lower().split(","):
        part = part.strip()
        if "-" in part:
            a, b = part.split("-")
            i, j = DAYS.index(a), DAYS.index(b)
            out.extend(range(i, j + 1) if i <= j else [*range(i, 7), *range(0, j + 1)])
        else:
            out.append(DAYS.index(part))
    return out


def _dates(items: Any, loc: str, errors: list[FieldError]) -> frozenset[date]:
    out: set[date] = set()
    if not isinstance(items, list):
        errors.append(FieldError(loc, "a list of dates (YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD)"))
        return frozenset()
    for i, item in enumerate(items):
        try:
            if not isinstance(item, str):
                raise ValueError
            a, _, b = item.partition("..")
            first, last = date.fromisoformat(a), date.fromisoformat(b or a)
            if last < first or (last - first).days > 366:
                raise ValueError
            out.update(first + timedelta(days=n) for n in range((last - first).days + 1))
        except ValueError:
            errors.append(FieldError(f"{loc}.{i}", "not a date or a date range "
                                     "(YYYY-MM-DD..YYYY-MM-DD, at most a year)"))
    return frozenset(out)


def _merged(shifts: list[tuple[time, time]]) -> tuple[tuple[time, time], ...]:
    """A day's shifts as disjoint windows: overlapping or repeated ones (`mon-fri` and
    `mon` both listing 08:00-18:00) are one window, so no hour counts twice."""
    out: list[tuple[time, time]] = []
    for a, b in sorted(shifts):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return tuple(out)


def _parse(doc: Any, loc: str, errors: list[FieldError]) -> WorkingCalendar:
    if not isinstance(doc, dict):
        errors.append(FieldError(loc, "an object with timezone, shifts, holidays, workdays"))
        return WorkingCalendar.always()
    unknown = set(doc) - {"timezone", "shifts", "holidays", "workdays"}
    for key in sorted(unknown):
        errors.append(FieldError(f"{loc}.{key}", "unknown field"))
    tz = doc.get("timezone", "Asia/Shanghai")
    try:
        if not isinstance(tz, str) or not tz or len(tz) > 64:
            raise ZoneInfoNotFoundError
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # "America" is a directory
        errors.append(FieldError(f"{loc}.timezone", f"unknown time zone {tz!r}"))
        tz = "Asia/Shanghai"
    shifts: dict[int, list[tuple[time, time]]] = {}
    raw = doc.get("shifts")
    if raw is None:
        shifts = {d: [(time(0), time.max)] for d in range(7)}
    elif not isinstance(raw, dict):
        errors.append(FieldError(f"{loc}.shifts", "an object: days -> list of HH:MM-HH:MM"))
    else:
        for spec, ranges in raw.items():
            try:
                days = _days(spec)
            except ValueError:
                errors.append(FieldError(f"{loc}.shifts.{spec}",
                                         "days are mon..sun, ranges (mon-fri) or lists"))
                continue
            if not isinstance(ranges, list):
                errors.append(FieldError(f"{loc}.shifts.{spec}", "a list of HH:MM-HH:MM"))
                continue
            for i, r in enumerate(ranges):
                try:
                    a_text, b_text = str(r).split("-")
                    a, b = _clock(a_text.strip()), _clock(b_text.strip())
                    if a >= b:
                        raise ValueError
                except ValueError:
                    errors.append(FieldError(f"{loc}.shifts.{spec}.{i}",
                                             f"{r!r} is not HH:MM-HH:MM with start before end"))
                    continue
                for d in days:
                    shifts.setdefault(d, []).append((a, b))
    return WorkingCalendar(
        tz, {d: _merged(s) for d, s in shifts.items()},
        _dates(doc.get("holidays", []), f"{loc}.holidays", errors),
        _dates(doc.get("workdays", []), f"{loc}.workdays", errors))
