"""Phone number validity by country (Google's libphonenumber rules, via `phonenumbers`)."""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers

_CN_MOBILE = re.compile(r"1\d{10}")


@lru_cache(maxsize=100_000)
def _cn_mobile_block_valid(block: str) -> bool:
    """libphonenumber's verdict for a mainland mobile number block (its first 5 digits)."""
    return bool(phonenumbers.is_valid_number(phonenumbers.parse(block + "000000", "CN")))


def is_valid_phone(number: str, country: str) -> bool:
    """Most orders ship to mainland mobiles: those are judged by their 5-digit block (the
    unit libphonenumber's CN metadata allocates), without a full parse per order."""
    digits = number.replace(" ", "").replace("-", "")
    if digits.startswith("+86"):
        digits = digits[3:]
    if (country or "CN").upper() == "CN" and _CN_MOBILE.fullmatch(digits):
        return _cn_mobile_block_valid(digits[:5])
    return _is_valid_phone(number, country)


@lru_cache(maxsize=65536)
def _is_valid_phone(number: str, country: str) -> bool:
    """True when `number` is a valid number in `country` (or in the country its own +prefix
    names). Mainland mobile numbers are commonly written without +86 and with separators."""
    try:
        parsed = phonenumbers.parse(number, (country or "CN").upper())
    except phonenumbers.NumberParseException:
        return False
    return bool(phonenumbers.is_valid_number(parsed))
