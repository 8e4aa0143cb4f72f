"""Mainland China addresses written as one line, split into province / city / district with
`cpca` (administrative division matching, including abbreviated names).

What the buyer wrote is taken: a division whose name (or its short form, 深圳 for 深圳市)
appears in the address text is filled in, and the street line keeps what follows the
divisions. A province follows from a written city (city names are unique in the mainland).
What is only inferred is never filled here: a city worked out from a district name (朝阳区
is in Beijing and in Changchun; cpca picks one) is returned as a suggestion with a
confidence, 0.9 divided by the number of cities that district name exists in (within the
written province, when there is one), and the order is held for a person to accept it
(domain/address.AddressSuggestion; a validation rule may allow auto-fill above a
threshold). A missing district is never guessed."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache
from importlib import resources

from orderhub.domain.address import AddressSuggestion
from orderhub.domain.order import Address

_MUNICIPALITY_CITY = "市辖区"  # cpca's city for Beijing, Shanghai, Tianjin and Chongqing
_SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "自治州", "地区",
             "省", "市", "区", "县", "盟")
UNIQUE_CONFIDENCE = 0.9


def needs_parsing(a: Address) -> bool:
    return a.country in ("", "CN") and bool(a.line1) and not (a.province and a.city and a.district)


def _short(name: str) -> str:
    for s in _SUFFIXES:
        if name.endswith(s) and len(name) > len(s) + 1:
            return name[: -len(s)]
    return name


def _written(name: str, text: str) -> bool:
    return bool(name) and (name in text or _short(name) in text)


@lru_cache(maxsize=1)
def _county_names() -> tuple[Counter[str], Counter[tuple[str, str]]]:
    """How many county-level divisions bear each name, nationwide and per province (the
    adcode's first two digits), from cpca's own division table."""
    nationwide: Counter[str] = Counter()
    by_province: Counter[tuple[str, str]] = Counter()
    with resources.files("cpca.resources").joinpath("adcodes.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            code, name = row["adcode"], row["name"]
            if code[4:6] != "00" and code[6:] == "000000":
                nationwide[name] += 1
                by_province[(code[:2], name)] += 1
    return nationwide, by_province


def _city_confidence(district: str, adcode: str, province_written: bool) -> float:
    nationwide, by_province = _county_names()
    n = by_province[(adcode[:2], district)] if province_written else nationwide[district]
    return UNIQUE_CONFIDENCE / max(n, 1)


def parse_addresses(addresses: Sequence[Address]
                    ) -> list[tuple[Address, AddressSuggestion | None]]:
    """Each address with the divisions its text names filled in, and a suggestion for
    what was only inferred (one cpca call for the whole batch; pandas is only imported
    when some address needs it)."""
    out: list[tuple[Address, AddressSuggestion | None]] = [(a, None) for a in addresses]
    todo = [i for i, a in enumerate(addresses) if needs_parsing(a)]
    if not todo:
        return out
    import cpca

    texts = [" ".join(p for p in (addresses[i].province, addresses[i].city,
                                  addresses[i].district, addresses[i].line1) if p)
             for i in todo]
    frame = cpca.transform(texts)
    for i, text, row in zip(todo, texts, frame.to_dict("records"), strict=True):
        a = addresses[i]
        found = {k: v for k, v in row.items() if isinstance(v, str) and v}
        district = a.district or (found.get("区", "") if _written(found.get("区", ""), text)
                                  else "")
        city_found = found.get("市", "")
        if city_found == _MUNICIPALITY_CITY:
            city_found = found.get("省", "")
        province_found = found.get("省", "")
        suggestion: AddressSuggestion | None = None
        city = a.city
        if not city and city_found:
            if _written(city_found, text):
                city = city_found
            elif district:  # inferred from the district's name: only a suggestion
                suggestion = AddressSuggestion(
                    {"city": city_found} | ({} if a.province or _written(province_found, text)
                                            else {"province": province_found}),
                    _city_confidence(district, str(found.get("adcode", "")),
                                     bool(a.province) or _written(province_found, text)),
                    "cpca: city inferred from the district name",
                    {"district": district})
        province = a.province
        if not province and province_found and (
                _written(province_found, text) or (city and _written(city, text))):
            province = province_found  # written, or follows from a written city
        # The street is what is left after the divisions, when the line held them all.
        line1 = found.get("地址", a.line1) if not (a.province or a.city) else a.line1
        out[i] = (replace(a, province=province, city=city, district=district,
                          line1=line1 or a.line1), suggestion)
    return out


def complete_addresses(addresses: Sequence[Address]) -> list[Address]:
    """The addresses with the divisions their text names split out, and nothing inferred
    (`parse_addresses` without its suggestions). Intake itself goes through
    services/intake/address_enrichment.py, which keeps the suggestions with the order."""
    return [a for a, _ in parse_addresses(addresses)]
