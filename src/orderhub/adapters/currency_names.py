"""Currencies however a file or payload writes them, to ISO 4217 codes: the code itself
(any case), the common Chinese names (simplified and traditional: 人民币, 港币/港元, 美元,
新台币/台币, 欧元, 英镑, 日元, 韩元, 澳元, 加元, 新加坡元, ...), prefixed dollar signs (US$,
HK$, NT$, S$, A$, C$, NZ$, MOP$), RMB and the currency signs that name one currency (€, £,
₩, ₹, ...; 元, CN¥ and RMB¥ are the renminbi; 円 and JP¥ the yen), and
the long tail of ISO 4217 English names and their Chinese, German, French, Spanish,
Japanese and Korean translations as `pycountry` ships them (read offline from the wheel).

`currency_from_text` answers "" for what names no currency, and for an ambiguous sign
("$", "kr", and ¥/￥, which the yen and the renminbi both write: a Japanese file's
¥5000 read as CNY 5000 would be twenty times its value): a caller then refuses it with
its row and field. Three letters that are no ISO 4217 code ("XYZ") are returned as
written: intake holds such an order (`fx_rate_missing`), its payload kept, as it holds
one in a currency without a rate."""

from __future__ import annotations

import gettext
import re
import unicodedata
from functools import lru_cache

# fmt: off
NAMES: dict[str, str] = {
    # renminbi
    "RMB": "CNY", "人民币": "CNY", "人民幣": "CNY", "元": "CNY", "圆": "CNY",
    "CN¥": "CNY", "RMB¥": "CNY", "人民币元": "CNY", "人民幣元": "CNY",
    "CHINESE YUAN": "CNY", "YUAN": "CNY", "RENMINBI": "CNY", "YUAN RENMINBI": "CNY",
    # Hong Kong, Macau, Taiwan
    "港币": "HKD", "港幣": "HKD", "港元": "HKD", "港圆": "HKD", "港圓": "HKD", "HK$": "HKD",
    "HKD$": "HKD", "澳门元": "MOP", "澳門元": "MOP", "澳门币": "MOP", "澳門幣": "MOP",
    "葡币": "MOP", "葡幣": "MOP", "澳门帕塔卡": "MOP", "MOP$": "MOP", "PATACA": "MOP",
    "新台币": "TWD", "新臺幣": "TWD", "新台幣": "TWD", "台币": "TWD", "台幣": "TWD",
    "臺幣": "TWD", "新台币元": "TWD", "NT$": "TWD", "NTD": "TWD",
    # other currencies Chinese files name
    "美元": "USD", "美金": "USD", "美圆": "USD", "美圓": "USD", "US$": "USD", "USD$": "USD",
    "欧元": "EUR", "歐元": "EUR", "€": "EUR",
    "英镑": "GBP", "英鎊": "GBP", "£": "GBP", "GB£": "GBP",
    "日元": "JPY", "日圆": "JPY", "日圓": "JPY", "日币": "JPY", "日幣": "JPY", "円": "JPY",
    "JP¥": "JPY", "YEN": "JPY",
    "韩元": "KRW", "韓元": "KRW", "韩币": "KRW", "韓幣": "KRW", "韩圆": "KRW", "₩": "KRW",
    "WON": "KRW",
    "澳元": "AUD", "澳币": "AUD", "澳幣": "AUD", "澳大利亚元": "AUD", "澳洲元": "AUD",
    "A$": "AUD", "AU$": "AUD",
    "加元": "CAD", "加币": "CAD", "加幣": "CAD", "加拿大元": "CAD", "C$": "CAD", "CA$": "CAD",
    "新加坡元": "SGD", "新币": "SGD", "新幣": "SGD", "坡币": "SGD", "S$": "SGD", "SG$": "SGD",
    "新西兰元": "NZD", "新西蘭元": "NZD", "纽元": "NZD", "紐元": "NZD", "纽币": "NZD",
    "NZ$": "NZD",
    "瑞士法郎": "CHF", "瑞郎": "CHF",
    "泰铢": "THB", "泰銖": "THB", "฿": "THB",
    "林吉特": "MYR", "马币": "MYR", "馬幣": "MYR", "马来西亚林吉特": "MYR", "RM": "MYR",
    "卢布": "RUB", "盧布": "RUB", "俄罗斯卢布": "RUB", "₽": "RUB",
    "印度卢比": "INR", "₹": "INR", "越南盾": "VND", "₫": "VND",
    "菲律宾比索": "PHP", "₱": "PHP", "印尼盾": "IDR", "印度尼西亚盾": "IDR",
    "丹麦克朗": "DKK", "瑞典克朗": "SEK", "挪威克朗": "NOK",
    "南非兰特": "ZAR", "巴西雷亚尔": "BRL", "R$": "BRL", "墨西哥比索": "MXN",
    "阿联酋迪拉姆": "AED", "迪拉姆": "AED", "沙特里亚尔": "SAR", "土耳其里拉": "TRY",
    "以色列新谢克尔": "ILS", "₪": "ILS", "波兰兹罗提": "PLN", "捷克克朗": "CZK",
    "匈牙利福林": "HUF",
    "EURO": "EUR", "EUROS": "EUR",
    "POUND STERLING": "GBP", "STERLING": "GBP", "BRITISH POUND": "GBP",
}
# fmt: on
# Signs several currencies write (dollars, crowns, francs, pesos): not guessed.
AMBIGUOUS = frozenset({"$", "＄", "¥", "￥", "KR", "KR.", "FR", "FR.", "CHF.", "DOLLAR", "DOLLARS",
                       "PESO", "PESOS", "RUPEE", "RUPEES", "FRANC", "FRANCS", "CROWN", "KRONE"})
