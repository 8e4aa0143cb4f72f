"""Rules as data, one model for every kind a business user owns: routing preferences and
exclusions, holds for review, notifications, and the validation checks that run at intake.
Business users write them (JSON/YAML through the API or CLI, or as sentences); no code.
Each rule is a row of a decision table: conditions on the order, its customer, lines, SKU
facts and the network's state (typed keys, or a CEL `expression`) → actions; every row
that matches applies (collect hit policy).

    {"code": "vip-same-day", "description": "VIP orders only from sites shipping today",
     "when": {"customer_tier": ["VIP"]},
     "then": {"require_same_day": true, "waive_if_empty": true}}

    {"code": "no-cold-from-wh", "when": {"sku_attribute": "cold_chain"},
     "then": {"exclude_sites": ["WH-DX"]}}

    {"code": "tmall-floor", "when": {"channel": ["tmall"]},
     "then": {"check": "price_floor", "params": {"min_ratio_of_list": "0.7"}}}

    {"code": "big-b2b", "when": {"expression": "order.value > 50000.0 && order.type == 'b2b'"},
     "then": {"notify": "large B2B order", "notify_to": ["key-accounts"]}}

Conditions are ANDed; a list matches any of its values. Routing actions: `exclude_sites`,
`only_sites`, `require_capability`, `require_same_day` (exclusions), `prefer_sites` with a
`bonus` (a score discount, not a cost), `exclude_carriers`. An exclusion that would leave
no site at all is waived when `waive_if_empty` is set (and the decision says so);
otherwise the order is held with the rule named. `hold` holds the order for review;
`notify` publishes a RuleNotification event (webhooks, NATS) when the rule matches.
A rule whose action is a `check` (a validation check with its `params`) runs at intake,
before routing, on the orders its conditions select. A rule whose action is a `tier`
(L1, L2, L3) is an approval tier of the exception desk: its conditions may also name the
exception and the remedy (`exception_kind`, `remedy_kind`, `max_cost_delta`,
`max_delay_days`; `exception.*`, `remedy.*` in CEL), and the strictest tier of the rules
that match a remedy is its tier (domain/exceptions/policy.py). Tier rules reach the desk
only through a rule set (sandbox, canary, activation); `override_l3: true` on one marks it
as meant to take a case below L3 that the default policy keeps at L3.

    {"code": "cheap-switch", "when": {"remedy_kind": ["switch_warehouse"],
     "max_cost_delta": "5", "max_delay_days": 0}, "then": {"tier": "L1"}}
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from orderhub.domain.errors import FieldError, InvalidInput
from orderhub.domain.money import is_known_currency
from orderhub.domain.routing.lanes import PROVINCE_REGION, REGIONS, province_key
from orderhub.domain.rules.checks import CHECKS
from orderhub.domain.rules.conditions import CONDITIONS, DESK_ONLY, ROUTING_ONLY, Condition
from orderhub.domain.rules.expressions import Expression, ExpressionError, compile_expression
from orderhub.domain.rules.facts import CAPABILITIES, EXCEPTION_KINDS, REMEDY_KINDS, TIERS
from orderhub.domain.rules.validation import CHECK_LEVELS, Level, param_errors
from orderhub.domain.rules.validation import Rule as ValidationRule

ACTIONS = ("exclude_sites", "only_sites", "require_capability", "require_same_day",
           "prefer_sites", "bonus", "exclude_carriers", "only_carriers", "waive_if_empty",
           "hold",
           "notify", "notify_to", "check", "level", "params", "tier", "override_l3")
ORDER_TYPES = ("b2c", "b2b", "pre_sale")
SERVICE_LEVELS = ("same_day", "next_day", "express", "standard", "economy")
# Actions whose value is one name out of a fixed list: (the names, the message if not).
CHOICES: dict[str, tuple[frozenset[str], str]] = {
    "require_capability": (frozenset(CAPABILITIES), f"one of {', '.join(CAPABILITIES)}"),
    "check": (frozenset(CHECKS), f"unknown check; known: {', '.join(CHECKS)}"),
    "level": (frozenset(lv.value for lv in Level), f"one of {', '.join(lv.value for lv in Level)}"),
    "tier": (frozenset(TIERS), "one of L1 (automatic), L2 (four-eyes), L3 (a person only)"),
}


def is_tier_doc(doc: Mapping[str, Any]) -> bool:
    """A rule document whose action is an approval tier (read without parsing it)."""
    then = doc.get("then")
    return isinstance(then, Mapping) and bool(then.get("tier"))


def is_check_doc(doc: Mapping[str, Any]) -> bool:
    """A rule document whose action is a validation check (read without parsing it)."""
    then = doc.get("then")
    return isinstance(then, Mapping) and bool(then.get("check"))


@dataclass(frozen=True, slots=True)
class Action:
    exclude_sites: frozenset[str] = frozenset()
    only_sites: frozenset[str] = frozenset()
    require_capability: str = ""
    require_same_day: bool = False
    prefer_sites: frozenset[str] = frozenset()
    bonus: Decimal = Decimal(0)
    exclude_carriers: frozenset[str] = frozenset()  # carrier (SF) or service (SF:express)
    only_carriers: frozenset[str] = frozenset()  # ship only with these carriers/services
    waive_if_empty: bool = False
    hold: str = ""  # hold the order for a person, with this reason (manual review)
    notify: str = ""  # publish a RuleNotification with this message
    notify_to: frozenset[str] = frozenset()  # who should hear (team names, free text)
    check: str = ""  # a validation check (checks.CHECKS), run at intake
    level: str = ""  # its level: format, availability, compliance
    params: Mapping[str, Any] = field(default_factory=dict, hash=False)
    tier: str = ""  # an approval tier of the exception desk: L1, L2, L3
    override_l3: bool = False  # meant to take below L3 what the default policy keeps at L3

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
    label: str = field(init=False, compare=False, repr=False)
    is_check: bool = field(init=False, compare=False, repr=False)  # runs at intake
    is_tier: bool = field(init=False, compare=False, repr=False)  # the desk's tiers

    def __post_init__(self) -> None:
        # Read for every rule of every order: computed once.
        object.__setattr__(self, "label", f"rule {self.code} v{self.version}" + (
            f" ({self.description})" if self.description else ""))
        object.__setattr__(self, "is_check", bool(self.then.check))
        object.__setattr__(self, "is_tier", bool(self.then.tier))


# ----- documents ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Vocabulary:
    """The values a tenant's rules may name; None leaves that kind unchecked."""

    sites: frozenset[str] | None = None
    carriers: frozenset[str] | None = None  # carriers (SF) and services (SF:express)
    channels: frozenset[str] | None = None
    attributes: frozenset[str] | None = None  # SKU facts in the catalogue
    categories: frozenset[str] | None = None
    skus: frozenset[str] | None = None


