"""Pricing one shipment and one plan, exactly: the single cost model that the streaming
router, the wave optimiser and the naive baseline are all measured with."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

from orderhub.domain.routing.network import CarrierService, CostWeights, RouteOrder, Site, zone

CHINA = timezone(timedelta(hours=8))
PICKUP = "pickup:store"  # the "service" of an order collected at the store that holds it


@dataclass(frozen=True, slots=True)
class ShipmentPlan:
    site: str
    service: str
    picks: dict[str, int]
    weight_kg: Decimal
    shipping: Decimal
    handling: Decimal
    ships: date
    arrives: date


@dataclass(frozen=True, slots=True)
class Candidate:
    shipments: tuple[ShipmentPlan, ...]
    shipping: Decimal
    handling: Decimal
    split_penalty: Decimal
    late_penalty: Decimal
    promised: date
    bonus: Decimal = Decimal(0)  # rule preference: lowers the score, not the cost

    @property
    def total(self) -> Decimal:
        """The plan's cost: shipping + handling + split and late penalties."""
        return self.shipping + self.handling + self.split_penalty + self.late_penalty

    @property
    def score(self) -> Decimal:
        return self.total - self.bonus

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


def price_shipment(order: RouteOrder, site: Site, picks: Mapping[str, int],
                   services: Sequence[CarrierService], today: date | datetime,
                   weights: CostWeights, *, count_late: bool = True, extra_queue_days: int = 0,
                   pickup: bool = False) -> ShipmentPlan | None:
    """One shipment: the usable service with the lowest price (plus the late penalty when
    `count_late`). None if no service can carry it. `services` must already be filtered
    for health and rules (`usable_services`)."""
    ships = ship_day(site, as_now(today), order.not_before, extra_queue_days)
    weight = order_weight(order, picks)
    units = sum(picks.values())
    handling = site.handling_per_order + site.handling_per_unit * units
    if pickup:
        return ShipmentPlan(site.code, PICKUP, dict(picks), weight, Decimal(0), handling,
                            ships, ships)
    z = zone(site, order)
    best: tuple[Decimal, ShipmentPlan] | None = None
    for svc in services:
        if svc.max_kg is not None and weight > svc.max_kg:
            continue
        arrives = ships + timedelta(days=svc.transit(z, site.region, order.region))
        price = svc.price(z, max(weight, Decimal("0.1")))
        late = max(0, (arrives - order.requested_by).days) if order.requested_by else 0
        score = price + (weights.late_penalty_per_day * late if count_late else 0)
        if best is None or score < best[0] or (score == best[0] and arrives < best[1].arrives):
            best = (score, ShipmentPlan(site.code, svc.code, dict(picks), weight, price,
                                        handling, ships, arrives))
    return best[1] if best else None


def make_candidate(order: RouteOrder, shipments: Sequence[ShipmentPlan], weights: CostWeights,
                   bonus: Mapping[str, Decimal] | None = None) -> Candidate:
    """A full plan with its cost breakdown (the late penalty on the last arrival). A rule's
    preference bonus counts when every shipment comes from a preferred site."""
    promised = max(s.arrives for s in shipments)
    late = max(0, (promised - order.requested_by).days) if order.requested_by else 0
    return Candidate(
        tuple(shipments), sum((s.shipping for s in shipments), Decimal(0)),
        sum((s.handling for s in shipments), Decimal(0)),
        weights.split_penalty * (len(shipments) - 1),
        weights.late_penalty_per_day * late, promised,
        min((bonus or {}).get(s.site, Decimal(0)) for s in shipments))
