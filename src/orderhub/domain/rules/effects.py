"""What routing rules say for one order: the rules that can match each kind of order
(`RuleBook`, indexed once), the matching rules' combined effects (`matching`: bonuses,
banned carriers, the first hold, notifications) and why a rule keeps a site out
(`excluded_by`). The routing planners (domain/routing/streaming.py) call these.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from orderhub.domain.rules.facts import RouteOrder
from orderhub.domain.rules.model import RoutingRule


@dataclass
class RuleEffects:
    """What the matching rules say for one order."""

    matched: list[RoutingRule] = field(default_factory=list)
    bonus: dict[str, Decimal] = field(default_factory=dict)  # site -> score discount
    banned_carriers: dict[str, str] = field(default_factory=dict)  # carrier/service -> rule
    # carriers/services every matching `only_carriers` rule allows (None: no such rule),
    # the rules that said so, and whether all of them may be waived if none is usable
    only_carriers: frozenset[str] | None = None
    only_carriers_by: list[str] = field(default_factory=list)
    only_carriers_waivable: bool = True
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
        self._live = [r for r in self if r.enabled and not r.is_check and not r.is_tier]
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
        if (not rule.enabled or rule.is_check or rule.is_tier
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
        if rule.then.only_carriers:
            effects.only_carriers = (rule.then.only_carriers if effects.only_carriers is None
                                     else effects.only_carriers & rule.then.only_carriers)
            effects.only_carriers_by.append(rule.label)
            effects.only_carriers_waivable &= rule.then.waive_if_empty
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
