"""A closed pool's route: one delivery from one warehouse to the pickup point where stock
allows, as an allocation strategy the intake pipeline runs (reserve, allocate, events).

The plan is made once for the whole pool against the availability the pipeline hands to
the first `plan` call (again if the pipeline plans a second time under row locks): the
warehouse that fills every member, nearest the pickup point; where none does, warehouses
are taken greedily, each the one that fills most of the members left (nearest first on a
tie), so the pool goes out in as few deliveries as stock allows. A member no single
warehouse fills is held as a backorder (its own status; the pool's other orders go on).
Every member's shipment is the pool's consolidated delivery (`PICKUP`: no parcel of its
own; the customer collects it at the pickup point)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from orderhub.domain.allocation import AllocationOutcome, Availability, ship_date, transit_days
from orderhub.domain.geo import haversine_km
from orderhub.domain.inventory import Sku, Warehouse
from orderhub.domain.order import HoldCode, HoldReason, Order, PlannedPick
from orderhub.domain.routing.pricing import PICKUP
from orderhub.domain.routing.state import NetworkState


@dataclass(frozen=True, slots=True)
class Delivery:
    warehouse: str
    orders: tuple[str, ...]
    distance_km: float

    def as_dict(self) -> dict[str, Any]:
        return {"warehouse": self.warehouse, "orders": list(self.orders),
                "distance_km": round(self.distance_km, 2)}


def _need(order: Order) -> dict[str, int]:
    out: dict[str, int] = {}
    for ln in order.lines:
        out[ln.sku] = out.get(ln.sku, 0) + ln.quantity
    return out


def _fills(need: Mapping[str, int], wh: str, left: Mapping[tuple[str, str], int]) -> bool:
    return all(left.get((sku, wh), 0) >= q for sku, q in need.items())


def plan_deliveries(members: Sequence[Order], warehouses: Sequence[Warehouse],
                    available: Availability, pickup: tuple[float, float]
                    ) -> tuple[list[Delivery], list[str]]:
    """The pool's deliveries (fewest warehouses, nearest first) and the members left
    unfilled. Pure; `available` is not changed."""
    sites = sorted((w for w in warehouses if w.active),
                   key=lambda w: (haversine_km((w.lat, w.lon), pickup), w.code))
    km = {w.code: haversine_km((w.lat, w.lon), pickup) for w in sites}
    left = dict(available)
    needs = {o.id: _need(o) for o in members}
    todo = [o.id for o in members]
    out: list[Delivery] = []
    while todo:
        best: tuple[str, list[str]] | None = None
        for w in sites:
            probe = dict(left)
            took: list[str] = []
            for oid in todo:
                if _fills(needs[oid], w.code, probe):
                    for sku, q in needs[oid].items():
                        probe[(sku, w.code)] -= q
                    took.append(oid)
            if took and (best is None or len(took) > len(best[1])):
                best = (w.code, took)
        if best is None:
            break
        code, took = best
        for oid in took:
            for sku, q in needs[oid].items():
                left[(sku, code)] -= q
        out.append(Delivery(code, tuple(took), km[code]))
        todo = [oid for oid in todo if oid not in set(took)]
    return out, todo


class PoolStrategy:
    """The closed pool's plan, served order by order to the pipeline."""

    name = "pool"

    def __init__(self, pool_id: str, members: Sequence[Order],
                 pickup: tuple[float, float]) -> None:
        self.pool_id = pool_id
        self.members = list(members)
        self.pickup = pickup
        self.deliveries: list[Delivery] = []
        self.unfilled: list[str] = []
        self._site: dict[str, str] = {}
        self._planned_for: int | None = None  # id() of the availability planned against

    def prepare(self, network: NetworkState, catalog: Mapping[str, Sku]) -> None:
        return None

    def refresh(self) -> None:
        return None

    def plan(self, order: Order, warehouses: Sequence[Warehouse], available: Availability,
             now: datetime, context: Any = None) -> AllocationOutcome:
        if self._planned_for != id(available):  # first call of a (re-)planning pass
            self._planned_for = id(available)
            self.deliveries, self.unfilled = plan_deliveries(
                self.members, warehouses, available, self.pickup)
            self._site = {oid: d.warehouse for d in self.deliveries for oid in d.orders}
        code = self._site.get(order.id)
        if code is None:
            return AllocationOutcome(reasons=[HoldReason(
                HoldCode.BACKORDER, f"pool {self.pool_id}: no warehouse holds the whole "
                "order for the pool's delivery")])
        wh = next(w for w in warehouses if w.code == code)
        picks = [PlannedPick(ln.line_no, ln.sku, code, ln.quantity) for ln in order.lines]
        days = transit_days(haversine_km((wh.lat, wh.lon), self.pickup))
        promised: date = ship_date(wh, now, order.presale_release) + timedelta(days=days)
        return AllocationOutcome(picks=picks, promised=promised, services={code: PICKUP},
                                 explanation={"strategy": "pool", "pool_id": self.pool_id,
                                              "chosen": {"sites": [code]},
                                              "notes": [f"pooled delivery to the pickup "
                                                        f"point from {code}"]})