def _strings(value: Any, loc: str, errors: list[FieldError]) -> frozenset[str]:
    if isinstance(value, str):
        value = [value]
    if (not isinstance(value, list) or not value
            or not all(isinstance(v, str) and v and "\x00" not in v for v in value)):
        errors.append(FieldError(loc, "a non-empty list of non-empty strings"))
        return frozenset()
    return frozenset(value)


def _known(names: frozenset[str], known: frozenset[str] | None, loc: str, what: str,
           errors: list[FieldError]) -> None:
    if known is None:
        return
    unknown = sorted(n for n in names if n not in known)
    if unknown:
        errors.append(FieldError(loc, f"unknown {what}: {', '.join(unknown)}; known: "
                                 f"{', '.join(sorted(known)) or 'none'}"))


def _decimal(value: Any, loc: str, errors: list[FieldError]) -> Decimal | None:
    if isinstance(value, bool):
        errors.append(FieldError(loc, f"a decimal amount, got {value!r}"))
        return None
    try:
        out = Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors.append(FieldError(loc, f"a decimal amount, got {value!r}"))
        return None
    if not out.is_finite() or out < 0 or out > 10**9:
        errors.append(FieldError(loc, "a finite amount from 0 to 1,000,000,000"))
        return None
    return out


def _signed_amount(value: Any, loc: str, errors: list[FieldError]) -> Decimal | None:
    """A CNY amount that may be negative (a remedy can be cheaper than the plan)."""
    try:
        out = Decimal(str(value)) if not isinstance(value, bool) else Decimal("nan")
    except (InvalidOperation, ValueError):
        out = Decimal("nan")
    if not out.is_finite() or abs(out) > 10**9:
        errors.append(FieldError(loc, f"an amount in CNY, -1,000,000,000..1,000,000,000, "
                                 f"got {value!r}"))
        return None
    return out


