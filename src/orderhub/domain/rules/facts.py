"""The facts of an order that rules are matched against: its routing view (`RouteOrder`),
built once per batch by the services from the order, its SKUs and its destination, and
(when some rule reads them) its SLA facts, worked out once per batch from the cached SLA
policy version (domain/twin/outlook.py): the slack to the promise, the SLA ship-by time,
its service level's delivery target. Routing
plans with the same view (`domain/routing/network.py` re-exports it), so a rule and the
router never disagree about what an order is. Pure data; imports nothing of the domain but
`fast_init` (a faster constructor for its frozen values).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from orderhub.domain.fast_init import fast_init

# What a site can do and an order can need (Site.capabilities, RouteOrder.needs).
CAPABILITIES = ("cold_chain", "hazardous", "b2b_pallet", "pickup")
# The exception desk's kinds as tier rules name them (the values of
# domain/exceptions/model.py ExceptionKind, RemedyKind and Tier; a unit test keeps them equal:
# rules cannot import the desk, which imports rules).
EXCEPTION_KINDS = ("held", "stalled", "at_risk", "anomaly", "carrier_failure",
                   "reservation_expired", "channel_update_conflict", "compensation")
REMEDY_KINDS = ("switch_warehouse", "split_shipment", "upgrade_carrier",
                "ship_available_backorder_rest", "substitute_sku", "transfer_stock",
                "recall_and_reroute", "contact_customer", "cancel_and_refund")
TIERS = ("L1", "L2", "L3")  # strictest last
SLA_FACTS = ("promise_slack_hours", "ship_by_hours", "delivery_target_hours")


@fast_init
@dataclass(frozen=True, slots=True)
class RouteLine:
    sku: str
    quantity: int
    weight_kg: Decimal = Decimal("0.5")  # per unit


class SlaFacts(NamedTuple):
    """An order's SLA facts, in RouteOrder's field order (domain/twin/outlook.py)."""

    promise_slack_hours: float | None
    ship_by_hours: float | None
    delivery_target_hours: float | None


@fast_init
@dataclass(frozen=True, slots=True)
class RouteOrder:
    """An order reduced to what rules match on and routing plans with."""

    id: str
    province: str
    lat: float
    lon: float
    lines: tuple[RouteLine, ...]
    requested_by: date | None = None  # due date: requested, or from the SLA class
    needs: frozenset[str] = frozenset()  # capabilities every shipping site must have
    region: str = ""
    channel: str = ""
    customer_tier: str = ""
    order_type: str = ""
    value: Decimal = Decimal(0)
    tags: frozenset[str] = frozenset()  # SKU facts of its lines: cold_chain, category:SNACK
    not_before: date | None = None  # a pre-sale's release day: nothing ships earlier
    sla: str = "standard"
    overrides: frozenset[str] = frozenset()  # hold codes a person accepted (rule_review)
    pickup_store: str = ""  # click and collect at this store
    # SLA facts (None: not worked out, no rule reads them): hours of slack between the end
    # of the due date and the arrival the SLA targets project from now (negative: the
    # promise cannot be kept), hours until the SLA's ship-by time, the service level's
    # delivery target in hours.
    promise_slack_hours: float | None = None
    ship_by_hours: float | None = None
    delivery_target_hours: float | None = None
    # Money (domain/fx.py): `value` is in `value_currency`: the tenant's base currency when
    # the order's own could be converted on its date, else the order's own; `base_currency`
    # is "" for a view built without rates (a threshold without a currency is then compared
    # number to number, one in the order's own currency as it is, any other not at all);
    # `fx_rates`, each currency of the batch's rate table to the base on the order's date.
    value_currency: str = ""
    base_currency: str = ""
    fx_rates: tuple[tuple[str, Decimal], ...] = ()

    def value_in(self, currency: str) -> Decimal | None:
        """The order's value in `currency` ("" = the tenant's base currency), or None when
        no usable exchange rate says what it is."""
        target = currency or self.base_currency
        if not target or not self.value_currency or target == self.value_currency:
            return self.value
        if self.value_currency != self.base_currency:
            return None  # no usable rate for the order's currency (or no rates at all)
        for code, rate in self.fx_rates:
            if code == target:
                return self.value / rate
        return None

    @property
    def demand(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for ln in self.lines:
            out[ln.sku] = out.get(ln.sku, 0) + ln.quantity
        return out

    @property
    def units(self) -> int:
        return sum(ln.quantity for ln in self.lines)


@dataclass(frozen=True, slots=True)
class DeskFacts:
    """What a tier rule reads besides the order: the exception a remedy answers and the
    remedy's price (its cost change in CNY, its effect on the promise in days)."""

    exception_kind: str
    remedy_kind: str
    cost_delta: Decimal = Decimal(0)
    delay_days: int = 0
