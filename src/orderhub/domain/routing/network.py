"""The routing network: sites with costs and capacity, carrier services with zone-based
prices and transit times, and orders reduced to what routing needs. Pure data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal

from orderhub.domain.geo import haversine_km


@dataclass(frozen=True, slots=True)
class Site:
    """A warehouse or store that can ship."""

    code: str
    lat: float
    lon: float
    province: str
    handling_per_order: Decimal
    handling_per_unit: Decimal
    capacity_left: int  # orders it can still pick today
    cutoff: time = time(16, 0)
    capabilities: frozenset[str] = frozenset()  # cold_chain, hazardous, b2b_pallet, pickup
    active: bool = True


@dataclass(frozen=True, slots=True)
class CarrierService:
    """One carrier's service level, priced and timed by zone (1 = same province ... 4)."""

    carrier: str
    service: str
    first_kg: Mapping[int, Decimal]  # zone -> price of the first kilogram
    extra_kg: Mapping[int, Decimal]  # zone -> price of each further kilogram
    transit_days: Mapping[int, int]  # zone -> days in transit
    healthy: bool = True

    @property
    def code(self) -> str:
        return f"{self.carrier}:{self.service}"

    def price(self, zone: int, weight_kg: Decimal) -> Decimal:
        extra = max(Decimal(0), (weight_kg - 1).to_integral_value(rounding="ROUND_CEILING"))
        return self.first_kg[zone] + extra * self.extra_kg[zone]


@dataclass(frozen=True, slots=True)
class RouteLine:
    sku: str
    quantity: int
    weight_kg: Decimal = Decimal("0.5")  # per unit


@dataclass(frozen=True, slots=True)
class RouteOrder:
    id: str
    province: str
    lat: float
    lon: float
    lines: tuple[RouteLine, ...]
    requested_by: date | None = None
    needs: frozenset[str] = frozenset()  # capabilities every shipping site must have

    @property
    def demand(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for ln in self.lines:
            out[ln.sku] = out.get(ln.sku, 0) + ln.quantity
        return out


def zone(site: Site, order: RouteOrder) -> int:
    """Parcel zones as Chinese express carriers price them: same province, then by
    distance between the shipping site and the destination."""
    km = haversine_km((site.lat, site.lon), (order.lat, order.lon))
    if (site.province and site.province == order.province) or km <= 150:
        return 1
    return 2 if km <= 800 else 3 if km <= 1500 else 4


@dataclass(frozen=True, slots=True)
class CostWeights:
    """The objective's prices for things that are not invoices."""

    split_penalty: Decimal = Decimal("8.00")  # per extra shipment (packaging, customer cost)
    late_penalty_per_day: Decimal = Decimal("15.00")  # per day past the requested date


# Demo carrier services (CNY, 2026 list-price shapes of Chinese express carriers).
DEMO_SERVICES: tuple[CarrierService, ...] = (
    CarrierService("SF", "express",
                   {1: Decimal("12"), 2: Decimal("18"), 3: Decimal("22"), 4: Decimal("26")},
                   {1: Decimal("2"), 2: Decimal("5"), 3: Decimal("8"), 4: Decimal("12")},
                   {1: 1, 2: 1, 3: 2, 4: 3}),
    CarrierService("ZTO", "standard",
                   {1: Decimal("5"), 2: Decimal("7"), 3: Decimal("9"), 4: Decimal("12")},
                   {1: Decimal("1"), 2: Decimal("2"), 3: Decimal("4"), 4: Decimal("6")},
                   {1: 1, 2: 2, 3: 3, 4: 5}),
    CarrierService("JD", "b2b_freight",
                   {1: Decimal("30"), 2: Decimal("45"), 3: Decimal("60"), 4: Decimal("80")},
                   {1: Decimal("0.8"), 2: Decimal("1.2"), 3: Decimal("1.6"), 4: Decimal("2.2")},
                   {1: 2, 2: 3, 3: 4, 4: 6}),
)


@dataclass
class Network:
    sites: list[Site]
    services: list[CarrierService] = field(default_factory=lambda: list(DEMO_SERVICES))
    stock: dict[tuple[str, str], int] = field(default_factory=dict)  # (sku, site) -> ATP