def _conditions(when_doc: Mapping[str, Any], p: str, vocab: Vocabulary,
                errors: list[FieldError]) -> dict[str, Any]:
    cond: dict[str, Any] = {}
    for key, value in when_doc.items():
        at = f"{p}when.{key}"
        if key not in CONDITIONS:
            errors.append(FieldError(at, f"unknown condition; known: {', '.join(CONDITIONS)}"))
        elif key == "sku_attribute":
            if not isinstance(value, str) or not value:
                errors.append(FieldError(at, "the name of a SKU attribute, e.g. cold_chain"))
            else:
                _known(frozenset([value]), vocab.attributes, at, "SKU attribute", errors)
                cond[key] = value
        elif key in ("min_order_value", "order_value_above"):
            cond[key] = _decimal(value, at, errors)
        elif key == "value_currency":
            if not isinstance(value, str) or not is_known_currency(value.strip().upper()):
                errors.append(FieldError(at, f"an ISO 4217 currency code, got {value!r}"))
            else:
                cond[key] = value.strip().upper()
        elif key in ("max_cost_delta", "slack_below_hours"):
            cond[key] = _signed_amount(value, at, errors)
        elif key == "max_delay_days":
            if not isinstance(value, int) or isinstance(value, bool) or not -365 <= value <= 365:
                errors.append(FieldError(at, "a whole number of days, -365..365"))
            else:
                cond[key] = value
        elif key in ("exception_kind", "remedy_kind"):
            names = _strings(value, at, errors)
            desk_kinds = frozenset(EXCEPTION_KINDS if key == "exception_kind" else REMEDY_KINDS)
            _known(names, desk_kinds, at, key.replace("_", " "), errors)
            cond[key] = names
        elif key == "stock_below":
            if (not isinstance(value, Mapping) or set(value) != {"sku", "site", "units"}
                    or not isinstance(value["sku"], str) or not isinstance(value["site"], str)
                    or not isinstance(value["units"], int) or isinstance(value["units"], bool)
                    or not 1 <= value["units"] <= 10**9):
                errors.append(FieldError(at, "{sku, site, units}: the rule applies while "
                                         "the site can promise fewer than `units` of the SKU"))
            else:
                _known(frozenset([value["site"]]), vocab.sites, at, "site", errors)
                _known(frozenset([value["sku"]]), vocab.skus, at, "SKU", errors)
                cond[key] = (value["sku"], value["site"], value["units"])
        elif key == "min_units":
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 10**9:
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
        elif key == "site_closed":
            names = _strings(value, at, errors)
            _known(names, vocab.sites, at, "site", errors)
            cond[key] = names
        elif key == "carrier_down":
            names = _strings(value, at, errors)
            _known(names, vocab.carriers, at, "carrier", errors)
            cond[key] = names
        elif key == "expression":
            try:
                cond[key] = compile_expression(value)
            except ExpressionError as exc:
                errors.append(FieldError(at, str(exc)))
        else:
            names = _strings(value, at, errors)
            if key == "customer_tier":
                names = frozenset(n.upper() for n in names)
            known = {"channel": vocab.channels, "order_type": frozenset(ORDER_TYPES),
                     "sla": frozenset(SERVICE_LEVELS),
                     "sku_category": vocab.categories}.get(key)
            _known(names, known, at, key.replace("_", " "), errors)
            cond[key] = names
    return cond


