"""Exchange rates: a tenant's dated rates into its base currency, and conversions.

A tenant judges money in one base currency (CNY unless it says otherwise). A rate says how
many units of the base currency one unit of another currency is worth from its effective
date on, and where the figure came from ("PBOC central parity", "manual", ...). The rate
used for an amount is the latest one effective on or before the amount's date; one older
than the tenant's staleness limit (`max_age_days`) is not used: the amount cannot be
converted, and a check that needs it holds the order (`HoldCode.FX_RATE_MISSING`) instead
of judging it. `RateTable` holds what a batch needs, loaded once (no per-order queries).

    table = RateTable("CNY", 7, rates)
    found = table.convert(Decimal("12.00"), "USD", date(2026, 12, 3))
    found.describe()  # 'USD 12.00 = CNY 85.44 at 7.12 (2026-12-01, manual)'

Pure: no I/O, no clock.
"""

from __future__ import annotations

import csv
import io
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from orderhub.domain.errors import FieldError, InvalidInput
from orderhub.domain.money import ZERO, decimals_of, is_known_currency, quantize

DEFAULT_BASE = "CNY"
DEFAULT_MAX_AGE_DAYS = 7
MAX_AGE_LIMIT = 366
MANUAL = "manual"
MAX_RATE = Decimal("1e9")
RATE_DECIMALS = 6  # as stored (and as central parities are published: 4 to 6)
MAX_SOURCE = 120
CSV_COLUMNS = ("currency", "rate", "effective_date", "source")


@dataclass(frozen=True, slots=True)
class FxSettings:
    """A tenant's base currency and how old a rate may be and still be used."""

    base_currency: str = DEFAULT_BASE
    max_age_days: int = DEFAULT_MAX_AGE_DAYS


@dataclass(frozen=True, slots=True)
class FxRate:
    """One unit of `currency` is worth `rate` units of the base currency from
    `effective_date` on."""

    currency: str
    effective_date: date
    rate: Decimal
    source: str = MANUAL


@dataclass(frozen=True, slots=True)
class Conversion:
    """An amount converted into the base currency: what an operator sees and what is kept."""

    amount: Decimal
    currency: str
    converted: Decimal
    base: str
    rate: Decimal
    effective_date: date | None  # None: no conversion was needed (already the base)
    source: str

    def describe(self) -> str:
        if self.effective_date is None:
            return f"{self.currency} {self.amount}"
        return (f"{self.currency} {self.amount} = {self.base} {self.converted} at "
                f"{_plain(self.rate)} ({self.effective_date.isoformat()}, {self.source})")

    def as_dict(self) -> dict[str, Any]:
        return {"amount": str(self.amount), "currency": self.currency,
                "converted": str(self.converted), "base": self.base,
                "rate": _plain(self.rate),
                "effective_date": self.effective_date.isoformat() if self.effective_date
                else None, "source": self.source, "text": self.describe()}


@dataclass(frozen=True, slots=True)
class FxMissing:
    """Why an amount cannot be converted: no rate, only a stale one, or not a currency."""

    currency: str
    base: str
    on: date
    reason: str  # "no_rate" | "stale" | "unknown_currency"
    latest: FxRate | None = None
    max_age_days: int = DEFAULT_MAX_AGE_DAYS

    def message(self) -> str:
        if self.reason == "unknown_currency":
            return f"'{self.currency}' is not an ISO 4217 currency code; the order cannot be " \
                   "judged on money"
        if self.reason == "stale" and self.latest is not None:
            return (f"the latest {self.currency}->{self.base} rate "
                    f"({_plain(self.latest.rate)}, {self.latest.effective_date.isoformat()}) "
                    f"is older than {self.max_age_days} days on {self.on.isoformat()}; "
                    "load a current rate (orderhub fx set / fx load)")
        return (f"no {self.currency}->{self.base} exchange rate effective on "
                f"{self.on.isoformat()}; load one (orderhub fx set / fx load)")

    def message_zh(self) -> str:
        if self.reason == "unknown_currency":
            return f"「{self.currency}」不是 ISO 4217 货币代码，无法按金额校验"
        if self.reason == "stale" and self.latest is not None:
            return (f"{self.currency}->{self.base} 的最新汇率（{_plain(self.latest.rate)}，"
                    f"{self.latest.effective_date.isoformat()}）已超过 {self.max_age_days} 天，"
                    "请录入当前汇率")
        return f"缺少 {self.on.isoformat()} 有效的 {self.currency}->{self.base} 汇率，请录入"

    def as_dict(self) -> dict[str, Any]:
        return {"currency": self.currency, "base": self.base, "on": self.on.isoformat(),
                "reason": self.reason, "message_zh": self.message_zh(),
                "latest": None if self.latest is None else {
                    "rate": _plain(self.latest.rate),
                    "effective_date": self.latest.effective_date.isoformat(),
                    "source": self.latest.source}}


