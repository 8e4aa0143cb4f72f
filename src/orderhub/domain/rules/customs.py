"""Per-destination limits on a cross-border parcel's declared value, as data. Above the
limit a parcel cannot enter under the destination's simplified low-value regime (China's
cross-border e-commerce retail import, a de minimis exemption): the cross-border check
holds the order for a person (split it, or clear it formally).

Each entry names its legal source; a tenant overrides or adds entries through the
`cross_border` rule's `limits` parameter (country -> {"amount", "currency"}), so a change
in law is a rule change, not a release. Destinations not listed (Hong Kong and Macau are
free ports) have no limit here. Figures as of 2026-12; review them when the law changes.
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
        "财关税〔2018〕49号 (5,000 CNY per transaction, 26,000 CNY a year, from 2019-01-01)"),
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


def limit_for(country: str, overrides: Mapping[str, Any] | None = None) -> ValueLimit | None:
    """The limit for parcels to `country`: the rule's own entry, else the table's."""
    entry = (overrides or {}).get(country)
    if isinstance(entry, Mapping):
        try:
            amount = Decimal(str(entry.get("amount")))
        except (InvalidOperation, ValueError):
            amount = Decimal("nan")
        if amount.is_finite():
            return ValueLimit(country, amount, str(entry.get("currency", "")).upper(),
                              "the rule's own limit", "validation rule parameter limits")
    return LIMITS.get(country)


def valid_limits(value: Any) -> bool:
    """A rule's `limits` parameter: country code -> {"amount": >= 0, "currency": ISO}."""
    if not isinstance(value, Mapping):
        return False
    for country, entry in value.items():
        if not (isinstance(country, str) and len(country) == 2 and isinstance(entry, Mapping)
                and set(entry) <= {"amount", "currency"}):
            return False
        try:
            amount = Decimal(str(entry.get("amount")))
        except (InvalidOperation, ValueError):
            return False
        currency = entry.get("currency")
        if not (amount.is_finite() and amount >= 0 and isinstance(currency, str)
                and len(currency) == 3 and currency.isalpha()):
            return False
    return True
