"""Per-destination limits on a cross-border parcel's declared value, as data, each with
its legal source. Two kinds:

- a **cap** (`hold=True`): above it the parcel cannot enter under the destination's retail
  regime at all (China's cross-border e-commerce retail import: 5,000 CNY per transaction).
  The cross-border check holds such an order for a person (split it, or clear it as
  general trade).
- a **duty threshold** (`hold=False`: the US de minimis, the UK's 135 GBP, the EU's 150 EUR,
  Japan's 10,000 JPY, ...): above it the parcel pays duty or needs a formal entry, but may
  still be sent. It does not hold an order by itself; a tenant that wants such parcels
  stopped lists the destination in the rule's `limits` (each entry there is a cap).

A destination without a cap of its own is capped at the rule's `default_limit` (5,000 CNY
unless the rule says otherwise: the hub's per-parcel default since the C4 rule began, the
same figure as China's retail cap). A change in law is a rule change, not a release.
Figures as of 2026-12; review them when the law changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any


@dataclass(frozen=True, slots=True)
class ValueLimit:
    country: str
    amount: Decimal
    currency: str
    basis: str  # what the limit is
    source: str  # where it is written
    hold: bool = False  # a cap (an order above it is held), else a duty threshold

    def as_dict(self) -> dict[str, str]:
        return {"country": self.country, "amount": str(self.amount),
                "currency": self.currency, "basis": self.basis, "source": self.source}


_EU_SOURCE = ("Council Regulation (EC) No 1186/2009, art. 23 (customs duty relief for "
              "consignments of negligible value, EUR 150); the IOSS ceiling of Council "
              "Directive (EU) 2017/2455")
_EU = ("AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
       "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK")

LIMITS: dict[str, ValueLimit] = {
    "CN": ValueLimit(
        "CN", Decimal("5000"), "CNY",
        "cross-border e-commerce retail import: single-transaction limit "
        "(跨境电商零售进口单次交易限值)",
        "财政部 海关总署 税务总局《关于完善跨境电子商务零售进口税收政策的通知》"
        "财关税〔2018〕49号 (5,000 CNY per transaction, 26,000 CNY a year, from 2019-01-01)",
        hold=True),
    "US": ValueLimit(
        "US", Decimal("800"), "USD", "de minimis: duty-free administrative exemption",
        "19 U.S.C. §1321(a)(2)(C) (Trade Facilitation and Trade Enforcement Act of 2015). "
        "Suspended for all countries from 2025-08-29 (Executive Order 14324): set the "
        "rule's limits.US to 0 to hold every US parcel for formal entry"),
    "GB": ValueLimit(
        "GB", Decimal("135"), "GBP", "low-value consignment: VAT charged at sale, no import VAT",
        "HMRC, 'VAT and overseas goods sold directly to customers in the UK' (consignments "
        "not over GBP 135, from 2021-01-01)"),
    "JP": ValueLimit(
        "JP", Decimal("10000"), "JPY", "small-value import: duty and consumption tax exempt",
        "関税定率法 第14条第18号 / 同施行令 (課税価格の合計額が1万円以下の少額輸入貨物)"),
    "TW": ValueLimit(
        "TW", Decimal("2000"), "TWD", "low-value express import: duty free",
        "財政部 進口快遞貨物低價免稅限額 (NT$2,000, from 2018-07-01)"),
    "KR": ValueLimit(
        "KR", Decimal("150"), "USD", "list clearance for personal use: duty free",
        "관세법 시행규칙 제45조 (USD 150; USD 200 for goods from the US)"),
    "AU": ValueLimit(
        "AU", Decimal("1000"), "AUD", "low value goods: no duty or import GST at the border",
        "Customs Act 1901 / A New Tax System (GST) Act 1999, Div. 84 (AUD 1,000)"),
    "CA": ValueLimit(
        "CA", Decimal("150"), "CAD", "courier low value shipment: duty free (CUSMA)",
        "CBSA D8-2-16, Courier Imports Remission Order (CAD 150 duty, CAD 40 taxes)"),
    **{c: ValueLimit(c, Decimal("150"), "EUR",
                     "consignment of negligible value: customs duty relief", _EU_SOURCE)
       for c in _EU},
}


DEFAULT_LIMIT = ValueLimit("*", Decimal("5000"), "CNY", "the hub's default per-parcel cap",
                           "validation rule C4 default (the same figure as China's retail cap)",
                           hold=True)


def _entry(country: str, entry: Any, basis: str, source: str) -> ValueLimit | None:
    if not isinstance(entry, Mapping):
        return None
    try:
        amount = Decimal(str(entry.get("amount")))
    except (InvalidOperation, ValueError):
        return None
    if not amount.is_finite():
        return None
    return ValueLimit(country, amount, str(entry.get("currency", "")).upper(), basis, source,
                      hold=True)


def limit_for(country: str, overrides: Mapping[str, Any] | None = None,
              default: Any = None) -> ValueLimit:
    """The cap for parcels to `country`: the rule's own entry, else the table's cap, else
    the rule's `default_limit` (else DEFAULT_LIMIT)."""
    own = _entry(country, (overrides or {}).get(country), "the rule's own limit",
                 "validation rule parameter limits")
    if own is not None:
        return own
    table = LIMITS.get(country)
    if table is not None and table.hold:
        return table
    return _entry(country, default, "the rule's default per-parcel cap",
                  "validation rule parameter default_limit") or DEFAULT_LIMIT


def duty_threshold(country: str) -> ValueLimit | None:
    """The destination's duty threshold (de minimis), when the table has one."""
    table = LIMITS.get(country)
    return table if table is not None and not table.hold else None


def valid_limit(entry: Any) -> bool:
    """One limit: {"amount": >= 0, "currency": ISO code}."""
    if not (isinstance(entry, Mapping) and set(entry) <= {"amount", "currency"}):
        return False
    try:
        amount = Decimal(str(entry.get("amount")))
    except (InvalidOperation, ValueError):
        return False
    currency = entry.get("currency")
    return (amount.is_finite() and amount >= 0 and isinstance(currency, str)
            and len(currency) == 3 and currency.isalpha())


def valid_limits(value: Any) -> bool:
    """A rule's `limits` parameter: country code -> {"amount": >= 0, "currency": ISO}."""
    return isinstance(value, Mapping) and all(
        isinstance(country, str) and len(country) == 2 and valid_limit(entry)
        for country, entry in value.items())
