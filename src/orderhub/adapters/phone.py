"""Phone numbers (Google's libphonenumber rules, via `phonenumbers`): validity by country,
and what a recipient's number is, with its E.164 form (`classify_phone`).

Marketplaces hide buyers' numbers: Taobao/Tmall and Douyin send masks (`138****1234`),
JD and Pinduoduo virtual numbers whose last part is an extension the platform routes
(`13800138000-1234`, `13800138000转1234`, `... ext. 1234`). Those are recognised as such:
they are not invalid, and they are not normalised as if they were the buyer's own number.
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers

from orderhub.domain.address import PhoneStatus

_CN_MOBILE = re.compile(r"1\d{10}")
# A masked number: at least three digits hidden by *, ＊, • or ● (runs may be split by
# separators: `(+1)213-***-1234`), or by a run of x between digits (`138xxxx1234`).
_MASK_CHARS = re.compile(r"[*＊•●]")
_MASK_X = re.compile(r"\d[\s\-]*[xX]{3,}[\s\-]*\d")
# An explicit extension: 转 (transfer), ext/ext./x, # or a comma after the number.
_EXTENSION = re.compile(r"^(?P<base>.*?\d)\s*(?:转|轉|分机|ext\.?|x|#|,|，)\s*(?P<ext>\d{1,6})\s*$",
                        re.IGNORECASE)
# A trailing -1234 / _1234 group: an extension when the part before is a whole number.
_DASH_EXTENSION = re.compile(r"^(?P<base>.*?\d)\s*[-－—_]\s*(?P<ext>\d{1,6})\s*$")
_CN_PREFIX = re.compile(r"^(?:\+|00)?86")


@lru_cache(maxsize=100_000)
def _cn_mobile_block_valid(block: str) -> bool:
    """libphonenumber's verdict for a mainland mobile number block (its first 5 digits)."""
    return bool(phonenumbers.is_valid_number(phonenumbers.parse(block + "000000", "CN")))


def _cn_mobile(number: str) -> str | None:
    """The 11 digits of a mainland mobile written with or without +86/0086 and separators."""
    digits = re.sub(r"[\s\-()（）]", "", number)
    if digits.startswith(("+86", "0086")) or (digits.startswith("86") and len(digits) == 13):
        digits = _CN_PREFIX.sub("", digits)
    return digits if _CN_MOBILE.fullmatch(digits) else None


def is_valid_phone(number: str, country: str) -> bool:
    """Most orders ship to mainland mobiles: those are judged by their 5-digit block (the
    unit libphonenumber's CN metadata allocates), without a full parse per order."""
    digits = number.replace(" ", "").replace("-", "")
    if digits.startswith("+86"):
        digits = digits[3:]
    if (country or "CN").upper() == "CN" and _CN_MOBILE.fullmatch(digits):
        return _cn_mobile_block_valid(digits[:5])
    return _is_valid_phone(number, country)


def _region(country: str) -> str:
    code = (country or "CN").upper()
    return code if code in phonenumbers.SUPPORTED_REGIONS else "CN"


@lru_cache(maxsize=65536)
def _is_valid_phone(number: str, country: str) -> bool:
    """True when `number` is a valid number in `country` (or in the country its own +prefix
    names). Mainland mobile numbers are commonly written without +86 and with separators."""
    return _e164(number, country) is not None


@lru_cache(maxsize=65536)
def _e164(number: str, country: str) -> str | None:
    """The number in E.164 when it is a valid number of `country` (or of the country its
    own + prefix names), else None."""
    region = _region(country)
    if region == "CN":
        mobile = _cn_mobile(number)
        if mobile is not None:
            return "+86" + mobile if _cn_mobile_block_valid(mobile[:5]) else None
    candidates = [number]
    text = number.strip()
    if text.startswith("00"):
        # Mainland platforms write other regions' numbers with the mainland's international
        # prefix (0085292524696); the ship-to region's own prefix may differ (Hong Kong: 001)
        candidates.append("+" + text[2:])
    for candidate in candidates:
        try:
            parsed = phonenumbers.parse(candidate, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(parsed):
            return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return None


def classify_phone(number: str, country: str) -> tuple[PhoneStatus, str]:
    """What a recipient's number is and its E.164 form (only for a real, valid number):
    the region is the ship-to country's (a number with its own + prefix keeps its own)."""
    text = (number or "").strip()
    if not text:
        return PhoneStatus.MISSING, ""
    if _CN_MOBILE.fullmatch(text) and (country or "CN").upper() == "CN":
        # Most orders: a bare mainland mobile, judged by its block (no parse, no cache entry)
        if _cn_mobile_block_valid(text[:5]):
            return PhoneStatus.VALID, "+86" + text
        return PhoneStatus.INVALID, ""
    if len(_MASK_CHARS.findall(text)) >= 3 or _MASK_X.search(text):
        return PhoneStatus.MASKED, ""
    explicit = _EXTENSION.match(text)
    if explicit and _e164(explicit["base"], country):
        return PhoneStatus.VIRTUAL, ""
    e164 = _e164(text, country)
    if e164 is not None:
        return PhoneStatus.VALID, e164
    dashed = _DASH_EXTENSION.match(text)
    if dashed and _e164(dashed["base"], country):
        return PhoneStatus.VIRTUAL, ""
    return PhoneStatus.INVALID, ""


def search_forms(number: str) -> list[str]:
    """The forms a searched number's orders may be indexed under (each normalised by the
    blind index as any number is): the number as written (orders stored before issue 16,
    and customers' phones, are indexed so), its E.164 form (recipients' numbers since) and
    for an international number its national form. A national number names no country:
    it is read in each region where it is a valid number (a few at most)."""
    text = number.strip()
    out = [text]
    if not text or _MASK_CHARS.search(text) or _MASK_X.search(text):
        return out
    compact = re.sub(r"[\s\-()（）.]", "", text)
    if compact.startswith(("+", "00")):
        try:
            parsed = phonenumbers.parse("+" + compact.lstrip("+0") if compact.startswith("00")
                                        else compact, None)
        except phonenumbers.NumberParseException:
            return out
        if phonenumbers.is_valid_number(parsed):
            out.append(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))
            out.append(phonenumbers.format_number(parsed,
                                                  phonenumbers.PhoneNumberFormat.NATIONAL))
        return list(dict.fromkeys(out))
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        try:
            parsed = phonenumbers.parse(compact, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number_for_region(parsed, region):
            out.append(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))
    return list(dict.fromkeys(out))
