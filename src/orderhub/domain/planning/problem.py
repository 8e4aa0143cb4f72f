"""The pre-allocation problem (预分配, 72 hours ahead) and its solution, as values.

Per SKU × site: the forecast demand over the horizon (mean and σ, uncertainty.py), stock
on hand, reserved, in transit arriving within the horizon, the planning safety stock and
the holding cost; per SKU the cost of a lost sale; per lane (site → site) the lead time,
the cost per unit and, optionally, a capacity. The solver (a port, `PreallocationSolver`;
HiGHS in adapters/planning) minimises

    Σ_j (p + h_j) E[short_j] + Σ_j h_j (S_j − μ_j) + Σ_ij c_ij x_ij

where S_j = on_hand_j − reserved_j + in_transit_j + Σ_i x_ij − Σ_k x_jk is site j's stock
position at the end of the horizon, E[short_j] the expected lost sales at j (a convex
function of S_j, approximated by its tangents), h_j the holding cost per unit over the
horizon, p the lost-sale cost, c_ij the transfer cost per unit. Constraints: a source
ships no more than what it holds above its safety stock (on_hand − reserved − SS ≥ Σ_k
x_ik); a lane's transfer arrives within the horizon (lead time < horizon days); lane and
site outbound capacities when given (these couple SKUs; without them the problem
separates per SKU and is solved in batches)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from orderhub.domain.geo import haversine_km
from orderhub.domain.planning import uncertainty


@dataclass(frozen=True, slots=True)
class Lane:
    """Moving stock from `origin` to `destination`: days on the way, cost per unit and,
    optionally, the most units it can carry within one plan's horizon."""

    origin: str
    destination: str
    lead_days: int
    unit_cost: Decimal
    capacity: int | None = None


@dataclass(frozen=True, slots=True)
class SiteItem:
    """One SKU at one site over the horizon."""

    site: str
    on_hand: int
    reserved: int
    in_transit: int  # arriving within the horizon (transfers shipped or created to it)
    demand_mean: float  # forecast units over the horizon
    demand_sigma: float  # σ of the horizon's demand
    safety_stock: int  # what a source keeps (max of the stored and the service-level one)
    holding_cost: Decimal  # per unit over the horizon

    @property
    def position(self) -> int:
        """Stock the site can sell from within the horizon, before transfers."""
        return self.on_hand - self.reserved + self.in_transit

    @property
    def free(self) -> int:
        """What the site may ship away and still keep its safety stock."""
        return max(0, self.on_hand - self.reserved - self.safety_stock)


@dataclass(frozen=True, slots=True)
class SkuProblem:
    sku: str
    lost_sale_cost: Decimal  # per unit not sold for want of stock
    items: tuple[SiteItem, ...]


@dataclass(frozen=True, slots=True)
class PlanningProblem:
    horizon_days: int
    skus: tuple[SkuProblem, ...]
    lanes: tuple[Lane, ...]
    site_outbound_capacity: Mapping[str, int] = field(default_factory=dict)

    def usable_lanes(self) -> list[Lane]:
        """Lanes whose transfers arrive within the horizon."""
        return [ln for ln in self.lanes if ln.lead_days < self.horizon_days
                and ln.origin != ln.destination]

    @property
    def coupled(self) -> bool:
        """Capacities shared by SKUs: the problem does not separate per SKU."""
        return bool(self.site_outbound_capacity) or any(
            ln.capacity is not None for ln in self.lanes)


@dataclass(frozen=True, slots=True)
class Transfer:
    sku: str
    origin: str
    destination: str
    quantity: int


@dataclass(frozen=True, slots=True)
class Solution:
    transfers: tuple[Transfer, ...]
    status: str  # optimal, or the solver's word for what went wrong
    seconds: float
    objective: float
    batches: int = 1


class PreallocationSolver(Protocol):
    def solve(self, problem: PlanningProblem) -> Solution: ...


# ----- building the problem -----------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SiteInfo:
    code: str
    lat: float
    lon: float
    kind: str = "warehouse"


def lanes_between(sites: Sequence[SiteInfo], *, base_cost: Decimal, cost_per_km: Decimal,
                  km_per_day: float) -> tuple[Lane, ...]:
    """Lanes between every pair of sites from their distance: lead time 1 + ⌊km / km per
    day⌋ days, cost base + km × cost per km per unit (rounded to cents)."""
    out = []
    for a in sites:
        for b in sites:
            if a.code == b.code:
                continue
            km = haversine_km((a.lat, a.lon), (b.lat, b.lon))
            out.append(Lane(a.code, b.code, 1 + int(km // km_per_day),
                            (base_cost + cost_per_km * Decimal(str(round(km, 1))))
                            .quantize(Decimal("0.01"))))
    return tuple(out)


def inbound_lead(lanes: Sequence[Lane], site: str) -> int:
    """The shortest inbound lane's lead time (1 without lanes)."""
    leads = [ln.lead_days for ln in lanes if ln.destination == site]
    return min(leads) if leads else 1


@dataclass(frozen=True, slots=True)
class DailyForecast:
    """One day's forecast of one SKU at one site: the mean and its intervals."""

    mean: float
    lo80: float
    hi80: float
    lo95: float
    hi95: float


def horizon_demand(days: Sequence[DailyForecast]) -> tuple[float, float, float]:
    """(mean over the horizon, σ over the horizon, mean daily σ)."""
    if not days:
        return 0.0, 0.0, 0.0
    sig = [uncertainty.daily_sigma(d.lo80, d.hi80, d.lo95, d.hi95) for d in days]
    return (sum(max(0.0, d.mean) for d in days), uncertainty.horizon_sigma(sig),
            sum(sig) / len(sig))


def planning_safety_stock(service_level: float, sigma_day: float, lead_days: int,
                          stored: int) -> int:
    """The larger of the stock record's safety stock and z_α σ_day sqrt(L), rounded up."""
    computed = uncertainty.safety_stock(service_level, sigma_day, lead_days)
    return max(stored, math.ceil(computed - 1e-9))
