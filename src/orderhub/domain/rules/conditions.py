"""Conditions: when a rule applies. Typed keys on the few-valued facts of an order
(channel, customer tier, order type, service level, destination), on its SKUs and value,
on the network's state while routing (a closed site, a carrier down, low stock), or a CEL
`expression` (domain/rules/expressions.py); all given keys must hold, and a list matches
any of its values. Matched against the order's routing view (`facts.RouteOrder`); a tier
rule of the exception desk also reads the exception and the remedy (`facts.DeskFacts`:
`exception_kind`, `remedy_kind`, `max_cost_delta`, `max_delay_days`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from orderhub.domain.rules.expressions import Expression
from orderhub.domain.rules.facts import SLA_FACTS, DeskFacts, RouteOrder

CONDITIONS = ("customer_tier", "channel", "order_type", "destination", "sku_attribute",
              "sku_category", "min_order_value", "order_value_above", "value_currency",
              "min_units", "sla",
              "stock_below", "site_closed", "carrier_down", "slack_below_hours",
              "exception_kind", "remedy_kind", "max_cost_delta", "max_delay_days", "expression")
ROUTING_ONLY = ("stock_below", "site_closed", "carrier_down")  # state known when routing
DESK_ONLY = ("exception_kind", "remedy_kind", "max_cost_delta", "max_delay_days")  # tier rules


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
    # the currency of min_order_value / order_value_above ("" = the tenant's base currency);
    # the order's value is converted at the rate effective on its date (domain/fx.py)
    value_currency: str = ""
    stock_below: tuple[str, str, int] | None = None  # (SKU, site, units): ATP there < units
    site_closed: frozenset[str] = frozenset()  # DR plans: while any of these is closed
    carrier_down: frozenset[str] = frozenset()  # while any of these carriers/services is down
    # the promise slack under the SLA (RouteOrder.promise_slack_hours) is under this
    slack_below_hours: Decimal | None = None
    exception_kind: frozenset[str] = frozenset()  # tier rules: the exception's kind
    remedy_kind: frozenset[str] = frozenset()  # tier rules: the remedy's kind
    max_cost_delta: Decimal | None = None  # tier rules: the remedy costs at most this more
    max_delay_days: int | None = None  # tier rules: the promise moves at most this many days
    expression: Expression | None = None  # CEL, checked last
    _category_tags: frozenset[str] = field(init=False, repr=False, compare=False)
    _tiers: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_category_tags",
                           frozenset(f"category:{c}" for c in self.sku_category))
        object.__setattr__(self, "_tiers", frozenset(t.upper() for t in self.customer_tier))

    @property
    def reads_sla(self) -> bool:
        """It reads the order's SLA facts (intake works them out only when a rule does)."""
        return self.slack_below_hours is not None or (
            self.expression is not None and self.expression.reads_sla)

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
                down: frozenset[str] = frozenset(), on_error: bool = False,
                desk: DeskFacts | None = None) -> bool:
        """`env`, if given, caches the order's expression variables across rules;
        `on_error` is the answer when the expression cannot be evaluated on the order;
        `desk`, the exception and remedy a tier rule reads (without it, no desk condition
        holds)."""
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
        if self.min_order_value is not None or self.order_value_above is not None:
            value = order.value_in(self.value_currency)
            if value is None:  # no usable exchange rate: the rule cannot judge it
                return on_error
            if self.min_order_value is not None and value < self.min_order_value:
                return False
            if self.order_value_above is not None and value <= self.order_value_above:
                return False
        if self.min_units is not None and order.units < self.min_units:
            return False
        if self.slack_below_hours is not None and (
                order.promise_slack_hours is None
                or order.promise_slack_hours >= self.slack_below_hours):
            return False
        if self.stock_below is not None:
            sku, site, units = self.stock_below
            if (stock or {}).get((sku, site), 0) >= units:
                return False
        if (self.exception_kind or self.remedy_kind or self.max_cost_delta is not None
                or self.max_delay_days is not None) and not self.matches_desk(desk):
            return False
        if self.expression is not None:
            if env is None:
                return self.expression(environment(order, closed, down, desk), on_error)
            if not env:
                env.append(environment(order, closed, down, desk))
            return self.expression(env[0], on_error)
        return True

    def matches_desk(self, desk: DeskFacts | None) -> bool:
        if desk is None:
            return False
        return not ((self.exception_kind and desk.exception_kind not in self.exception_kind)
                    or (self.remedy_kind and desk.remedy_kind not in self.remedy_kind)
                    or (self.max_cost_delta is not None
                        and desk.cost_delta > self.max_cost_delta)
                    or (self.max_delay_days is not None
                        and desk.delay_days > self.max_delay_days))


def environment(order: RouteOrder, closed: frozenset[str] = frozenset(),
                down: frozenset[str] = frozenset(),
                desk: DeskFacts | None = None) -> dict[str, Any]:
    """The variables a CEL condition reads (expressions.py documents them)."""
    env: dict[str, Any] = {
        "order": {"id": order.id, "channel": order.channel, "type": order.order_type,
                  "sla": order.sla, "value": float(order.value),
                  "currency": order.value_currency,
                  "value_fen": int(order.value * 100), "units": order.units,
                  "province": order.province, "region": order.region,
                  "tags": sorted(order.tags), "skus": sorted(order.demand),
                  "lines": [{"sku": ln.sku, "quantity": ln.quantity} for ln in order.lines],
                  **{k: v for k in SLA_FACTS if (v := getattr(order, k)) is not None}},
        "customer": {"tier": order.customer_tier.upper()},
        "network": {"closed": sorted(closed), "carriers_down": sorted(down)},
    }
    if desk is not None:
        env["exception"] = {"kind": desk.exception_kind}
        env["remedy"] = {"kind": desk.remedy_kind, "cost_delta": float(desk.cost_delta),
                         "delay_days": desk.delay_days}
    return env
