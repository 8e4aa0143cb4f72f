"""Allocation: which warehouse(s) fill an order. A strategy is pure: it reads an availability
map and proposes picks; the service layer reserves them atomically in the store.

The routing engine (`domain/routing`, the default) and the first `NearestWarehouseStrategy`
share the `AllocationStrategy` protocol:

    context = strategy.prepare(network, catalog)   # once per batch, from loaded values
    outcome = strategy.plan(order, warehouses, available, now, context)
    if outcome.ok: ...reserve outcome.picks...  else: hold with outcome.reasons
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol
from zoneinfo import ZoneInfo

from orderhub.domain.geo import haversine_km, locate
from orderhub.domain.inventory import Sku, Warehouse
from orderhub.domain.order import HoldCode, HoldReason, Order, PlannedPick

if TYPE_CHECKING:
    from orderhub.domain.routing.state import NetworkState

Availability = Mapping[tuple[str, str], int]


@dataclass(slots=True)
class AllocationOutcome:
    picks: list[PlannedPick] = field(default_factory=list)
    reasons: list[HoldReason] = field(default_factory=list)
    promised: date | None = None
    explanation: dict[str, Any] | None = None  # candidates and exclusions, when recorded
    services: dict[str, str] = field(default_factory=dict)  # warehouse -> carrier:service
    warnings: list[str] = field(default_factory=list)  # for a person (a promise at risk)

    @property
    def ok(self) -> bool:
        return bool(self.picks) and not self.reasons


class AllocationStrategy(Protocol):
    name: str

    def prepare(self, network: NetworkState, catalog: Mapping[str, Sku]) -> Any:
        """Per-batch state the plans read (None if the strategy needs none), built from the
        network state the pipeline loaded for the batch; no I/O."""

    def plan(
        self, order: Order, warehouses: Sequence[Warehouse], available: Availability,
        now: datetime, context: Any = None,
    ) -> AllocationOutcome: ...

    def refresh(self) -> None:
        """Forget cached state after the network changed."""


def transit_days(distance_km: float | None) -> int:
    """A coarse parcel transit table for mainland China road/air express."""
    if distance_km is None:
        return 3
    for limit, days in ((300, 1), (800, 2), (1500, 3), (2500, 4)):
        if distance_km <= limit:
            return days
    return 5


def ship_date(warehouse: Warehouse, now: datetime, not_before: date | None) -> date:
    local = now.astimezone(ZoneInfo(warehouse.timezone))
    day = local.date() + timedelta(days=1) if local.time() >= warehouse.cutoff else local.date()
    if not_before and not_before > day:
        day = not_before
    return day


class NearestWarehouseStrategy:
    """The nearest active warehouse that fills the whole order; otherwise the fewest
    warehouses that fill it together, nearest first. Never a partial fill."""

    name = "nearest-v1"
    max_exhaustive = 10  # above this many candidate warehouses, split greedily

    def prepare(self, network: NetworkState, catalog: Mapping[str, Sku]) -> None:
        return None

    def refresh(self) -> None:
        return None

    def plan(
        self, order: Order, warehouses: Sequence[Warehouse], available: Availability,
        now: datetime, context: Any = None,
    ) -> AllocationOutcome:
        active = [w for w in warehouses if w.active]
        if not active:
            return AllocationOutcome(
                reasons=[
                    HoldReason(
                        HoldCode.NO_ACTIVE_WAREHOUSE, "no active warehouse can ship this order"
                    )
                ]
            )
        origin = locate(order.shipping_address)
        distance = {
            w.code: (haversine_km(origin, (w.lat, w.lon)) if origin else None) for w in active
        }
        ranked = sorted(active, key=lambda w: (distance[w.code] or 0.0, w.code))

        demand: dict[str, int] = {}
        for line in order.lines:
            demand[line.sku] = demand.get(line.sku, 0) + line.quantity

        def covers(codes: Sequence[str]) -> bool:
            return all(
                sum(available.get((sku, c), 0) for c in codes) >= qty for sku, qty in demand.items()
            )

        chosen: list[str] | None = None
        for w in ranked:
            if covers([w.code]):
                chosen = [w.code]
                break
        if chosen is None and covers([w.code for w in ranked]):
            chosen = self._fewest(ranked, distance, covers)
        if chosen is None:
            return AllocationOutcome(reasons=self._shortages(order, demand, active, available))

        picks = self._assign(order, chosen, available)
        by_code = {w.code: w for w in active}
        not_before = order.presale_release
        promised = max(
            ship_date(by_code[c], now, not_before) + timedelta(days=transit_days(distance[c]))
            for c in chosen
        )
        return AllocationOutcome(picks=picks, promised=promised)

    def _fewest(
        self,
        ranked: list[Warehouse],
        distance: Mapping[str, float | None],
        check: Callable[[Sequence[str]], bool],
    ) -> list[str]:
        codes = [w.code for w in ranked]
        if len(codes) <= self.max_exhaustive:
            for k in range(2, len(codes) + 1):
                best: tuple[float, list[str]] | None = None
                for combo in itertools.combinations(codes, k):
                    if check(combo):
                        total = sum(distance[c] or 0.0 for c in combo)
                        if best is None or total < best[0]:
                            best = (total, list(combo))
                if best is not None:
                    return best[1]
        # Greedy fallback for large networks: nearest first until covered.
        chosen: list[str] = []
        for code in codes:
            chosen.append(code)
            if check(chosen):
                return chosen
        return chosen

    @staticmethod
    def _assign(order: Order, chosen: Sequence[str], available: Availability) -> list[PlannedPick]:
        # Only this order's SKUs in the chosen warehouses: the availability map covers a
        # whole batch, and copying it per order would make cost grow with batch size.
        left = {(ln.sku, c): available.get((ln.sku, c), 0) for ln in order.lines for c in chosen}
        picks: list[PlannedPick] = []
        for line in order.lines:
            need = line.quantity
            for code in chosen:
                if need == 0:
                    break
                have = left.get((line.sku, code), 0)
                take = min(have, need)
                if take > 0:
                    picks.append(PlannedPick(line.line_no, line.sku, code, take))
                    left[(line.sku, code)] = have - take
                    need -= take
        return picks

    @staticmethod
    def _shortages(
        order: Order,
        demand: Mapping[str, int],
        active: Sequence[Warehouse],
        available: Availability,
    ) -> list[HoldReason]:
        reasons = []
        for sku, qty in demand.items():
            total = sum(available.get((sku, w.code), 0) for w in active)
            if total < qty:
                line_no = next(ln.line_no for ln in order.lines if ln.sku == sku)
                reasons.append(
                    HoldReason(
                        HoldCode.BACKORDER,
                        f"SKU {sku}: {qty} ordered, {total} available to promise across "
                        f"{len(active)} active warehouses",
                        line_no=line_no,
                        sku=sku,
                    )
                )
        return reasons
