"""Phone number validity by country (Google's libphonenumber rules, via `phonenumbers`)."""

from __future__ import annotations

from functools import lru_cache

import phonenumbers


@lru_cache(maxsize=65536)
def is_valid_phone(number: str, country: str) -> bool:
    """True when `number` is a valid number in `country` (or in the country its own +prefix
    names). Mainland mobile numbers are commonly written without +86 and with separators."""
    try:
        parsed = phonenumbers.parse(number, (country or "CN").upper())
    except phonenumbers.NumberParseException:
        return False
    return bool(phonenumbers.is_valid_number(parsed))