def _plain(d: Decimal) -> str:
    text = format(d.normalize(), "f")
    return text


@dataclass
class RateTable:
    """The rates a batch needs, by currency, oldest first."""

    base: str = DEFAULT_BASE
    max_age_days: int = DEFAULT_MAX_AGE_DAYS
    rates: Mapping[str, list[FxRate]] = field(default_factory=dict)
    _dates: dict[str, list[date]] = field(init=False, repr=False)
    _factors: dict[date, tuple[tuple[str, Decimal], ...]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._dates = {c: [r.effective_date for r in rs] for c, rs in self.rates.items()}
        self._factors = {}

    @classmethod
    def of(cls, settings: FxSettings, rates: Iterable[FxRate]) -> RateTable:
        by: dict[str, list[FxRate]] = {}
        for r in rates:
            by.setdefault(r.currency, []).append(r)
        for rs in by.values():
            rs.sort(key=lambda r: r.effective_date)
        return cls(settings.base_currency, settings.max_age_days, by)

    def rate_for(self, currency: str, on: date) -> FxRate | FxMissing:
        """The rate effective on `on` (the latest on or before it), unless it is stale; with
        none usable on or before it, the first one after it within the staleness limit (a
        backlog of orders placed before the table's first day is judged at its first rate,
        not held because the rates were loaded later; an older stale rate changes nothing)."""
        if currency == self.base:
            return FxRate(currency, on, Decimal(1), "base currency")
        if not is_known_currency(currency):
            return FxMissing(currency, self.base, on, "unknown_currency")
        dates = self._dates.get(currency)
        if not dates:
            return FxMissing(currency, self.base, on, "no_rate", None, self.max_age_days)
        i = bisect_right(dates, on)
        found = self.rates[currency][i - 1] if i else None
        if found is not None and (on - found.effective_date).days <= self.max_age_days:
            return found
        # none on or before the day, or only a stale one (an order placed before the rates
        # were loaded): the first one after it, if it is within the staleness limit
        if i < len(dates) and (dates[i] - on).days <= self.max_age_days:
            return self.rates[currency][i]
        if found is None:
            return FxMissing(currency, self.base, on, "no_rate", None, self.max_age_days)
        return FxMissing(currency, self.base, on, "stale", found, self.max_age_days)

    def convert(self, amount: Decimal, currency: str, on: date) -> Conversion | FxMissing:
        """`amount` of `currency` in the base currency, at the rate effective on `on`."""
        if currency == self.base:
            return Conversion(amount, currency, amount, self.base, Decimal(1), None, "")
        found = self.rate_for(currency, on)
        if isinstance(found, FxMissing):
            return found
        return Conversion(amount, currency, quantize(amount * found.rate, self.base),
                          self.base, found.rate, found.effective_date, found.source)

    def factors_on(self, on: date) -> tuple[tuple[str, Decimal], ...]:
        """Every currency of the table with a usable rate on `on`, and that rate (worked out
        once per day: a batch's orders share a few days)."""
        hit = self._factors.get(on)
        if hit is not None:
            return hit
        out = []
        for currency in self.rates:
            found = self.rate_for(currency, on)
            if isinstance(found, FxRate):
                out.append((currency, found.rate))
        self._factors[on] = tuple(out)
        return self._factors[on]

    def to_base_factor(self, currency: str, on: date) -> Decimal | FxMissing:
        """The multiplier from `currency` to the base currency on `on` (1 for the base)."""
        found = self.rate_for(currency, on)
        return found if isinstance(found, FxMissing) else found.rate


# ----- input ------------------------------------------------------------------------------

def check_rate(currency: Any, rate: Any, effective_date: Any, source: Any, loc: str,
               base: str = DEFAULT_BASE) -> tuple[FxRate | None, list[FieldError]]:
    """One rate from user input (API body, CSV row, CLI), or the field errors it has."""
    errors: list[FieldError] = []
    code = str(currency or "").strip().upper()
    if not is_known_currency(code):
        errors.append(FieldError(f"{loc}currency",
                                 f"'{currency}' is not an ISO 4217 currency code"))
    elif code == base:
        errors.append(FieldError(f"{loc}currency",
                                 f"{code} is the base currency; its rate is always 1"))
    value: Decimal | None = None
    try:
        value = Decimal(str(rate).strip().replace(",", "")) if rate not in (None, "") else None
    except (InvalidOperation, ValueError):
        value = None
    if value is None or not value.is_finite() or value <= ZERO or value >= MAX_RATE:
        errors.append(FieldError(f"{loc}rate",
                                 f"'{rate}' is not a positive number (base units per unit)"))
    elif decimals_of(value) > RATE_DECIMALS:
        errors.append(FieldError(f"{loc}rate", f"at most {RATE_DECIMALS} decimals"))
    day: date | None = None
    if isinstance(effective_date, date):
        day = effective_date
    else:
        try:
            day = date.fromisoformat(str(effective_date or "").strip())
        except ValueError:
            errors.append(FieldError(f"{loc}effective_date",
                                     f"'{effective_date}' is not a date (YYYY-MM-DD)"))
    text = str(source or "").strip() or MANUAL
    if len(text) > MAX_SOURCE:
        errors.append(FieldError(f"{loc}source", f"at most {MAX_SOURCE} characters"))
    if errors or value is None or day is None:
        return None, errors
    return FxRate(code, day, value, text), []


def check_settings(base_currency: Any, max_age_days: Any) -> FxSettings:
    errors: list[FieldError] = []
    code = str(base_currency or "").strip().upper()
    if not is_known_currency(code):
        errors.append(FieldError("base_currency",
                                 f"'{base_currency}' is not an ISO 4217 currency code"))
    if (not isinstance(max_age_days, int) or isinstance(max_age_days, bool)
            or not 0 <= max_age_days <= MAX_AGE_LIMIT):
        errors.append(FieldError("max_age_days", f"must be a whole number 0..{MAX_AGE_LIMIT}"))
    if errors:
        raise InvalidInput(errors)
    return FxSettings(code, int(max_age_days))


def parse_rates_csv(text: str, base: str = DEFAULT_BASE) -> list[FxRate]:
    """A rate file: a header with `currency,rate,effective_date` (`source` optional; a
    missing one is "manual"), one rate per row. Refused as a whole, every bad row named by
    its line and field (`line 3: rate`), so nothing of a broken file is applied."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in CSV_COLUMNS[:3] if c not in header]
    if missing:
        raise InvalidInput([FieldError("line 1", "the header lacks " + ", ".join(missing)
                                       + f" (expected {','.join(CSV_COLUMNS)})")])
    unknown = [h for h in header if h not in CSV_COLUMNS]
    if unknown:
        raise InvalidInput([FieldError("line 1", "unknown column(s) " + ", ".join(unknown)
                                       + f" (expected {','.join(CSV_COLUMNS)})")])
    rates: list[FxRate] = []
    errors: list[FieldError] = []
    seen: dict[tuple[str, date], int] = {}
    for row in reader:
        line = reader.line_num
        values = {(k or "").strip().lower(): v for k, v in row.items()}
        if None in row:
            errors.append(FieldError(f"line {line}", "more fields than the header names"))
            continue
        if not any((v or "").strip() for v in values.values()):
            continue  # a blank line
        rate, errs = check_rate(values.get("currency"), values.get("rate"),
                                values.get("effective_date"), values.get("source"),
                                f"line {line}: ", base)
        errors += errs
        if rate is not None:
            key = (rate.currency, rate.effective_date)
            if key in seen:
                errors.append(FieldError(f"line {line}: effective_date",
                                         f"{rate.currency} on {rate.effective_date} is "
                                         f"already on line {seen[key]}"))
            seen[key] = line
            rates.append(rate)
    if errors:
        raise InvalidInput(errors)
    if not rates:
        raise InvalidInput([FieldError("line 2", "the file has no rates")])
    return rates


def money_in(amount: Decimal, currency: str, table: RateTable | None, on: date
             ) -> Conversion | FxMissing:
    """`amount` in the base currency of `table`; without a table the amount stands as it is
    (the hub judges number to number only when no tenant setting exists)."""
    if table is None:
        return Conversion(amount, currency, amount, currency, Decimal(1), None, "")
    return table.convert(amount, currency, on)