def _actions(then_doc: Mapping[str, Any], p: str, vocab: Vocabulary,
             errors: list[FieldError]) -> dict[str, Any]:
    act: dict[str, Any] = {}
    for key, value in then_doc.items():
        at = f"{p}then.{key}"
        if key not in ACTIONS:
            errors.append(FieldError(at, f"unknown action; known: {', '.join(ACTIONS)}"))
        elif key in ("require_same_day", "waive_if_empty", "override_l3"):
            if not isinstance(value, bool):
                errors.append(FieldError(at, "true or false"))
            else:
                act[key] = value
        elif key in CHOICES:
            known, message = CHOICES[key]
            if not isinstance(value, str) or value not in known:
                errors.append(FieldError(at, message))
            else:
                act[key] = value
        elif key == "bonus":
            act[key] = _decimal(value, at, errors) or Decimal(0)
        elif key in ("hold", "notify"):
            if not isinstance(value, str) or not value.strip() or len(value) > 200:
                errors.append(FieldError(at, "the reason a person reviews the order, at most "
                                         "200 characters" if key == "hold" else
                                         "the message, at most 200 characters"))
            else:
                act[key] = value.strip()
        elif key == "params":
            if not isinstance(value, Mapping):
                errors.append(FieldError(at, "an object of the check's parameters"))
            else:
                act[key] = dict(value)
        elif key == "notify_to":
            act[key] = _strings(value, at, errors)
        else:
            names = _strings(value, at, errors)
            if key in ("exclude_carriers", "only_carriers"):
                _known(names, vocab.carriers, at, "carrier", errors)
            else:
                _known(names, vocab.sites, at, "site", errors)
            act[key] = names
    return act


def _check_rule(act: dict[str, Any], cond: Mapping[str, Any], p: str,
                errors: list[FieldError]) -> None:
    """A check runs at intake: only order conditions select it, and it does nothing else."""
    check = act["check"]
    others = sorted(k for k in act if k not in ("check", "level", "params"))
    if others:
        errors.append(FieldError(f"{p}then.{others[0]}", "a check runs at intake, before "
                                 "routing; put routing, hold and notify actions in a rule "
                                 "of their own"))
    for key in ROUTING_ONLY:
        if key in cond:
            errors.append(FieldError(f"{p}when.{key}", "known only when routing; a check "
                                     "runs at intake, before routing"))
    expr = cond.get("expression")
    if isinstance(expr, Expression) and expr.reads_network:
        errors.append(FieldError(f"{p}when.expression", "network.* is known only when "
                                 "routing; a check runs at intake, before routing"))
    act.setdefault("level", CHECK_LEVELS[check].value)
    errors.extend(param_errors(check, act.get("params", {}), f"{p}then.params"))


def _tier_rule(act: dict[str, Any], cond: Mapping[str, Any], p: str,
               errors: list[FieldError]) -> None:
    """A tier rule decides a remedy's approval tier at the desk and does nothing else; it
    reads the order, the exception and the remedy, not the network while routing."""
    others = sorted(k for k in act if k not in ("tier", "override_l3"))
    if others:
        errors.append(FieldError(f"{p}then.{others[0]}", "a tier rule only sets the approval "
                                 "tier; put other actions in a rule of their own"))
    for key in ROUTING_ONLY:
        if key in cond:
            errors.append(FieldError(f"{p}when.{key}", "known only when routing; a tier rule "
                                     "decides at the exception desk"))
    expr = cond.get("expression")
    if isinstance(expr, Expression) and expr.reads_network:
        errors.append(FieldError(f"{p}when.expression", "network.* is known only when "
                                 "routing; a tier rule decides at the exception desk"))
    if act.get("override_l3") and act.get("tier") == "L3":
        errors.append(FieldError(f"{p}then.override_l3", "only on an L1 or L2 rule"))


def _not_desk(cond: Mapping[str, Any], act: Mapping[str, Any], p: str,
              errors: list[FieldError]) -> None:
    """Only a tier rule reads the exception and the remedy."""
    for key in DESK_ONLY:
        if key in cond:
            errors.append(FieldError(f"{p}when.{key}", "only a tier rule (then: {tier: ...}) "
                                     "reads the exception or the remedy"))
    expr = cond.get("expression")
    if isinstance(expr, Expression) and expr.reads_desk:
        errors.append(FieldError(f"{p}when.expression", "exception.* and remedy.* are known "
                                 "only to a tier rule (then: {tier: ...})"))
    if "override_l3" in act:
        errors.append(FieldError(f"{p}then.override_l3", "only with a tier"))


