"""The routing network: sites with costs, capacity and current load, carrier services with
zone prices, lane transit times and a health state, live blocks, and orders reduced to
what routing needs. Pure data."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import time
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING

from orderhub.domain.geo import haversine_km
from orderhub.domain.routing.lanes import economy_lanes, express_lanes, freight_lanes
from orderhub.domain.rules.facts import CAPABILITIES as CAPABILITIES  # defined in rules/facts.py
from orderhub.domain.rules.facts import RouteLine as RouteLine
from orderhub.domain.rules.facts import RouteOrder as RouteOrder

if TYPE_CHECKING:
    from orderhub.domain.rules.model import RoutingRule

# Pricing runs on integers: money in units of 0.0001 CNY, weights in grams. Decimal
# arithmetic is exact but slow, and a streaming decision prices dozens of parcels.
UNIT = 10_000


def to_units(amount: Decimal) -> int:
    return int((amount * UNIT).to_integral_value())


_UNITS_TEXT: dict[int, str] = {}


def units_text(units: int) -> str:
    """The amount as the text str(from_units(units)) gives, without building a Decimal
    (remembered: every stored decision shows a dozen amounts, most of them recurring)."""
    hit = _UNITS_TEXT.get(units)
    if hit is None:
        if len(_UNITS_TEXT) > 8192:
            _UNITS_TEXT.clear()
        if units % 100:
            hit = str(from_units(units))
        else:
            cents = abs(units) // 100
            hit = f"{'-' if units < 0 else ''}{cents // 100}.{cents % 100:02d}"
        _UNITS_TEXT[units] = hit
    return hit


def from_units(units: int) -> Decimal:
    """Back to CNY: to the cent when the amount is a whole number of cents."""
    d = Decimal(units).scaleb(-4)
    cents = d.quantize(Decimal("0.01"))
    return cents if cents == d else d.normalize()


@dataclass(frozen=True, slots=True)
class Site:
    """A warehouse or store that can ship.

    Load is a queue: `backlog` orders are allocated to it and not yet dispatched, and it
    picks `daily_capacity` orders a day, so a new order ships `backlog // daily_capacity`
    days after its cut-off day. A site whose queue is `max_queue_days` deep takes no more.
    """

    code: str
    lat: float
    lon: float
    province: str
    handling_per_order: Decimal
    handling_per_unit: Decimal
    daily_capacity: int  # orders picked per day; 0 = not limited
    cutoff: time = time(16, 0)
    capabilities: frozenset[str] = frozenset()  # cold_chain, hazardous, b2b_pallet, pickup
    active: bool = True
    backlog: int = 0
    region: str = ""
    max_queue_days: int = 2
    kind: str = "warehouse"  # warehouse, store, front
    per_order_units: int = field(init=False, repr=False, compare=False)
    per_unit_units: int = field(init=False, repr=False, compare=False)
    # Where it ships from, as pricing keys its memo (a str: its hash is computed once).
    lane_key: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "per_order_units", to_units(self.handling_per_order))
        object.__setattr__(self, "per_unit_units", to_units(self.handling_per_unit))
        object.__setattr__(self, "lane_key",
                           f"{self.lat!r}|{self.lon!r}|{self.province}|{self.region}")

    def with_backlog(self, backlog: int) -> Site:
        """This site with another queue length (`dataclasses.replace`, without its cost:
        the routing context calls it for every order it plans)."""
        new = object.__new__(Site)
        for name in _SITE_SLOTS:
            object.__setattr__(new, name, getattr(self, name))
        object.__setattr__(new, "backlog", backlog)
        return new

    def queue_days(self) -> int:
        return self.backlog // self.daily_capacity if self.daily_capacity > 0 else 0

    @property
    def full(self) -> bool:
        return self.daily_capacity > 0 and self.backlog >= self.daily_capacity * self.max_queue_days

    def room_today(self) -> int:
        """Orders it can still take in its current queue day."""
        if self.daily_capacity <= 0:
            return 1 << 30
        return self.daily_capacity - self.backlog % self.daily_capacity


_SITE_SLOTS: tuple[str, ...] = Site.__slots__


class CarrierState(StrEnum):
    UP = "up"
    DEGRADED = "degraded"  # still offered, slower by `delay_days`
    DOWN = "down"  # not offered


@dataclass(frozen=True, slots=True)
class CarrierService:
    """One carrier's service level: priced by zone (1 = same province ... 4) and weight,
    timed by lane (origin region -> destination region), with the zone table as fallback."""

    carrier: str
    service: str
    first_kg: Mapping[int, Decimal]  # zone -> price of the first kilogram
    extra_kg: Mapping[int, Decimal]  # zone -> price of each further kilogram
    transit_days: Mapping[int, int]  # zone -> days in transit (when no lane matches)
    healthy: bool = True
    lanes: Mapping[tuple[str, str], int] = field(default_factory=dict)
    delay_days: int = 0  # added to every transit while degraded
    max_kg: Decimal | None = None  # heavier shipments need another service
    # zone -> (first kilogram, each further kilogram) in units; max weight in grams
    rates: dict[int, tuple[int, int]] = field(init=False, repr=False, compare=False)
    max_g: int | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "rates", {z: (to_units(self.first_kg[z]),
                                               to_units(self.extra_kg[z]))
                                           for z in self.first_kg})
        object.__setattr__(self, "max_g", None if self.max_kg is None
                           else int(self.max_kg * 1000))

    @property
    def code(self) -> str:
        return f"{self.carrier}:{self.service}"

    @property
    def state(self) -> CarrierState:
        if not self.healthy:
            return CarrierState.DOWN
        return CarrierState.DEGRADED if self.delay_days > 0 else CarrierState.UP

    def price(self, zone: int, weight_kg: Decimal) -> Decimal:
        extra = max(Decimal(0), (weight_kg - 1).to_integral_value(rounding="ROUND_CEILING"))
        return self.first_kg[zone] + extra * self.extra_kg[zone]

    def transit(self, zone: int, origin_region: str, dest_region: str) -> int:
        """Days in transit: same province by the zone table, else the lane, else the zone."""
        days = self.transit_days[zone]
        if zone != 1:
            days = self.lanes.get((origin_region, dest_region), days)
        return days + self.delay_days


def zone(site: Site, order: RouteOrder) -> int:
    """Parcel zones as Chinese express carriers price them: same province, then by
    distance between the shipping site and the destination."""
    km = haversine_km((site.lat, site.lon), (order.lat, order.lon))
    return zone_of(km, bool(site.province) and site.province == order.province)


def zone_of(km: float, same_province: bool) -> int:
    """The zone of a parcel travelling `km` (1: same province or within 150 km)."""
    if same_province or km <= 150:
        return 1
    return 2 if km <= 800 else 3 if km <= 1500 else 4


@dataclass(frozen=True, slots=True)
class CostWeights:
    """The objective's prices for things that are not invoices, and the split limit."""

    split_penalty: Decimal = Decimal("8.00")  # per extra shipment (packaging, customer cost)
    late_penalty_per_day: Decimal = Decimal("15.00")  # per day past the due date
    max_shipments: int = 3  # most parcels one order may be split into


