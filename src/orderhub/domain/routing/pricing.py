"""Pricing one shipment and one plan, exactly: the single cost model that the streaming
router, the wave optimiser and the naive baseline are all measured with."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal

from orderhub.domain.geo import haversine_km
from orderhub.domain.routing.network import (
    CarrierService,
    CostWeights,
    RouteOrder,
    Site,
    from_units,
    to_units,
    zone_of,
)
from orderhub.domain.rules.effects import carriers_down


def from_grams(grams: int) -> Decimal:
    kg = Decimal(grams).scaleb(-3)
    return kg.quantize(Decimal(1)) if kg == kg.to_integral_value() else kg.normalize()

_KG_TEXT: dict[int, str] = {}


def kg_text(grams: int) -> str:
    """str(from_grams(grams)), remembered: decisions show every parcel's weight."""
    hit = _KG_TEXT.get(grams)
    if hit is None:
        if len(_KG_TEXT) > 4096:
            _KG_TEXT.clear()
        hit = _KG_TEXT[grams] = str(from_grams(grams))
    return hit


CHINA = timezone(timedelta(hours=8))
PICKUP = "pickup:store"  # the "service" of an order collected at the store that holds it


@dataclass(slots=True, eq=False)
class ShipmentPlan:
    """One parcel of a plan. Amounts are kept in units (`network.UNIT`) and read as CNY."""

    site: str
    service: str
    picks: dict[str, int]
    grams: int
    shipping_units: int
    handling_units: int
    ships: date
    arrives: date

    @property
    def weight_kg(self) -> Decimal:
        return from_grams(self.grams)

    @property
    def shipping(self) -> Decimal:
        return from_units(self.shipping_units)

    @property
    def handling(self) -> Decimal:
        return from_units(self.handling_units)


@dataclass(slots=True, eq=False)
class Candidate:
    """A full plan: its parcels and its cost. `total` is the cost, `score` what the router
    minimises (the cost less a rule's preference bonus); both as CNY Decimals."""

    shipments: tuple[ShipmentPlan, ...]
    shipping_units: int
    handling_units: int
    split_units: int
    late_units: int
    promised: date
    bonus_units: int = 0
    total_units: int = 0
    score_units: int = 0

    def __post_init__(self) -> None:
        self.total_units = (self.shipping_units + self.handling_units + self.split_units
                            + self.late_units)
        self.score_units = self.total_units - self.bonus_units

    @property
    def shipping(self) -> Decimal:
        return from_units(self.shipping_units)

    @property
    def handling(self) -> Decimal:
        return from_units(self.handling_units)

    @property
    def split_penalty(self) -> Decimal:
        return from_units(self.split_units)

    @property
    def late_penalty(self) -> Decimal:
        return from_units(self.late_units)

    @property
    def bonus(self) -> Decimal:
        return from_units(self.bonus_units)

    @property
    def total(self) -> Decimal:
        """The plan's cost: shipping + handling + split and late penalties."""
        return from_units(self.total_units)

    @property
    def score(self) -> Decimal:
        return from_units(self.score_units)

    @property
    def sites(self) -> tuple[str, ...]:
        return tuple(s.site for s in self.shipments)


def as_now(today: date | datetime) -> datetime:
    """The moment a plan is made; a bare date means 09:00 China time."""
    if isinstance(today, datetime):
        return today
    return datetime(today.year, today.month, today.day, 1, 0, tzinfo=UTC)


def local_today(now: datetime) -> date:
    return now.astimezone(CHINA).date()


def ship_day(site: Site, now: datetime, not_before: date | None = None,
             extra_queue_days: int = 0) -> date:
    """The day the site dispatches a new order: today before the cut-off, else tomorrow,
    later by the days of picking queue ahead of it, and never before `not_before`."""
    local = now.astimezone(CHINA)
    day = local.date() + timedelta(days=1) if local.time() >= site.cutoff else local.date()
    day += timedelta(days=site.queue_days() + extra_queue_days)
    if not_before and not_before > day:
        day = not_before
    return day


def ships_today(site: Site, now: datetime, not_before: date | None = None) -> bool:
    return ship_day(site, now, not_before) == local_today(now)


def order_weight(order: RouteOrder, picks: Mapping[str, int]) -> Decimal:
    """Weight of the units in `picks` (per-unit weight from the order's lines)."""
    per_unit = {ln.sku: ln.weight_kg for ln in order.lines}
    return sum((per_unit.get(sku, Decimal("0.5")) * qty for sku, qty in picks.items()),
               Decimal(0))


def usable_services(services: Sequence[CarrierService],
                    banned: Collection[str] = ()) -> list[CarrierService]:
    """Services that are not down and not excluded by a rule (by carrier or by code)."""
    return [s for s in services if s.healthy and s.code not in banned
            and s.carrier not in banned]