def parse_rule(doc: Mapping[str, Any], vocab: Vocabulary | None = None, *, loc: str = "",
               version: int = 1) -> RoutingRule:
    """A rule from its JSON shape. Unknown fields, and names of sites, carriers, channels,
    SKU attributes, categories, order types, service levels or capabilities that do not
    exist, are field errors: a typo cannot silently match nothing. So is a rule whose
    actions would change nothing. `version` is the store's, not the author's."""
    vocab = vocab or Vocabulary()
    p = f"{loc}." if loc else ""
    errors: list[FieldError] = []
    code = doc.get("code")
    if not isinstance(code, str) or not re.fullmatch(r"[A-Za-z0-9_.:\-]{1,64}", code):
        errors.append(FieldError(f"{p}code", "1 to 64 letters, digits and _ . : -"))
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
    if not isinstance(then_doc, Mapping):
        then_doc = {}
    cond = _conditions(when_doc, p, vocab, errors)
    act = _actions(then_doc, p, vocab, errors)
    if act.get("tier"):
        _tier_rule(act, cond, p, errors)
    else:
        _not_desk(cond, act, p, errors)
    if act.get("check"):
        _check_rule(act, cond, p, errors)
    elif {"level", "params"} & set(act):
        errors.append(FieldError(f"{p}then.{'level' if 'level' in act else 'params'}",
                                 "only with a check"))
    if act.get("notify_to") and not act.get("notify"):
        errors.append(FieldError(f"{p}then.notify", "notify_to needs the message to send"))
    action = Action(**{k: v for k, v in act.items() if v is not None})
    if not (action.excludes or action.prefer_sites or action.exclude_carriers
            or action.only_carriers or action.hold or action.notify or action.check
            or action.tier):
        errors.append(FieldError(f"{p}then", "no action that changes anything; give at least "
                                 "one of exclude_sites, only_sites, require_capability, "
                                 "require_same_day: true, prefer_sites with a bonus, "
                                 "exclude_carriers, only_carriers, hold, notify, check, "
                                 "tier"))
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
    elif (act.get("check") or act.get("tier")) and priority != 100:
        errors.append(FieldError(f"{p}priority", "the strictest matching tier wins; leave "
                                 "priority out" if act.get("tier") else "checks run by level "
                                 "(format, then availability, then compliance); leave "
                                 "priority out"))
    given = doc.get("version")
    if given is not None and (not isinstance(given, int) or isinstance(given, bool)
                              or given < 1):
        errors.append(FieldError(f"{p}version", "kept by the store; if given, a whole number "
                                 "of at least 1 (it is ignored)"))
    description = doc.get("description", "")
    if not isinstance(description, str) or len(description) > 500 or "\x00" in description:
        errors.append(FieldError(f"{p}description", "text of at most 500 characters"))
        description = ""
    if errors:
        raise InvalidInput(errors)
    return RoutingRule(code, Condition(**{k: v for k, v in cond.items() if v is not None}),
                       action, description, bool(enabled), version, int(priority))


def condition_doc(cond: Condition) -> dict[str, Any]:
    """The JSON shape of a rule's `when`."""
    when: dict[str, Any] = {}
    for key in CONDITIONS:
        value = getattr(cond, key)
        if value in (None, "", frozenset()):
            continue
        when[key] = (sorted(value) if isinstance(value, frozenset)
                     else value.source if isinstance(value, Expression)
                     else str(value) if isinstance(value, Decimal)
                     else {"sku": value[0], "site": value[1], "units": value[2]}
                     if key == "stock_below" else value)
    return when


def rule_doc(rule: RoutingRule) -> dict[str, Any]:
    """The JSON shape of a rule (what `parse_rule` reads back)."""
    then: dict[str, Any] = {}
    for key in ACTIONS:
        value = getattr(rule.then, key)
        if (value in (None, "", frozenset(), False) or (key == "bonus" and not value)
                or (key == "params" and not value and not rule.then.check)):
            continue
        then[key] = (sorted(value) if isinstance(value, frozenset)
                     else dict(value) if isinstance(value, Mapping)
                     else str(value) if isinstance(value, Decimal) else value)
    return {"code": rule.code, "description": rule.description,
            "when": condition_doc(rule.when), "then": then,
            "enabled": rule.enabled, "priority": rule.priority, "version": rule.version}


def to_check(rule: RoutingRule) -> ValidationRule:
    """A check rule as the validation engine runs it."""
    scoped = rule.when != Condition()
    return ValidationRule(rule.code, Level(rule.then.level or CHECK_LEVELS[rule.then.check]),
                          rule.then.check, dict(rule.then.params), rule.enabled,
                          rule.description, rule.version, rule.when if scoped else None)