class BlockDirection(StrEnum):
    OUTBOUND = "outbound"  # sites there cannot ship
    INBOUND = "inbound"  # nothing can be delivered there
    BOTH = "both"


@dataclass(frozen=True, slots=True)
class RegionBlock:
    """A storm, road closure or lockdown: a province or a lane region closed for now."""

    area: str  # a province (上海) or a lane region (east)
    direction: BlockDirection
    reason: str

    def covers(self, province: str, region: str) -> bool:
        return self.area in (province, region)


# Demo carrier services (CNY, 2026 list-price shapes of Chinese express carriers).
DEMO_SERVICES: tuple[CarrierService, ...] = (
    CarrierService("SF", "express",
                   {1: Decimal("12"), 2: Decimal("18"), 3: Decimal("22"), 4: Decimal("26")},
                   {1: Decimal("2"), 2: Decimal("5"), 3: Decimal("8"), 4: Decimal("12")},
                   {1: 1, 2: 1, 3: 2, 4: 3}, lanes=express_lanes()),
    CarrierService("ZTO", "standard",
                   {1: Decimal("5"), 2: Decimal("7"), 3: Decimal("9"), 4: Decimal("12")},
                   {1: Decimal("1"), 2: Decimal("2"), 3: Decimal("4"), 4: Decimal("6")},
                   {1: 1, 2: 2, 3: 3, 4: 5}, lanes=economy_lanes(), max_kg=Decimal("50")),
    CarrierService("JD", "b2b_freight",
                   {1: Decimal("30"), 2: Decimal("45"), 3: Decimal("60"), 4: Decimal("80")},
                   {1: Decimal("0.8"), 2: Decimal("1.2"), 3: Decimal("1.6"), 4: Decimal("2.2")},
                   {1: 2, 2: 3, 3: 4, 4: 6}, lanes=freight_lanes()),
)


@dataclass
class Network:
    sites: list[Site]
    services: list[CarrierService] = field(default_factory=lambda: list(DEMO_SERVICES))
    stock: dict[tuple[str, str], int] = field(default_factory=dict)  # (sku, site) -> ATP
    blocks: Sequence[RegionBlock] = ()
    rules: Sequence[RoutingRule] = ()
    # Optional, off by default (planning's `routing_sellout_penalty`): forecast units per
    # (sku, site) over the planning horizon, and the score added per unit an order takes
    # out of that forecast (reserving the last units a site will sell out of).
    sellout: Mapping[tuple[str, str], float] = field(default_factory=dict)
    sellout_penalty_units: int = 0

    def copy(self) -> Network:
        """A working copy whose stock and load can be drawn down without touching this."""
        return Network(list(self.sites), list(self.services), dict(self.stock),
                       self.blocks, self.rules, self.sellout, self.sellout_penalty_units)
