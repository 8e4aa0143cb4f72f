"""The state of the fulfilment network that routing and validation read besides stock:
carrier services with health, routing rules and the canary, region blocks, each site's
picking queue. Loaded once per batch by the service layer (through the network repository)
and handed to the strategy as a value; nothing here does I/O."""

from __future__ import annotations

from dataclasses import dataclass, field

from orderhub.domain.routing.network import DEMO_SERVICES, CarrierService, RegionBlock, RouteOrder
from orderhub.domain.rules.model import RoutingRule
from orderhub.domain.rules.rule_sets import Slice
from orderhub.domain.rules.validation import Rule


@dataclass(frozen=True)
class Canary:
    """A rule set live for a slice of new orders, instead of the live rules."""

    version: int
    slice: Slice
    rules: list[RoutingRule]
    checks: tuple[RoutingRule, ...] = ()  # the set's validation checks (intake applies them)
    tiers: tuple[RoutingRule, ...] = ()  # its approval tiers (the exception desk applies them)

    @property
    def label(self) -> str:
        return f"canary v{self.version}"


@dataclass(frozen=True)
class NetworkState:
    """What routing reads besides stock: loaded once per batch (cached for seconds)."""

    services: list[CarrierService] = field(default_factory=lambda: list(DEMO_SERVICES))
    rules: list[RoutingRule] = field(default_factory=list)
    blocks: list[RegionBlock] = field(default_factory=list)
    backlog: dict[str, int] = field(default_factory=dict)  # site -> open orders
    version: str = ""  # identifies carriers, rules and blocks in force (for explanations)
    canary: Canary | None = None
    # ATP of the SKUs rules read (stock_below), per site: for orders without those SKUs
    rule_stock: dict[tuple[str, str], int] = field(default_factory=dict)
    checks: list[Rule] = field(default_factory=list)  # the live validation checks
    # The tenant's network revision: every change to sites, carriers, blocks or rules
    # bumps it, so a cached state is reused only while it is still the one in force.
    revision: int = 0
    # Planning's optional sell-out term (off unless the tenant sets a penalty): forecast
    # units per (sku, site) over the next 72 hours, and the penalty per unit in `units`.
    sellout: dict[tuple[str, str], float] = field(default_factory=dict)
    sellout_penalty_units: int = 0

    def rules_for(self, order: RouteOrder) -> tuple[list[RoutingRule], str]:
        """The rules that route this order: a canary's for its slice, else the live ones."""
        if self.canary is not None and self.canary.slice.covers(order):
            return self.canary.rules, self.canary.label
        return self.rules, "live"