@dataclass(slots=True)
class _Lane:
    zone: int
    ships: date
    # per service: code, max grams, transit days, first kg, each further kg, late penalty,
    # the day it arrives
    offers: list[tuple[str, int | None, int, int, int, int, date]]
    cheapest_first: int


_Offer = tuple[str, int | None, int, int, int, int]


_LaneBase = tuple[int, tuple[_Offer, ...], int]  # zone, offers before lateness, cheapest


class PriceMemo:
    """What pricing works out that depends neither on an order's picks nor its due date:
    the distance and zone between a site and a destination, a set of services' offers on
    that lane (before weight and lateness), a site's dispatch day. Kept for a batch of
    orders routed against one network state (`RoutingContext`), so each is worked out
    once, not once per order and candidate. Every key holds the values the answer is
    computed from (coordinates, provinces, regions, cut-off, queue, the moment), so a site
    changed in between is a new key; carrier services are keyed by identity and kept
    alive here while their key is."""

    __slots__ = ("_alive", "_days", "_grams", "_km", "_lanes", "_last", "_priced", "_services",
                 "_to")

    def __init__(self) -> None:
        self._km: dict[tuple[float, float, float, float], float] = {}
        # (services, destination) -> site.lane_key -> zone, offers, cheapest first kg
        self._lanes: dict[tuple[tuple[int, ...], float, float, str, str],
                          dict[str, _LaneBase]] = {}
        self._days: dict[tuple[datetime, date | None], dict[tuple[time, int], date]] = {}
        self._alive: dict[tuple[int, ...], tuple[CarrierService, ...]] = {}
        self._grams: dict[Decimal, int] = {}
        # the services last asked for and their ids (kept alive here while they are last)
        self._last: tuple[Sequence[CarrierService] | None, tuple[int, ...]] = (None, ())
        # (id of a lane base, dispatch day, due date, late units per day, pickup) -> that
        # lane's offers with lateness and arrival days, and the base it was made from
        self._priced: dict[tuple[int, date, date | None, int, bool],
                           tuple[_LaneBase, _Lane]] = {}
        # destination -> site.lane_key -> km
        self._to: dict[tuple[float, float], dict[str, float]] = {}
        # id(services) -> (services, the usable ones when no rule bans any, those down)
        self._services: dict[int, tuple[Sequence[CarrierService], list[CarrierService],
                                        frozenset[str]]] = {}

    def km(self, site: Site, order: RouteOrder) -> float:
        key = (site.lat, site.lon, order.lat, order.lon)
        hit = self._km.get(key)
        if hit is None:
            hit = self._km[key] = haversine_km((site.lat, site.lon), (order.lat, order.lon))
        return hit

    def grams(self, kg: Decimal) -> int:
        """A unit weight in whole grams (as int(kg * 1000)), once per weight."""
        hit = self._grams.get(kg)
        if hit is None:
            hit = self._grams[kg] = int(kg * 1000)
        return hit

    def distances(self, order: RouteOrder) -> dict[str, float]:
        """Km from each site (by `Site.lane_key`) to the order's destination, filled in
        as sites are asked for (`km_from`)."""
        key = (order.lat, order.lon)
        table = self._to.get(key)
        if table is None:
            table = self._to[key] = {}
        return table

    def km_from(self, table: dict[str, float], site: Site, order: RouteOrder) -> float:
        hit = table.get(site.lane_key)
        if hit is None:
            hit = table[site.lane_key] = self.km(site, order)
        return hit

    def _service_facts(self, services: Sequence[CarrierService]) -> tuple[
            Sequence[CarrierService], list[CarrierService], frozenset[str]]:
        hit = self._services.get(id(services))
        if hit is None or hit[0] is not services:
            hit = self._services[id(services)] = (services, usable_services(services),
                                                  carriers_down(services))
        return hit

    def usable(self, services: Sequence[CarrierService],
               banned: Collection[str] = ()) -> list[CarrierService]:
        """`usable_services`: with no ban, the same list for every order of the batch (the
        network state's services are not changed while it is in force)."""
        if banned:
            return usable_services(services, banned)
        return self._service_facts(services)[1]

    def down(self, services: Sequence[CarrierService]) -> frozenset[str]:
        """`rules.effects.carriers_down`, once per list of services."""
        return self._service_facts(services)[2]

    def lanes(self, services: Sequence[CarrierService],
              order: RouteOrder) -> dict[str, _LaneBase]:
        """The lanes from each site (by `Site.lane_key`) to the order's destination with
        these services, filled in as sites are asked for (`lane_base`)."""
        if services is self._last[0]:  # a batch's orders share one list of services
            ids = self._last[1]
        else:
            ids = tuple(map(id, services))
            self._last = (services, ids)
        key = (ids, order.lat, order.lon, order.province, order.region)
        table = self._lanes.get(key)
        if table is None:
            if ids not in self._alive:
                self._alive[ids] = tuple(services)
            table = self._lanes[key] = {}
        return table

    def lane_base(self, table: dict[str, _LaneBase], services: Sequence[CarrierService],
                  site: Site, order: RouteOrder) -> _LaneBase:
        """The zone (`network.zone`), each service's (code, max grams, transit days, first
        kg, further kg, 0) and the cheapest first kilogram, from `site` to `order`."""
        hit = table.get(site.lane_key)
        if hit is None:
            z = zone_of(self.km_from(self.distances(order), site, order),
                        bool(site.province) and site.province == order.province)
            offers = tuple((svc.code, svc.max_g, svc.transit(z, site.region, order.region),
                            *svc.rates[z], 0) for svc in services)
            hit = table[site.lane_key] = (z, offers, min((o[3] for o in offers), default=0))
        return hit

    def priced_lane(self, base: _LaneBase, ships: date, due: date | None, late_units: int,
                    pickup: bool) -> _Lane:
        """A lane's offers for a parcel dispatched on `ships` to an order due on `due`:
        the same for every order of the batch to that place with that due date (shared,
        never changed)."""
        if not late_units:
            due = None
        key = (id(base), ships, due, late_units, pickup)
        hit = self._priced.get(key)
        if hit is None or hit[0] is not base:
            z, offers_base, cheapest = base
            if due is not None:
                late_from = (ships - due).days
                offers = [(code, max_g, days, first, extra,
                           max(0, late_from + days) * late_units, ships + timedelta(days=days))
                          for code, max_g, days, first, extra, _ in offers_base]
            else:
                offers = [(code, max_g, days, first, extra, 0, ships + timedelta(days=days))
                          for code, max_g, days, first, extra, _ in offers_base]
            hit = self._priced[key] = (base, _Lane(z, ships, offers,
                                                   cheapest if not pickup else 0))
        return hit[1]

    def days(self, now: datetime, not_before: date | None) -> dict[tuple[time, int], date]:
        """Dispatch days by (cut-off, days of queue ahead) for orders planned at `now`
        that may not ship before `not_before` (`ship_day`, remembered)."""
        key = (now, not_before)
        hit = self._days.get(key)
        if hit is None:
            hit = self._days[key] = {}
        return hit


