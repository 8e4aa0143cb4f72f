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
