"""Routing rules as data: conditions on the order, actions on the sites and carriers the
router may use. Business users write them (JSON/YAML through the API or CLI); no code.

    {"code": "vip-same-day", "description": "VIP orders only from sites shipping today",
     "when": {"customer_tier": ["VIP"]},
     "then": {"require_same_day": true, "waive_if_empty": true}}

    {"code": "no-cold-from-wh", "when": {"sku_attribute": "cold_chain"},
     "then": {"exclude_sites": ["WH-DX"]}}

Conditions are ANDed; a list matches any of its values. Actions: `exclude_sites`,
`only_sites`, `require_capability`, `require_same_day` (exclusions), `prefer_sites` with a
`bonus` (a score discount, not a cost), `exclude_carriers`. An exclusion that would leave
no site at all is waived when `waive_if_empty` is set (and the decision says so);
otherwise the order is held with the rule named.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from orderhub.domain.errors import FieldError, InvalidInput
from orderhub.domain.routing.lanes import PROVINCE_REGION, REGIONS, province_key
from orderhub.domain.routing.network import CAPABILITIES, RouteOrder

CONDITIONS = ("customer_tier", "channel", "order_type", "destination", "sku_attribute",
              "sku_category", "min_order_value", "min_units", "sla")
ACTIONS = ("exclude_sites", "only_sites", "require_capability", "require_same_day",
           "prefer_sites", "bonus", "exclude_carriers", "waive_if_empty")


@dataclass(frozen=True, slots=True)
class Condition:
    customer_tier: frozenset[str] = frozenset()
    channel: frozenset[str] = frozenset()
    order_type: frozenset[str] = frozenset()
    destination: frozenset[str] = frozenset()  # provinces or lane regions
    sku_attribute: str = ""  # some line's SKU has this fact (cold_chain, hazardous, ...)
    sku_category: frozenset[str] = frozenset()
    min_order_value: Decimal | None = None
    min_units: int | None = None
    sla: frozenset[str] = frozenset()

    def matches(self, order: RouteOrder) -> bool:
        tier = order.customer_tier.upper()
        return (
            (not self.customer_tier or tier in {t.upper() for t in self.customer_tier})
            and (not self.channel or order.channel in self.channel)
            and (not self.order_type or order.order_type in self.order_type)
            and (not self.destination or bool({order.province, order.region}
                                              & self.destination))
            and (not self.sku_attribute or self.sku_attribute in order.tags)
            and (not self.sku_category
                 or any(f"category:{c}" in order.tags for c in self.sku_category))
            and (self.min_order_value is None or order.value >= self.min_order_value)
            and (self.min_units is None or order.units >= self.min_units)
            and (not self.sla or order.sla in self.sla)
        )


@dataclass(frozen=True, slots=True)
class Action:
    exclude_sites: frozenset[str] = frozenset()
    only_sites: frozenset[str] = frozenset()
    require_capability: str = ""
    require_same_day: bool = False
    prefer_sites: frozenset[str] = frozenset()
    bonus: Decimal = Decimal(0)
    exclude_carriers: frozenset[str] = frozenset()  # carrier (SF) or service (SF:express)
    waive_if_empty: bool = False

    @property
    def excludes(self) -> bool:
        return bool(self.exclude_sites or self.only_sites or self.require_capability
                    or self.require_same_day)


@dataclass(frozen=True, slots=True)
class RoutingRule:
    code: str
    when: Condition
    then: Action
    description: str = ""
    enabled: bool = True
    version: int = 1
    priority: int = 100  # lower runs first; only the order of notes depends on it

    @property
    def label(self) -> str:
        return f"rule {self.code} v{self.version}" + (
            f" ({self.description})" if self.description else "")


@dataclass
class RuleEffects:
    """What the matching rules say for one order."""

    matched: list[RoutingRule] = field(default_factory=list)
    bonus: dict[str, Decimal] = field(default_factory=dict)  # site -> score discount
    banned_carriers: dict[str, str] = field(default_factory=dict)  # carrier/service -> rule


def matching(rules: Sequence[RoutingRule], order: RouteOrder) -> RuleEffects:
    effects = RuleEffects()
    for rule in sorted(rules, key=lambda r: (r.priority, r.code)):
        if not rule.enabled or not rule.when.matches(order):
            continue
        effects.matched.append(rule)
        for site in rule.then.prefer_sites:
            effects.bonus[site] = effects.bonus.get(site, Decimal(0)) + rule.then.bonus
        for carrier in rule.then.exclude_carriers:
            effects.banned_carriers.setdefault(carrier, rule.label)
    return effects


def excluded_by(rule: RoutingRule, site: str, capabilities: frozenset[str],
                ships_today: bool) -> str:
    """Why `rule` keeps `site` out, or "" if it does not."""
    a = rule.then
    if site in a.exclude_sites:
        return f"excluded by {rule.label}"
    if a.only_sites and site not in a.only_sites:
        return f"not in the sites {rule.label} allows"
    if a.require_capability and a.require_capability not in capabilities:
        return f"lacks {a.require_capability}, required by {rule.label}"
    if a.require_same_day and not ships_today:
        return f"cannot ship today, required by {rule.label}"
    return ""


# ----- parsing ------------------------------------------------------------------------------

def _strings(value: Any, loc: str, errors: list[FieldError]) -> frozenset[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        errors.append(FieldError(loc, "a list of non-empty strings"))
        return frozenset()
    return frozenset(value)


def _decimal(value: Any, loc: str, errors: list[FieldError]) -> Decimal | None:
    try:
        out = Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors.append(FieldError(loc, f"a decimal amount, got {value!r}"))
        return None
    if not out.is_finite() or out < 0:
        errors.append(FieldError(loc, "a finite amount of at least 0"))
        return None
    return out


def parse_rule(doc: Mapping[str, Any], *, known_sites: set[str] | None = None,
               known_carriers: set[str] | None = None, loc: str = "") -> RoutingRule:
    """A rule from its JSON shape; unknown fields, sites, carriers or capabilities are
    field errors (so a typo cannot silently match nothing)."""
    p = f"{loc}." if loc else ""
    errors: list[FieldError] = []
    code = doc.get("code")
    if not isinstance(code, str) or not code.strip() or len(code) > 64:
        errors.append(FieldError(f"{p}code", "a non-empty code of at most 64 characters"))
        code = ""
    for key in doc:
        if key not in ("code", "description", "when", "then", "enabled", "priority",
                       "version"):
            errors.append(FieldError(f"{p}{key}", "unknown field; known: code, description, "
                                     "when, then, enabled, priority"))
    when_doc, then_doc = doc.get("when", {}), doc.get("then")
    if not isinstance(when_doc, Mapping):
        errors.append(FieldError(f"{p}when", "an object of conditions"))
        when_doc = {}
    if not isinstance(then_doc, Mapping) or not then_doc:
        errors.append(FieldError(f"{p}then", "an object with at least one action; known: "
                                 + ", ".join(ACTIONS)))
        then_doc = {}
    cond: dict[str, Any] = {}
    for key, value in when_doc.items():
        at = f"{p}when.{key}"
        if key not in CONDITIONS:
            errors.append(FieldError(at, f"unknown condition; known: {', '.join(CONDITIONS)}"))
        elif key == "sku_attribute":
            if not isinstance(value, str) or not value:
                errors.append(FieldError(at, "the name of a SKU attribute, e.g. cold_chain"))
            else:
                cond[key] = value
        elif key == "min_order_value":
            cond[key] = _decimal(value, at, errors)
        elif key == "min_units":
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                errors.append(FieldError(at, "a whole number of at least 1"))
            else:
                cond[key] = value
        elif key == "destination":
            areas = frozenset(province_key(a) for a in _strings(value, at, errors))
            bad = sorted(a for a in areas if a not in REGIONS and a not in PROVINCE_REGION)
            if bad:
                errors.append(FieldError(at, f"unknown province or region: {', '.join(bad)}; "
                                         f"regions: {', '.join(REGIONS)}"))
            cond[key] = areas
        else:
            cond[key] = _strings(value, at, errors)
    act: dict[str, Any] = {}
    for key, value in then_doc.items():
        at = f"{p}then.{key}"
        if key not in ACTIONS:
            errors.append(FieldError(at, f"unknown action; known: {', '.join(ACTIONS)}"))
        elif key in ("require_same_day", "waive_if_empty"):
            if not isinstance(value, bool):
                errors.append(FieldError(at, "true or false"))
            else:
                act[key] = value
        elif key == "require_capability":
            if value not in CAPABILITIES:
                errors.append(FieldError(at, f"one of {', '.join(CAPABILITIES)}"))
            else:
                act[key] = value
        elif key == "bonus":
            act[key] = _decimal(value, at, errors) or Decimal(0)
        else:
            names = _strings(value, at, errors)
            known = known_carriers if key == "exclude_carriers" else known_sites
            unknown = sorted(n for n in names if known is not None and n not in known)
            if unknown:
                errors.append(FieldError(at, f"unknown: {', '.join(unknown)}; known: "
                                         f"{', '.join(sorted(known or ()))}"))
            act[key] = names
    if act.get("prefer_sites") and not act.get("bonus"):
        errors.append(FieldError(f"{p}then.bonus", "prefer_sites needs a bonus above 0 (CNY "
                                 "of score discount)"))
    enabled = doc.get("enabled", True)
    priority = doc.get("priority", 100)
    if not isinstance(enabled, bool):
        errors.append(FieldError(f"{p}enabled", "true or false"))
    if not isinstance(priority, int) or isinstance(priority, bool) or not 0 <= priority <= 10000:
        errors.append(FieldError(f"{p}priority", "a whole number 0..10000"))
        priority = 100
    description = doc.get("description", "")
    if not isinstance(description, str) or len(description) > 500:
        errors.append(FieldError(f"{p}description", "text of at most 500 characters"))
        description = ""
    if errors:
        raise InvalidInput(errors)
    return RoutingRule(code.strip(), Condition(**cond), Action(**act), description,
                       bool(enabled), int(doc.get("version", 1) or 1), int(priority))


def rule_doc(rule: RoutingRule) -> dict[str, Any]:
    """The JSON shape of a rule (what `parse_rule` reads back)."""
    when: dict[str, Any] = {}
    for key in CONDITIONS:
        value = getattr(rule.when, key)
        if value in (None, "", frozenset()):
            continue
        when[key] = (sorted(value) if isinstance(value, frozenset)
                     else str(value) if isinstance(value, Decimal) else value)
    then: dict[str, Any] = {}
    for key in ACTIONS:
        value = getattr(rule.then, key)
        if value in (None, "", frozenset(), False) or (key == "bonus" and not value):
            continue
        then[key] = (sorted(value) if isinstance(value, frozenset)
                     else str(value) if isinstance(value, Decimal) else value)
    return {"code": rule.code, "description": rule.description, "when": when, "then": then,
            "enabled": rule.enabled, "priority": rule.priority, "version": rule.version}
