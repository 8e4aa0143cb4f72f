"""Country names however an export writes them, to ISO 3166-1 alpha-2: the ISO names,
official and common names and alpha-3 codes, and their translations (Chinese simplified and
traditional, German, French, Spanish, Japanese, Korean) as the `pycountry` package ships
them (the Debian iso-codes data, read offline from the wheel). "Korea, Republic of" is also
read as "Republic of Korea". The hand-written names of `domain/regions.country_code`
(香港, 台灣省, UK, ...) are asked first; this is the long tail behind them."""

from __future__ import annotations

import gettext
import re
from functools import lru_cache

from orderhub.domain.regions import country_code

_LANGUAGES = ("zh_CN", "zh_TW", "zh_HK", "de", "fr", "es", "ja", "ko")
_NOISE = re.compile(r"[\s.,'’()\-_]")
# The form of a state before its name, compared as `_key` writes it (no spaces).
_FORM = re.compile(r"^(?:federal|united|socialist|islamic|independent)?"
                   r"(?:commonwealth|republic|kingdom|state|principality|grandduchy|"
                   r"sultanate|federation|confederation)of(?:the)?")


def _key(text: str) -> str:
    return _NOISE.sub("", text).casefold()


def _forms(name: str) -> list[str]:
    """A name and, for "Korea, Republic of", its natural order "Republic of Korea"."""
    head, sep, tail = name.partition(", ")
    return [name, f"{tail} {head}"] if sep else [name]


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    import pycountry  # 0.4 s to import: only when a name is not a code or a common name

    translations = []
    for language in _LANGUAGES:
        try:
            translations.append(gettext.translation("iso3166-1", pycountry.LOCALES_DIR,
                                                    languages=[language]))
        except OSError:  # a locale the installed data does not have
            continue
    out: dict[str, str] = {}
    for country in pycountry.countries:
        code = country.alpha_2
        names = [country.name, country.alpha_3]
        names += [getattr(country, a) for a in ("official_name", "common_name")
                  if getattr(country, a, "")]
        for name in list(names):
            names += [t.gettext(name) for t in translations]
        for name in names:
            for form in _forms(name):
                out.setdefault(_key(form), code)
    return out


def country_from_name(text: str) -> str:
    """The ISO 3166-1 alpha-2 code of `text` (a code or a name in one of the languages
    above); "" when it names no country."""
    code = country_code(text)
    if code:
        return code
    key = _key(text or "")
    found = _names().get(key, "")
    if not found and key.startswith("the"):  # "The Netherlands", "the Philippines"
        key = key[3:]
        found = _names().get(key, "")
    if not found:  # "Commonwealth of Australia", "Kingdom of Spain": the state's form
        short = _FORM.sub("", key)
        found = _names().get(short, "") if short != key else ""
    return found
