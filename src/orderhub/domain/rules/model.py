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
before routing, on the orders its conditions select.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from orderhub.domain.errors import FieldError, InvalidInput
from orderhub.domain.routing.lanes import PROVINCE_REGION, REGIONS, province_key
from orderhub.domain.routing.network import CAPABILITIES, RouteOrder
from orderhub.domain.rules.checks import CHECK_LEVELS, CHECKS, Level, param_errors
from orderhub.domain.rules.checks import Rule as ValidationRule
from orderhub.domain.rules.expressions import Expression, ExpressionError, compile_expression

CONDITIONS = ("customer_tier", "channel", "order_type", "destination", "sku_attribute",
              "sku_category", "min_order_value", "order_value_above", "min_units", "sla",
              "stock_below", "site_closed", "carrier_down", "expression")
ACTIONS = ("exclude_sites", "only_sites", "require_capability", "require_same_day",
           "prefer_sites", "bonus", "exclude_carriers", "waive_if_empty", "hold",
           "notify", "notify_to", "check", "level", "params")
ROUTING_ONLY = ("stock_below", "site_closed", "carrier_down")  # state known when routing
# Actions whose value is one name out of a fixed list: (the names, the message if not).
CHOICES: dict[str, tuple[frozenset[str], str]] = {
    "require_capability": (frozenset(CAPABILITIES), f"one of {', '.join(CAPABILITIES)}"),
    "check": (frozenset(CHECKS), f"unknown check; known: {', '.join(CHECKS)}"),
    "level": (frozenset(lv.value for lv in Level), f"one of {', '.join(lv.value for lv in Level)}"),
}


def is_check_doc(doc: Mapping[str, Any]) -> bool:
    """A rule document whose action is a validation check (read without parsing it)."""
    then = doc.get("then")
    return isinstance(then, Mapping) and bool(then.get("check"))


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
    order_value_above: Decimal | None = None  # strictly more than
    stock_below: tuple[str, str, int] | None = None  # (SKU, site, units): ATP there < units
    site_closed: frozenset[str] = frozenset()  # DR plans: while any of these is closed
    carrier_down: frozenset[str] = frozenset()  # while any of these carriers/services is down
    expression: Expression | None = None  # CEL, checked last
    _category_tags: frozenset[str] = field(init=False, repr=False, compare=False)
    _tiers: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_category_tags",
                           frozenset(f"category:{c}" for c in self.sku_category))
        object.__setattr__(self, "_tiers", frozenset(t.upper() for t in self.customer_tier))

    @property
    def skus(self) -> frozenset[str]:
        """SKUs whose stock the condition reads (beyond the order's own)."""
        return frozenset([self.stock_below[0]]) if self.stock_below else frozenset()

    def admits(self, channel: str, tier: str, order_type: str, sla: str, province: str,
               region: str) -> bool:
        """The conditions on these (few-valued) facts of an order let it through."""
        d = self.destination
        return not ((self.channel and channel not in self.channel)
                    or (self._tiers and tier not in self._tiers)
                    or (self.order_type and order_type not in self.order_type)
                    or (self.sla and sla not in self.sla)
                    or (d and province not in d and region not in d))

    def matches(self, order: RouteOrder,
                stock: Mapping[tuple[str, str], int] | None = None,
                closed: frozenset[str] = frozenset(),
                env: list[dict[str, Any]] | None = None,
                down: frozenset[str] = frozenset(), on_error: bool = False) -> bool:
        """`env`, if given, caches the order's expression variables across rules;
        `on_error` is the answer when the expression cannot be evaluated on the order."""
        # Cheapest and most selective checks first: most rules fail on one of them.
        if self.channel and order.channel not in self.channel:
            return False
        if self._tiers and order.customer_tier.upper() not in self._tiers:
            return False
        if self.order_type and order.order_type not in self.order_type:
            return False
        d = self.destination
        if d and order.province not in d and order.region not in d:
            return False
        if self.sla and order.sla not in self.sla:
            return False
        if self.sku_attribute and self.sku_attribute not in order.tags:
            return False
        if self._category_tags and not (self._category_tags & order.tags):
            return False
        if self.site_closed and not (self.site_closed & closed):
            return False
        if self.carrier_down and not (self.carrier_down & down):
            return False
        if self.min_order_value is not None and order.value < self.min_order_value:
            return False
        if self.order_value_above is not None and order.value <= self.order_value_above:
            return False
        if self.min_units is not None and order.units < self.min_units:
            return False
        if self.stock_below is not None:
            sku, site, units = self.stock_below
            if (stock or {}).get((sku, site), 0) >= units:
                return False
        if self.expression is not None:
            if env is None:
                return self.expression(environment(order, closed, down), on_error)
            if not env:
                env.append(environment(order, closed, down))
            return self.expression(env[0], on_error)
        return True


