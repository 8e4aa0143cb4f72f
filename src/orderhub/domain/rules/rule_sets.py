"""Rule sets: a whole set of routing rules as one versioned proposal with a lifecycle
(draft → tested → canary → active → retired), the slice a canary applies to, and the
checks a set must pass before it reaches orders: no contradictions, and a sandbox replay
(services/rules/sandbox.py) whose hold rate stays under the threshold. Pure: no I/O.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from orderhub.domain.errors import FieldError, InvalidInput
from orderhub.domain.routing.lanes import PROVINCE_REGION, REGION_NAMES_ZH, REGIONS, province_key
from orderhub.domain.rules.conditions import Condition
from orderhub.domain.rules.facts import RouteOrder
from orderhub.domain.rules.model import RoutingRule

REGION_CODES = {zh: code for code, zh in REGION_NAMES_ZH.items()}


class SetState(StrEnum):
    DRAFT = "draft"
    TESTED = "tested"  # a passing sandbox run is on record
    CANARY = "canary"  # live for a slice of new orders
    ACTIVE = "active"  # live for all (its rules are the routing rules)
    RETIRED = "retired"  # replaced, or rolled back


@dataclass(frozen=True, slots=True)
class Slice:
    """Which new orders a canary routes: a stable share by order id, or channels, or
    stores (orders collected there), or destination provinces/regions (any that is given
    must match)."""

    percent: int | None = None
    channels: frozenset[str] = frozenset()
    regions: frozenset[str] = frozenset()
    stores: frozenset[str] = frozenset()

    def covers(self, order: RouteOrder) -> bool:
        if self.channels and order.channel not in self.channels:
            return False
        if self.stores and order.pickup_store not in self.stores:
            return False
        if self.regions and not ({order.province, order.region} & self.regions):
            return False
        if self.percent is not None:
            bucket = int(hashlib.sha256(order.id.encode()).hexdigest()[:8], 16) % 100
            return bucket < self.percent
        return True

    def doc(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.percent is not None:
            out["percent"] = self.percent
        if self.channels:
            out["channels"] = sorted(self.channels)
        if self.regions:
            out["regions"] = sorted(self.regions)
        if self.stores:
            out["stores"] = sorted(self.stores)
        return out


def parse_slice(doc: Mapping[str, Any]) -> Slice:
    errors: list[FieldError] = []
    percent = doc.get("percent")
    if percent is not None and (not isinstance(percent, int) or isinstance(percent, bool)
                                or not 1 <= percent <= 100):
        errors.append(FieldError("slice.percent", "a whole percentage 1..100"))
    lists = {}
    for key in ("channels", "regions", "stores"):
        value = doc.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            errors.append(FieldError(f"slice.{key}", "a list of codes"))
            value = []
        lists[key] = frozenset(value)
    # Regions as rules read them: provinces by their short name (上海市 -> 上海), region
    # names in Chinese or code (华东 -> east); anything else is an error, not an empty slice.
    areas = set()
    for v in lists["regions"]:
        area = REGION_CODES.get(v, province_key(v))
        if area not in REGIONS and area not in PROVINCE_REGION:
            errors.append(FieldError("slice.regions", f"unknown province or region '{v}'"))
        areas.add(area)
    lists["regions"] = frozenset(areas)
    unknown = set(doc) - {"percent", "channels", "regions", "stores"}
    for key in sorted(unknown):
        errors.append(FieldError(f"slice.{key}", "unknown; give percent, channels, stores or "
                                 "regions"))
    if not errors and percent is None and not any(lists.values()):
        errors.append(FieldError("slice", "say which orders: percent, channels, stores or "
                                 "regions"))
    if errors:
        raise InvalidInput(errors)
    return Slice(percent, lists["channels"], lists["regions"], lists["stores"])


# ----- contradictions -----------------------------------------------------------------------

_SET_KEYS = ("customer_tier", "channel", "order_type", "destination", "sku_category", "sla")


def _may_overlap(a: Condition, b: Condition) -> bool:
    """False only when no order can meet both (a key both constrain to disjoint values)."""
    for key in _SET_KEYS:
        va, vb = getattr(a, key), getattr(b, key)
        if va and vb and not (va & vb):
            return False
    return True


@dataclass(frozen=True, slots=True)
class Contradiction:
    first: str
    second: str
    why: str

    @property
    def message(self) -> str:
        return f"rules {self.first} and {self.second} can match the same order and {self.why}"


def contradictions(rules: Sequence[RoutingRule], limit: int = 100) -> list[Contradiction]:
    """Pairs of enabled rules that can apply to one order and ask for opposite things.
    (Two checks on the same orders are not a contradiction: both run, the stricter holds.)"""
    out: list[Contradiction] = []
    live = [r for r in rules if r.enabled and not r.is_check and not r.is_tier]
    for a, b in itertools.combinations(live, 2):
        if len(out) >= limit:  # enough to act on; the set fails its sandbox anyway
            break
        if not _may_overlap(a.when, b.when):
            continue
        x, y = a.then, b.then
        if x.only_sites and y.only_sites and not (x.only_sites & y.only_sites):
            out.append(Contradiction(a.code, b.code, "allow no site in common"))
        for one, other, first, second in ((x, y, a, b), (y, x, b, a)):
            if one.only_sites and one.only_sites <= other.exclude_sites:
                out.append(Contradiction(first.code, second.code,
                                         f"one sends it only to {', '.join(sorted(one.only_sites))}"
                                         ", which the other excludes"))
            if one.prefer_sites & other.exclude_sites:
                sites = ", ".join(sorted(one.prefer_sites & other.exclude_sites))
                out.append(Contradiction(first.code, second.code,
                                         f"one prefers {sites}, which the other excludes"))
    return out


# ----- sandbox comparison -------------------------------------------------------------------

@dataclass
class Arm:
    """One rule set's outcome over the replayed orders."""

    orders: int = 0
    routed: int = 0
    held: int = 0  # no plan, or held by a rule
    held_by_rules: int = 0  # held by a routing rule's `hold`
    held_by_checks: int = 0  # held at validation
    cost_units: int = 0  # over routed orders
    on_time: int = 0
    late_days: int = 0
    split: int = 0
    rule_hits: dict[str, int] = field(default_factory=dict)

    def view(self) -> dict[str, Any]:
        routed = max(self.routed, 1)
        return {"orders": self.orders, "routed": self.routed, "held": self.held,
                "held_by_rules": self.held_by_rules, "held_by_checks": self.held_by_checks,
                "hold_rate": round(self.held / max(self.orders, 1), 4),
                "cost_per_order": round(self.cost_units / 10_000 / routed, 2),
                "on_time_rate": round(self.on_time / routed, 4),
                "late_days_per_order": round(self.late_days / routed, 3),
                "split_rate": round(self.split / routed, 4)}