class Pricer:
    """Prices the shipments of one order, remembering per site what does not depend on
    the picks (zone, dispatch day): a streaming decision prices dozens of them. What does
    not depend on the order either comes from `memo`, shared by a batch's orders."""

    def __init__(self, order: RouteOrder, services: Sequence[CarrierService],
                 today: date | datetime, weights: CostWeights, *, count_late: bool = True,
                 pickup: bool = False, memo: PriceMemo | None = None) -> None:
        self.order = order
        self.services = services
        self.now = as_now(today)
        self.weights = weights
        self.count_late = count_late
        self.pickup = pickup
        self.memo = memo if memo is not None else PriceMemo()
        grams = self.memo.grams
        self.unit_g = {ln.sku: grams(ln.weight_kg) for ln in order.lines}
        self.late_units = weight_units(weights)[1] if count_late else 0
        self._lanes = self.memo.lanes(services, order)
        self._days = self.memo.days(self.now, order.not_before)
        self._site: dict[tuple[str, int], _Lane] = {}

    def lane(self, site: Site, extra_queue_days: int = 0) -> _Lane:
        """What shipping from `site` to this order costs and takes, per service, before
        weight: worked out once per site and order."""
        key = (site.code, extra_queue_days)
        hit = self._site.get(key)
        if hit is None:
            order = self.order
            base = self.memo.lane_base(self._lanes, self.services, site, order)
            day_key = (site.cutoff, site.queue_days() + extra_queue_days)
            ships = self._days.get(day_key)
            if ships is None:
                ships = self._days[day_key] = ship_day(site, self.now, order.not_before,
                                                       extra_queue_days)
            hit = self._site[key] = self.memo.priced_lane(base, ships, order.requested_by,
                                                          self.late_units, self.pickup)
        return hit

    def cheapest_first_kg(self, site: Site) -> int:
        """A lower bound on shipping anything from `site`, in units (for pruning): needs
        neither the dispatch day nor the due date, so no lane is worked out for it."""
        if self.pickup:
            return 0
        hit = self._lanes.get(site.lane_key)
        if hit is None:
            hit = self.memo.lane_base(self._lanes, self.services, site, self.order)
        return hit[2]

    def shipment(self, site: Site, picks: Mapping[str, int],
                 extra_queue_days: int = 0) -> ShipmentPlan | None:
        unit_g = self.unit_g
        grams = units = 0
        for sku, qty in picks.items():
            grams += unit_g.get(sku, 500) * qty
            units += qty
        return self.parcel(site, dict(picks), grams, units, extra_queue_days)

    def parcel(self, site: Site, picks: dict[str, int], grams: int, units: int,
               extra_queue_days: int = 0) -> ShipmentPlan | None:
        """`shipment` when the caller already knows the picks' weight and units; `picks`
        is kept as it is (the caller hands over a dict of its own)."""
        lane = self._site.get((site.code, extra_queue_days)) or self.lane(site,
                                                                          extra_queue_days)
        ships = lane.ships
        handling = site.per_order_units + site.per_unit_units * units
        if self.pickup:
            return ShipmentPlan(site.code, PICKUP, picks, grams, 0, handling, ships, ships)
        extra_kg = max(0, -(-(grams - 1000) // 1000))  # whole kilograms past the first
        best = None  # the offer with the lowest score, then the fewest days
        best_score = best_days = best_price = 0
        for offer in lane.offers:
            max_g = offer[1]
            if max_g is not None and grams > max_g:
                continue
            price = offer[3] + extra_kg * offer[4]
            score = price + offer[5]
            if best is None or score < best_score or (score == best_score
                                                      and offer[2] < best_days):
                best, best_score, best_days, best_price = offer, score, offer[2], price
        if best is None:
            return None
        return ShipmentPlan(site.code, best[0], picks, grams, best_price, handling, ships,
                            best[6])


def price_shipment(order: RouteOrder, site: Site, picks: Mapping[str, int],
                   services: Sequence[CarrierService], today: date | datetime,
                   weights: CostWeights, *, count_late: bool = True, extra_queue_days: int = 0,
                   pickup: bool = False) -> ShipmentPlan | None:
    """One shipment: the usable service with the lowest price (plus the late penalty when
    `count_late`). None if no service can carry it. `services` must already be filtered
    for health and rules (`usable_services`)."""
    return Pricer(order, services, today, weights, count_late=count_late,
                  pickup=pickup).shipment(site, picks, extra_queue_days)


def make_candidate(order: RouteOrder, shipments: Sequence[ShipmentPlan], weights: CostWeights,
                   bonus: Mapping[str, Decimal] | None = None, *,
                   units: tuple[int, int] | None = None) -> Candidate:
    """A full plan with its cost breakdown (the late penalty on the last arrival). A rule's
    preference bonus counts when every shipment comes from a preferred site. `units`:
    `weight_units(weights)`, when the caller has it already."""
    split_units, late_units = units if units is not None else weight_units(weights)
    if len(shipments) == 1:  # most plans: one parcel
        only = shipments[0]
        promised = only.arrives
        late = max(0, (promised - order.requested_by).days) if order.requested_by else 0
        preferred = bonus.get(only.site, Decimal(0)) if bonus else Decimal(0)
        return Candidate((only,), only.shipping_units, only.handling_units, 0,
                         late_units * late, promised, to_units(preferred) if preferred else 0)
    if len(shipments) == 2:  # the rest but a few: a split over two sites
        first, second = shipments
        promised = first.arrives if first.arrives >= second.arrives else second.arrives
        late = max(0, (promised - order.requested_by).days) if order.requested_by else 0
        preferred = min(bonus.get(first.site, Decimal(0)),
                        bonus.get(second.site, Decimal(0))) if bonus else Decimal(0)
        return Candidate((first, second), first.shipping_units + second.shipping_units,
                         first.handling_units + second.handling_units, split_units,
                         late_units * late, promised, to_units(preferred) if preferred else 0)
    promised = max(s.arrives for s in shipments)
    late = max(0, (promised - order.requested_by).days) if order.requested_by else 0
    preferred = min(bonus.get(s.site, Decimal(0)) for s in shipments) if bonus else Decimal(0)
    return Candidate(
        tuple(shipments), sum(s.shipping_units for s in shipments),
        sum(s.handling_units for s in shipments),
        split_units * (len(shipments) - 1),
        late_units * late, promised,
        to_units(preferred) if preferred else 0)


# By identity (hashing the Decimals would cost about what it saves); the weights are kept.
_WEIGHT_UNITS: dict[int, tuple[CostWeights, tuple[int, int]]] = {}


def weight_units(weights: CostWeights) -> tuple[int, int]:
    """The split penalty and the late penalty per day, in units (worked out once)."""
    hit = _WEIGHT_UNITS.get(id(weights))
    if hit is None or hit[0] is not weights:
        if len(_WEIGHT_UNITS) > 64:
            _WEIGHT_UNITS.clear()
        hit = _WEIGHT_UNITS[id(weights)] = (weights, (to_units(weights.split_penalty),
                                                      to_units(weights.late_penalty_per_day)))
    return hit[1]
