"""Which country an address is in, however it was written: ISO codes, English and Chinese
names (`中国`, `美国`, `Hong Kong`), and the Hong Kong, Macau and Taiwan addresses Chinese
platforms and spreadsheets file under China (province `香港特别行政区`, `澳門`, `台灣省`,
or a street line that begins with them). Those get their own codes, HK, MO and TW, and are
judged by their own rules, not as mainland provinces. Pure text rules, no I/O."""

from __future__ import annotations

import re
from dataclasses import replace

from orderhub.domain.order import Address

# Names (lower case, spaces removed) -> ISO 3166-1 alpha-2.
_NAMES: dict[str, str] = {
    "cn": "CN", "chn": "CN", "china": "CN", "中国": "CN", "中國": "CN", "中华人民共和国": "CN",
    "中国大陆": "CN", "mainlandchina": "CN", "prc": "CN",
    "hk": "HK", "hkg": "HK", "hongkong": "HK", "hongkongsar": "HK", "香港": "HK",
    "中国香港": "HK", "中國香港": "HK", "香港特别行政区": "HK", "香港特別行政區": "HK",
    "mo": "MO", "mac": "MO", "macau": "MO", "macao": "MO", "macaosar": "MO", "澳门": "MO",
    "澳門": "MO", "中国澳门": "MO", "中國澳門": "MO", "澳门特别行政区": "MO",
    "澳門特別行政區": "MO",
    "tw": "TW", "twn": "TW", "taiwan": "TW", "台湾": "TW", "台灣": "TW", "臺灣": "TW",
    "中国台湾": "TW", "中國台灣": "TW", "台湾省": "TW", "台灣省": "TW", "臺灣省": "TW",
    "us": "US", "usa": "US", "unitedstates": "US", "unitedstatesofamerica": "US",
    "美国": "US", "美國": "US",
    "gb": "GB", "uk": "GB", "unitedkingdom": "GB", "greatbritain": "GB", "英国": "GB",
    "英國": "GB",
    "de": "DE", "deu": "DE", "germany": "DE", "deutschland": "DE", "德国": "DE", "德國": "DE",
    "jp": "JP", "jpn": "JP", "japan": "JP", "日本": "JP",
    "kr": "KR", "korea": "KR", "southkorea": "KR", "韩国": "KR", "韓國": "KR",
    "sg": "SG", "singapore": "SG", "新加坡": "SG",
    "au": "AU", "australia": "AU", "澳大利亚": "AU", "澳洲": "AU",
    "ca": "CA", "canada": "CA", "加拿大": "CA",
    "fr": "FR", "france": "FR", "法国": "FR", "法國": "FR",
    "nz": "NZ", "newzealand": "NZ", "新西兰": "NZ", "紐西蘭": "NZ",
}
_ISO = re.compile(r"^[A-Za-z]{2}$")
# A Hong Kong, Macau or Taiwan name at the start of a province or street line.
_SAR = re.compile(r"^\s*(?:中国|中國)?\s*(?P<name>香港|澳门|澳門|台湾|台灣|臺灣)"
                  r"(?:特别行政区|特別行政區|地区|地區|省)?\s*")
_SAR_CODE = {"香港": "HK", "澳门": "MO", "澳門": "MO", "台湾": "TW", "台灣": "TW", "臺灣": "TW"}
_MAINLAND = ("", "CN")


def country_code(text: str) -> str:
    """An ISO code for a country however written; "" when not recognised (an unknown
    two-letter code is kept, upper-cased: the address rules judge it)."""
    key = re.sub(r"[\s._\-]", "", text or "").lower()
    if not key:
        return ""
    if key in _NAMES:
        return _NAMES[key]
    return text.strip().upper() if _ISO.match(text.strip()) else ""


def recognise_region(a: Address) -> Address:
    """The address with its country worked out: a written country name becomes its code,
    and a "China" address whose province (or, with no province, street line) names Hong
    Kong, Macau or Taiwan becomes HK, MO or TW with that name taken out. The other
    divisions stay as written (a platform's city `九龙` or `台北市`, district `油尖旺区`):
    adapters/world_address.py reads them where each region's rules look."""
    code = country_code(a.country) or a.country.strip().upper()
    if code not in _MAINLAND:
        return a if code == a.country else replace(a, country=code)
    m = _SAR.match(a.province) if a.province else None
    field = "province"
    if m is None and not a.province:
        m = _SAR.match(a.line1)
        field = "line1"
    if m is None:
        return a if a.country == (code or "CN") else replace(a, country=code or "CN")
    region = _SAR_CODE[m["name"]]
    rest = (a.province if field == "province" else a.line1)[m.end():].strip()
    if field == "province":
        return replace(a, country=region, province=rest)
    return replace(a, country=region, line1=rest)


# Mainland China's provincial-level divisions by their official full names; the short forms
# marketplaces and shops write (江苏, 上海, 内蒙古, 广西) are stored as the full name, the
# form operators search by and couriers' order APIs take.
CN_PROVINCES = (
    "北京市", "天津市", "上海市", "重庆市", "河北省", "山西省", "辽宁省", "吉林省", "黑龙江省",
    "江苏省", "浙江省", "安徽省", "福建省", "江西省", "山东省", "河南省", "湖北省", "湖南省",
    "广东省", "海南省", "四川省", "贵州省", "云南省", "陕西省", "甘肃省", "青海省",
    "内蒙古自治区", "广西壮族自治区", "西藏自治区", "宁夏回族自治区", "新疆维吾尔自治区",
)
_CN_SUFFIXES = ("壮族自治区", "回族自治区", "维吾尔自治区", "自治区", "省", "市")


def _cn_short(name: str) -> str:
    for suffix in _CN_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


_CN_FULL = {_cn_short(n): n for n in CN_PROVINCES}


def mainland_province(name: str) -> str:
    """The official full name of a mainland province written short or full (`上海` ->
    `上海市`, `广西` -> `广西壮族自治区`); anything else as written."""
    text = name.strip()
    return _CN_FULL.get(_cn_short(text), text) if text else text