def environment(order: RouteOrder, closed: frozenset[str] = frozenset(),
                down: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The variables a CEL condition reads (domain/expressions.py documents them)."""
    return {
        "order": {"id": order.id, "channel": order.channel, "type": order.order_type,
                  "sla": order.sla, "value": float(order.value),
                  "value_fen": int(order.value * 100), "units": order.units,
                  "province": order.province, "region": order.region,
                  "tags": sorted(order.tags), "skus": sorted(order.demand),
                  "lines": [{"sku": ln.sku, "quantity": ln.quantity} for ln in order.lines]},
        "customer": {"tier": order.customer_tier.upper()},
        "network": {"closed": sorted(closed), "carriers_down": sorted(down)},
    }


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
    hold: str = ""  # hold the order for a person, with this reason (manual review)
    notify: str = ""  # publish a RuleNotification with this message
    notify_to: frozenset[str] = frozenset()  # who should hear (team names, free text)
    check: str = ""  # a validation check (domain/validation.py CHECKS), run at intake
    level: str = ""  # its level: format, availability, compliance
    params: Mapping[str, Any] = field(default_factory=dict, hash=False)

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

    def __post_init__(self) -> None:
        # Read for every rule of every order: computed once.
        object.__setattr__(self, "label", f"rule {self.code} v{self.version}" + (
            f" ({self.description})" if self.description else ""))
        object.__setattr__(self, "is_check", bool(self.then.check))


@dataclass
class RuleEffects:
    """What the matching rules say for one order."""

    matched: list[RoutingRule] = field(default_factory=list)
    bonus: dict[str, Decimal] = field(default_factory=dict)  # site -> score discount
    banned_carriers: dict[str, str] = field(default_factory=dict)  # carrier/service -> rule
    hold: str = ""  # the first hold a matching rule asks for
    notify: list[dict[str, Any]] = field(default_factory=list)  # {rule, message, to}


class RuleBook(list[RoutingRule]):
    """Routing rules in the order they apply, with the rules that can match each kind of
    order worked out once: conditions on channel, customer tier, order type, service level
    and destination depend on few values, so an order is checked only against the rules
    whose conditions on those let it through (typically a handful of 200). Not to be
    changed once built (the index would not follow)."""

    MAX_KINDS = 50_000  # kinds of order remembered; beyond that they are worked out each time

    def __init__(self, rules: Iterable[RoutingRule] = ()) -> None:
        super().__init__(sorted(rules, key=lambda r: (r.priority, r.code)))
        self._live = [r for r in self if r.enabled and not r.is_check]
        self._by_kind: dict[tuple[str, ...], list[RoutingRule]] = {}
        # Whether any rule reads carrier state (else the router need not work it out).
        self.reads_carriers = any(r.when.carrier_down or r.when.expression is not None
                                  for r in self)

    def for_order(self, order: RouteOrder) -> list[RoutingRule]:
        kind = (order.channel, order.customer_tier.upper(), order.order_type, order.sla,
                order.province, order.region)
        hit = self._by_kind.get(kind)
        if hit is None:
            hit = [r for r in self._live if r.when.admits(*kind)]
            if len(self._by_kind) < self.MAX_KINDS:
                self._by_kind[kind] = hit
        return hit


def by_priority(rules: Iterable[RoutingRule]) -> RuleBook:
    """Rules in the order they apply (priority, then code); `matching` expects it."""
    return RuleBook(rules)


def matching(rules: Sequence[RoutingRule], order: RouteOrder,
             stock: Mapping[tuple[str, str], int] | None = None,
             closed: frozenset[str] = frozenset(),
             down: frozenset[str] = frozenset()) -> RuleEffects:
    """What the rules say for `order`; `rules` in priority order (`by_priority`)."""
    effects = RuleEffects()
    env: list[dict[str, Any]] = []
    for rule in rules.for_order(order) if isinstance(rules, RuleBook) else rules:
        if (not rule.enabled or rule.is_check
                or not rule.when.matches(order, stock, closed, env, down)):
            continue
        if rule.then.hold and not effects.hold:
            effects.hold = f"held by {rule.label}: {rule.then.hold}"
        if rule.then.notify:
            effects.notify.append({"rule": rule.code, "version": rule.version,
                                   "message": rule.then.notify,
                                   "to": sorted(rule.then.notify_to)})
        effects.matched.append(rule)
        for site in rule.then.prefer_sites:
            effects.bonus[site] = effects.bonus.get(site, Decimal(0)) + rule.then.bonus
        for carrier in rule.then.exclude_carriers:
            effects.banned_carriers.setdefault(carrier, rule.label)
    return effects


def carriers_down(services: Sequence[Any]) -> frozenset[str]:
    """Services that are down, and carriers none of whose services is up."""
    down = {s.code for s in services if not s.healthy}
    up = {s.carrier for s in services if s.healthy}
    return frozenset(down | ({s.carrier for s in services} - up))


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

ORDER_TYPES = ("b2c", "b2b", "pre_sale")
SERVICE_LEVELS = ("same_day", "next_day", "express", "standard", "economy")


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
        elif key in ("require_same_day", "waive_if_empty"):
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
            if key == "exclude_carriers":
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


def expand_table(doc: Mapping[str, Any], loc: str = "") -> list[dict[str, Any]]:
    """A decision table as the rules it stands for: one rule per row, `<table>.<row>`.

        {"table": "tmall-plan", "description": "Tmall by tier",
         "when": ["channel", "customer_tier"], "then": ["only_sites", "notify"],
         "rows": [[["tmall"], ["VIP"], ["SH-JD"], null],
                  [["tmall"], null, null, "Tmall order"]]}

    A null cell is "any" (a condition) or "nothing" (an action); every row that matches
    applies, as with rules written one by one. The rules are checked like any other."""
    p = f"{loc}." if loc else ""
    errors: list[FieldError] = []
    code = doc.get("table")
    if not isinstance(code, str) or not re.fullmatch(r"[A-Za-z0-9_.:\-]{1,56}", code):
        errors.append(FieldError(f"{p}table", "the table's code: 1 to 56 letters, digits "
                                 "and _ . : -"))
    cols: dict[str, list[str]] = {}
    for side, known in (("when", CONDITIONS), ("then", ACTIONS)):
        names = doc.get(side, [])
        if (not isinstance(names, list) or not all(isinstance(n, str) for n in names)
                or len(set(names)) != len(names)):
            errors.append(FieldError(f"{p}{side}", "a list of distinct column names"))
            names = []
        for n in names:
            if n not in known:
                errors.append(FieldError(f"{p}{side}", f"unknown column '{n}'; known: "
                                         f"{', '.join(known)}"))
        cols[side] = names
    if not cols["then"]:
        errors.append(FieldError(f"{p}then", "at least one action column"))
    rows = doc.get("rows")
    if not isinstance(rows, list) or not rows or len(rows) > 1000:
        errors.append(FieldError(f"{p}rows", "1 to 1,000 rows, each a list of cells"))
        rows = []
    extra = sorted(set(doc) - {"table", "description", "when", "then", "rows", "priority",
                               "enabled"})
    for key in extra:
        errors.append(FieldError(f"{p}{key}", "unknown field of a table; known: table, "
                                 "description, when, then, rows, priority, enabled"))
    description = doc.get("description", "")
    if not isinstance(description, str) or len(description) > 480 or "\x00" in description:
        errors.append(FieldError(f"{p}description", "text of at most 480 characters (each "
                                 "row's rule adds its row number)"))
        description = ""
    width = len(cols["when"]) + len(cols["then"])
    out = []
    for j, row in enumerate(rows):
        if not isinstance(row, list) or len(row) != width:
            errors.append(FieldError(f"{p}rows.{j}", f"{width} cells: "
                                     f"{', '.join(cols['when'] + cols['then'])}"))
            continue
        when = {k: v for k, v in zip(cols["when"], row, strict=False) if v is not None}
        then = {k: v for k, v in zip(cols["then"], row[len(cols["when"]):], strict=True)
                if v is not None}
        rule: dict[str, Any] = {"code": f"{code}.{j + 1}", "when": when, "then": then,
                                "description": f"{description or code} (row {j + 1})"}
        for key in ("priority", "enabled"):
            if key in doc:
                rule[key] = doc[key]
        out.append(rule)
    if errors:
        raise InvalidInput(errors)
    return out


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
    if act.get("check"):
        _check_rule(act, cond, p, errors)
    elif {"level", "params"} & set(act):
        errors.append(FieldError(f"{p}then.{'level' if 'level' in act else 'params'}",
                                 "only with a check"))
    if act.get("notify_to") and not act.get("notify"):
        errors.append(FieldError(f"{p}then.notify", "notify_to needs the message to send"))
    action = Action(**{k: v for k, v in act.items() if v is not None})
    if not (action.excludes or action.prefer_sites or action.exclude_carriers or action.hold
            or action.notify or action.check):
        errors.append(FieldError(f"{p}then", "no action that changes anything; give at least "
                                 "one of exclude_sites, only_sites, require_capability, "
                                 "require_same_day: true, prefer_sites with a bonus, "
                                 "exclude_carriers, hold, notify, check"))
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
    elif act.get("check") and priority != 100:
        errors.append(FieldError(f"{p}priority", "checks run by level (format, then "
                                 "availability, then compliance); leave priority out"))
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
