"""Detection quality on labelled traffic: per pattern, the share detected (held or
flagged) and held (recall); per reason code, the share of the orders it named that were
labelled anomalous at all and with the pattern it stands for (precision); and on clean
traffic, the shares held and flagged (false holds, false flags)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

CLEAN = "clean"


@dataclass(frozen=True, slots=True)
class Outcome:
    label: str  # CLEAN or a pattern
    action: str  # pass, flag, hold
    codes: tuple[str, ...]


def quality(outcomes: Iterable[Outcome], pattern_codes: Mapping[str, frozenset[str]]
            ) -> dict[str, Any]:
    rows = list(outcomes)
    clean = [o for o in rows if o.label == CLEAN]
    patterns: dict[str, Any] = {}
    for pattern, codes in pattern_codes.items():
        mine = [o for o in rows if o.label == pattern]
        named = [o for o in rows if codes & set(o.codes)]
        patterns[pattern] = {
            "orders": len(mine),
            "recall_detected": _share(sum(o.action != "pass" for o in mine), len(mine)),
            "recall_held": _share(sum(o.action == "hold" for o in mine), len(mine)),
            "recall_named": _share(sum(bool(codes & set(o.codes)) for o in mine), len(mine)),
            "named": len(named),
            "precision_anomalous": _share(sum(o.label != CLEAN for o in named), len(named)),
            "precision_pattern": _share(sum(o.label == pattern for o in named), len(named)),
        }
    anomalous = [o for o in rows if o.label != CLEAN]
    held = [o for o in rows if o.action == "hold"]
    return {
        "orders": len(rows),
        "clean": len(clean),
        "anomalous": len(anomalous),
        "false_hold_rate": _share(sum(o.action == "hold" for o in clean), len(clean)),
        "false_flag_rate": _share(sum(o.action == "flag" for o in clean), len(clean)),
        "recall_detected": _share(sum(o.action != "pass" for o in anomalous), len(anomalous)),
        "recall_held": _share(sum(o.action == "hold" for o in anomalous), len(anomalous)),
        "precision_held": _share(sum(o.label != CLEAN for o in held), len(held)),
        "patterns": patterns,
    }


def _share(n: int, d: int) -> float | None:
    return round(n / d, 4) if d else None
