"""What the hub knows about a ship-to address beyond what the channel wrote: which
country's rules apply (Hong Kong, Macau and Taiwan written in Chinese are not CN), what the
recipient's phone number is in E.164 and whether it is a real number at all, and what
enrichment suggests for a missing province, city or district. Pure: the adapters that parse
numbers and divisions (adapters/phone.py, adapters/china_address.py,
adapters/world_address.py) fill these values in."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

# The divisions a suggestion may fill (never the street, the name or the phone).
SUGGESTIBLE = ("province", "city", "district", "postal_code")


class PhoneStatus(StrEnum):
    """What the recipient's phone number is, as stored beside the raw number."""

    VALID = "valid"  # a real number of its country: `phone_e164` holds it in E.164
    MASKED = "masked"  # a marketplace mask (`138****1234`): the platform routes the call
    VIRTUAL = "virtual"  # a platform's virtual number with an extension (`-1234`, `转1234`)
    INVALID = "invalid"  # none of the above: the phone check holds the order
    MISSING = "missing"  # no number given


@dataclass(frozen=True, slots=True)
class AddressSuggestion:
    """Values enrichment found for an address's missing divisions, how sure it is (0..1)
    and where they came from. Kept with the order until a person accepts it (or a rule
    auto-fills above a confidence threshold); never applied silently."""

    values: dict[str, str]
    confidence: float
    source: str
    evidence: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"values": dict(self.values), "confidence": round(self.confidence, 3),
                "source": self.source, "evidence": dict(self.evidence)}

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> AddressSuggestion:
        return cls({k: str(v) for k, v in (doc.get("values") or {}).items()
                    if k in SUGGESTIBLE},
                   float(doc.get("confidence", 0.0)), str(doc.get("source", "")),
                   {k: str(v) for k, v in (doc.get("evidence") or {}).items()})


# Suffixes a mainland division's short form drops (深圳 for 深圳市, 内蒙古 for 内蒙古自治区).
_DIVISION_SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区",
                      "自治州", "地区", "省", "市", "区", "县", "盟", "旗")
_FILLER = " \t\r\n\u3000,，.。;；:：-—/、()（）"


def _division_forms(name: str) -> list[str]:
    name = name.strip()
    if not name:
        return []
    forms = [name]
    for suffix in _DIVISION_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            forms.append(name[: -len(suffix)])
            break
    return forms


def street_beyond_divisions(line1: str, divisions: tuple[str, ...]) -> str:
    """What the street line says beyond the divisions written at its head: "" for a line
    that is empty, blank or only repeats them ("山西省太原市小店区" with those three
    divisions), so a street made of the province, city and district is a missing street."""
    rest = line1.strip(_FILLER)
    forms = sorted({f for d in divisions for f in _division_forms(d)}, key=len, reverse=True)
    changed = True
    while rest and changed:
        changed = False
        for form in forms:
            if rest.startswith(form):
                rest = rest[len(form):].strip(_FILLER)
                changed = True
                break
    return rest
