"""Three-level order validation with rules as data.

A check rule names a check (code in checks.CHECKS), its level, its typed parameters and,
optionally, the orders it runs on (a scope, a Condition); a tenant's rules are stored and
versioned, so business users can tune limits without a release. Every failed check is a
HoldReason with a machine-readable code. All levels run, so an operator sees every problem
of an order at once.

    reasons = validate(order, rules, context)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from orderhub.domain.errors import FieldError
from orderhub.domain.order import HoldCode, HoldReason, Order
from orderhub.domain.receivers import undecrypted_receiver
from orderhub.domain.rules.checks import CHECKS, ValidationContext
from orderhub.domain.rules.compliance import PARAMS as PACK_PARAMS
from orderhub.domain.rules.compliance import REQUIRED as PACK_REQUIRED
from orderhub.domain.rules.conditions import Condition
from orderhub.domain.rules.customs import valid_limit, valid_limits
from orderhub.domain.rules.facts import RouteOrder


class Level(StrEnum):
    FORMAT = "format"
    AVAILABILITY = "availability"
    COMPLIANCE = "compliance"


@dataclass(frozen=True)
class Rule:
    """A check rule as `validate` runs it (a RoutingRule with a `check` action becomes one
    through model.to_check)."""

    code: str
    level: Level
    check: str
    params: Mapping[str, Any] = field(default_factory=dict)
    enabled: bool = True
    description: str = ""
    version: int = 1
    scope: Condition | None = None  # runs only on the orders it matches (None: all)


# ----- parameters -------------------------------------------------------------------------


def _is_list_of_str(v: Any) -> bool:
    return isinstance(v, list) and all(isinstance(x, str) for x in v)


def _is_amount(v: Any, high: str | None = None) -> bool:
    try:
        d = Decimal(str(v))
    except (InvalidOperation, ValueError):
        return False
    return d.is_finite() and d >= 0 and (high is None or d <= Decimal(high))


def _is_count(v: Any, low: int = 0) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and low <= v <= 1_000_000


def _is_hours(v: Any) -> bool:
    try:
        d = Decimal(str(v)) if not isinstance(v, bool) else Decimal("nan")
    except (InvalidOperation, ValueError):
        return False
    return d.is_finite() and abs(d) <= 720


def _is_stage_map(v: Any) -> bool:
    return isinstance(v, dict) and all(
        isinstance(r, list) and len(r) == 2 and all(_is_count(x) for x in r) and r[0] < r[1]
        for r in v.values())


_PARAMS: dict[str, dict[str, tuple[Any, str]]] = {
    "required_fields": {"fields": (_is_list_of_str, "a list of field paths")},
    "address_complete": {"countries": (_is_list_of_str, "a list of country codes"),
                         "require": (_is_list_of_str, "a list of address fields"),
                         "other_countries": (lambda v: isinstance(v, bool), "true or false"),
                         "auto_fill_min_confidence": (
                             lambda v: v is None or _is_amount(v, "1"),
                             "a confidence 0..1, or null (never auto-fill)")},
    "phone_valid": {"allow_masked": (lambda v: isinstance(v, bool), "true or false")},
    "amounts_consistent": {"tolerance": (_is_amount, "a non-negative amount")},
    "sku_mapped": {}, "sku_known": {}, "sellable_in_channel": {}, "atp_available": {},
    "formula_stage": {"attribute": (lambda v: isinstance(v, str) and v, "an attribute name"),
                      "require_declaration": (lambda v: isinstance(v, bool), "true or false"),
                      "from_notes": (lambda v: isinstance(v, bool), "true or false"),
                      "stage_months": (_is_stage_map, "stage -> [from, to) months")},
    "age_restricted": {"attribute": (lambda v: isinstance(v, str) and v, "an attribute name"),
                       "alcohol_min_age": (_is_count, "a whole number of years"),
                       "require_declaration": (lambda v: isinstance(v, bool), "true or false")},
    "quantity_limit": {"window_days": (lambda v: _is_count(v, 1), "a whole number of days"),
                       "order_types": (_is_list_of_str, "a list of order types"),
                       "default_max_per_customer": (lambda v: v is None or _is_count(v, 1),
                                                    "a whole number, at least 1")},
    "cross_border": {"declared_value_limit": (_is_amount, "a non-negative amount"),
                     "limits": (valid_limits, "country -> {amount, currency}"),
                     "default_limit": (valid_limit, "{amount, currency}"),
                     "require_declared_value": (lambda v: isinstance(v, bool),
                                                "true or false")},
    "price_floor": {"min_ratio_of_list": (lambda v: _is_amount(v, "1"), "a ratio 0..1")},
    "promise_possible": {"min_slack_hours": (_is_hours, "a number of hours, -720..720")},
    **PACK_PARAMS,
}


def param_errors(check: str, params: Mapping[str, Any], loc: str = "params"
                 ) -> list[FieldError]:
    """Parameters are typed per check, so a bad value is refused when the rule is written
    and not discovered by every order that follows."""
    if check not in CHECKS:
        return [FieldError("check", f"unknown check '{check}'")]
    allowed = _PARAMS.get(check, {})
    errors = []
    for key, value in params.items():
        if key not in allowed:
            errors.append(FieldError(f"{loc}.{key}", f"not a parameter of {check}; known: "
                                     + (", ".join(sorted(allowed)) or "none")))
        elif not allowed[key][0](value):
            errors.append(FieldError(f"{loc}.{key}", f"must be {allowed[key][1]}"))
    errors.extend(FieldError(f"{loc}.{key}", f"required by {check}: must be {allowed[key][1]}")
                  for key in PACK_REQUIRED.get(check, ()) if key not in params)
    return errors


DEFAULT_RULES: list[Rule] = [
    Rule(
        "F1-required",
        Level.FORMAT,
        "required_fields",
        {"fields": ["external_id", "currency", "shipping_address.name", "shipping_address.line1"]},
        description="Order number, currency, recipient name and street are present",
    ),
    Rule(
        "F2-address",
        Level.FORMAT,
        "address_complete",
        {"countries": ["CN"], "require": ["province", "city", "district", "line1"],
         "other_countries": True, "auto_fill_min_confidence": None},
        description="Mainland China addresses name province, city, district and street; "
        "other countries' addresses follow their own rules (postcode, state)",
    ),
    Rule(
        "F3-phone",
        Level.FORMAT,
        "phone_valid",
        {},
        description="The recipient's phone number is valid for the destination country",
    ),
    Rule(
        "F4-amounts",
        Level.FORMAT,
        "amounts_consistent",
        {"tolerance": "0.01"},
        description="Lines, discounts, tax and shipping add up to the channel's total",
    ),
    Rule(
        "A1-mapped",
        Level.AVAILABILITY,
        "sku_mapped",
        {},
        description="Every line maps to a master SKU (crosswalk)",
    ),
    Rule(
        "A2-known",
        Level.AVAILABILITY,
        "sku_known",
        {},
        description="Every SKU exists and is active",
    ),
    Rule(
        "A3-channel",
        Level.AVAILABILITY,
        "sellable_in_channel",
        {},
        description="Every SKU may be sold on the order's channel",
    ),
    Rule(
        "A4-atp",
        Level.AVAILABILITY,
        "atp_available",
        {},
        description="Stock is available to promise somewhere (pre-sales excepted)",
    ),
    Rule(
        "C1-formula-stage",
        Level.COMPLIANCE,
        "formula_stage",
        {
            "attribute": "baby_age_months",
            "require_declaration": False,
            "stage_months": {"1": [0, 6], "2": [6, 12], "3": [12, 36]},
        },
        description="Infant formula stage matches the declared baby age",
    ),
    Rule(
        "C2-age",
        Level.COMPLIANCE,
        "age_restricted",
        {"attribute": "buyer_age", "alcohol_min_age": 18, "require_declaration": False},
        description="Alcohol and age-restricted goods only for buyers of the minimum age",
    ),
    Rule(
        "C3-quantity",
        Level.COMPLIANCE,
        "quantity_limit",
        {"window_days": 30},
        description="Per-customer quantity limits over a rolling window",
    ),
    Rule(
        "C4-cross-border",
        Level.COMPLIANCE,
        "cross_border",
        {},
        description="Cross-border orders (ship-to country other than the ship-from, or a "
        "cross-border channel) carry HS codes, origins and a declared value under the "
        "destination's limit",
    ),
    Rule(
        "C5-price-floor",
        Level.COMPLIANCE,
        "price_floor",
        {"min_ratio_of_list": "0.5"},
        description="No line is sold below its floor price (or half its list price)",
    ),
]


# Built-in checks a tenant adds as a rule of its own (not among the defaults).
OPTIONAL_CHECKS: dict[str, Level] = {"promise_possible": Level.AVAILABILITY,
                                     **{c: Level.COMPLIANCE for c in PACK_PARAMS}}
CHECK_LEVELS: dict[str, Level] = {**{r.check: r.level for r in DEFAULT_RULES},
                                  **OPTIONAL_CHECKS}


_ORDERED: dict[tuple[int, ...], tuple[Sequence[Rule], list[Rule]]] = {}


def _in_level_order(rules: Sequence[Rule]) -> list[Rule]:
    """The enabled rules, level by level (format first), each level in the given order:
    worked out once per rule list, not for every order of every batch."""
    key = tuple(id(r) for r in rules)
    hit = _ORDERED.get(key)
    if hit is not None and len(hit[0]) == len(rules) and all(
            a is b for a, b in zip(hit[0], rules, strict=True)):
        return hit[1]
    ordered = [r for level in Level for r in rules if r.enabled and r.level == level]
    if len(_ORDERED) > 256:
        _ORDERED.clear()
    _ORDERED[key] = (tuple(rules), ordered)  # the rules kept alive: their ids stay theirs
    return ordered


def _limit_key(r: HoldReason) -> tuple[str, Decimal, str] | None:
    d = r.details or {}
    if r.code != HoldCode.DECLARED_VALUE_LIMIT or not {"destination", "limit",
                                                          "currency"} <= set(d):
        return None
    try:
        return str(d["destination"]), Decimal(str(d["limit"])), str(d["currency"])
    except ArithmeticError:
        return None


def _one_hold_per_limit(reasons: list[HoldReason], found: list[HoldReason]
                        ) -> list[HoldReason]:
    """One breach of one declared-value limit is one hold: C4 (its customs table) and a
    compliance pack's value rule judging the same figure for the same destination give
    one reason, the one citing its source (the pack's); different figures stay apart."""
    out = []
    for r in found:
        key = _limit_key(r)
        twin = next((i for i, x in enumerate(reasons)
                     if key is not None and _limit_key(x) == key), None)
        if twin is None:
            out.append(r)
        elif isinstance((r.details or {}).get("source"), Mapping):
            reasons[twin] = r  # the pack's reason cites the notice: it is the one kept
    return out


def validate(order: Order, rules: Sequence[Rule], ctx: ValidationContext,
             route: RouteOrder | None = None) -> list[HoldReason]:
    """Hold reasons for `order`; `route` (its routing view) is needed only when some rule
    has a scope, and a scoped rule is skipped without it."""
    overridden = {o["code"] for o in order.overrides} if order.overrides else None
    # Built in, whatever the rules: an order cannot ship to a receiver nobody can read.
    reasons: list[HoldReason] = [r for r in undecrypted_receiver(order) if overridden is None
                                 or r.code.value not in overridden]
    for rule in _in_level_order(rules):
        if rule.scope is not None and (route is None
                                       or not rule.scope.matches(route, on_error=True)):
            continue
        try:
            found = CHECKS[rule.check](order, ctx, rule.params)
        except (ArithmeticError, ValueError, TypeError, KeyError, AttributeError) as exc:
            # Bad rule parameters or SKU facts must not stop intake: the order waits
            # for a person, with the rule named.
            found = [HoldReason(HoldCode.MANUAL, f"rule {rule.code} could not be applied "
                                f"({type(exc).__name__}: {exc}); check its parameters")]
        if found:
            found = _one_hold_per_limit(reasons, found)
            reasons.extend(r for r in found if (overridden is None
                                                or r.code.value not in overridden)
                           # one missing rate is one reason, whichever checks needed it
                           and not (r.code == HoldCode.FX_RATE_MISSING and any(
                               x.code == r.code and x.message == r.message for x in reasons)))
    return reasons
