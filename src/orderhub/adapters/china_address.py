"""Mainland China addresses written as one line, split into province / city / district with
`cpca` (administrative division matching, including abbreviated names)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from orderhub.domain.order import Address

_MUNICIPALITY_CITY = "市辖区"  # cpca's city for Beijing, Shanghai, Tianjin and Chongqing


def needs_parsing(a: Address) -> bool:
    return a.country in ("", "CN") and bool(a.line1) and not (a.province and a.city and a.district)


def complete_addresses(addresses: Sequence[Address]) -> list[Address]:
    """Fill in missing province, city and district from the street line (one call for the
    whole batch; pandas is only imported when some address needs it)."""
    todo = [i for i, a in enumerate(addresses) if needs_parsing(a)]
    out = list(addresses)
    if not todo:
        return out
    import cpca

    texts = [" ".join(p for p in (addresses[i].province, addresses[i].city,
                                  addresses[i].district, addresses[i].line1) if p)
             for i in todo]
    frame = cpca.transform(texts)
    for i, row in zip(todo, frame.to_dict("records"), strict=True):
        a = addresses[i]
        found = {k: v for k, v in row.items() if isinstance(v, str) and v}
        province = a.province or found.get("省", "")
        city = a.city or found.get("市", "")
        if city == _MUNICIPALITY_CITY:
            city = province
        district = a.district or found.get("区", "")
        # The street is what is left after the divisions, when the line held them all.
        line1 = found.get("地址", a.line1) if not (a.province or a.city) else a.line1
        out[i] = replace(a, province=province, city=city, district=district, line1=line1)
    return out