_LANGUAGES = ("zh_CN", "zh_TW", "zh_HK", "de", "fr", "es", "ja", "ko")
_NOISE = re.compile(r"[\s.,'’()\-_]")


def _key(text: str) -> str:
    return _NOISE.sub("", text).casefold()


def _fold(text: str) -> str:
    """Full-width letters, digits and signs as ASCII (ＵＳＤ, ＵＳ＄), spaces trimmed; ￥ stays."""
    out = []
    for char in text.strip():
        folded = unicodedata.normalize("NFKC", char) if char != "￥" else char
        out.append(folded)
    return re.sub(r"\s+", " ", "".join(out)).strip()


@lru_cache(maxsize=1)
def _iso_names() -> dict[str, str]:
    """ISO 4217 English names ("Swiss Franc", "US Dollar") and their translations."""
    import pycountry

    translations = []
    for language in _LANGUAGES:
        try:
            translations.append(gettext.translation("iso4217", pycountry.LOCALES_DIR,
                                                    languages=[language]))
        except OSError:  # a locale the installed data does not have
            continue
    found: dict[str, set[str]] = {}
    for currency in pycountry.currencies:
        names = [currency.name]
        names += [t.gettext(currency.name) for t in translations]
        for name in names:
            found.setdefault(_key(name), set()).add(currency.alpha_3)
    # A name two currencies share ("Bolívar Soberano": VES and VED) is not guessed
    return {key: next(iter(codes)) for key, codes in found.items() if len(codes) == 1}


@lru_cache(maxsize=1024)
def currency_from_text(text: str) -> str:
    """The ISO 4217 code `text` names; "" when it names none or several."""
    folded = _fold(text or "")
    if not folded:
        return ""
    upper = folded.upper()
    if upper in AMBIGUOUS:
        return ""
    if re.fullmatch(r"[A-Z]{3}", upper) and upper not in NAMES:
        return upper
    for candidate in (folded, upper):
        if candidate in NAMES:
            return NAMES[candidate]
    m = re.fullmatch(r"([A-Z]{3})\s*\$", upper)  # "USD$", "SGD $"
    if m:
        return m.group(1)
    return _iso_names().get(_key(folded), "")
