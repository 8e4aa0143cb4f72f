"""Currencies and amounts. Money is Decimal, quantised to the currency's minor unit."""

from __future__ import annotations

from decimal import Decimal

# ISO 4217 minor units for the currencies the hub accepts.
CURRENCY_DECIMALS: dict[str, int] = {
    "CNY": 2,
    "HKD": 2,
    "TWD": 2,
    "MOP": 2,
    "USD": 2,
    "EUR": 2,
    "GBP": 2,
    "JPY": 0,
    "KRW": 0,
    "SGD": 2,
    "AUD": 2,
    "CAD": 2,
    "NZD": 2,
    "CHF": 2,
    "SEK": 2,
    "NOK": 2,
    "DKK": 2,
    "THB": 2,
    "MYR": 2,
    "IDR": 2,
    "VND": 0,
    "PHP": 2,
    "INR": 2,
    "AED": 2,
    "SAR": 2,
    "KWD": 3,
    "BHD": 3,
    "RUB": 2,
    "BRL": 2,
    "MXN": 2,
}

ZERO = Decimal("0")


def is_known_currency(code: str) -> bool:
    return code in CURRENCY_DECIMALS


def decimals_of(amount: Decimal) -> int:
    exponent = amount.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def fits_currency(amount: Decimal, currency: str) -> bool:
    """True when the amount has no more decimals than the currency's minor unit allows."""
    allowed = CURRENCY_DECIMALS[currency]
    exponent = amount.as_tuple().exponent
    # As written (10.5, 7): no more digits after the point than allowed, so none once
    # trailing zeros are dropped either; only longer ones (10.500) need normalising.
    if isinstance(exponent, int) and -exponent <= allowed:
        return True
    return decimals_of(amount) <= allowed


# The quantum for each number of decimals (Decimal(1).scaleb(-n)), built once.
_QUANTA: dict[int, Decimal] = {}


def quantize(amount: Decimal, currency: str) -> Decimal:
    places = CURRENCY_DECIMALS[currency]
    quantum = _QUANTA.get(places)
    if quantum is None:
        quantum = _QUANTA[places] = Decimal(1).scaleb(-places)
    return amount.quantize(quantum)
