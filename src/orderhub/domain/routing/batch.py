"""Batch (wave) routing: all orders of a wave allocated together by a mixed-integer
program solved with HiGHS, so contended stock and capacity go where they save the most.

Model, per order o, per candidate site s (the K = 6 nearest eligible sites, by distance to
the destination; eligible: active, picking capacity left, the order's `needs`
capabilities, and some stock of at least one of its SKUs), per SKU k:

    x[o,s,k]  integer units of k picked at s for o (0 <= x <= min(demand, stock))
    z[o,s]    binary, a shipment from s to o is opened
    u[o]      binary, o is left unserved

    minimise   sum F[o,s] z[o,s] + sum V[o,s,k] x[o,s,k] + P sum u[o]
               + split_penalty * (sum z[o,s] - (1 - u[o]))      (extra shipments per order)
    subject to sum_s x[o,s,k] + demand[o,k] u[o] = demand[o,k]   (all of it, or none)
               x[o,s,k] <= demand[o,k] z[o,s]                     (link)
               sum_o x[o,s,k] <= stock[k,s]
               sum_o z[o,s] <= capacity_left[s]

Linear approximation of shipping: for each (o, s) the service is fixed in advance as the
healthy one that is cheapest for the *whole* order shipped from s, late penalty included
(its arrival against `requested_by`). F = that service's price for the whole order + its
late penalty + the site's per-order handling, less the extra-kg price x the whole order's
weight; V = the extra-kg price x the unit's weight + the site's per-unit handling. So a
shipment of the whole order is priced exactly, and a partial one (a split) pays the
whole order's rate less the weight it does not carry, linearly (the real price rounds up
by the kilogram: the error is under one extra-kg rate per shipment). Lateness is charged
per shipment rather than once on the order's last arrival (exact again when
unsplit). The plans returned are re-priced exactly, the way streaming prices them
(`WaveResult.total`); `objective` is the model's own value.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

import highspy

from orderhub.domain.geo import haversine_km
from orderhub.domain.routing.network import (
    CarrierService,
    CostWeights,
    Network,
    RouteOrder,
    Site,
    zone,
)
from orderhub.domain.routing.streaming import (
    Candidate,
    ShipmentPlan,
    as_now,
    make_candidate,
    order_weight,
    plan_order,
    price_shipment,
    ship_day,
    take_stock,
)

log = logging.getLogger(__name__)

K_NEAREST = 6  # candidate sites per order
DEFAULT_UNSERVED_PENALTY = Decimal("10000")


@dataclass
class WaveResult:
    """The allocation of one wave. `plans` holds the served orders (order id -> streaming
    `Candidate`: shipments with site, service, picks, arrival); `total` is their exact
    cost. `objective`, `dual_bound` and `gap` are the solver's (None when it did not run
    to a solution); `method` is "mip" or "streaming" (the fallback, see `fallback_reason`)."""

    plans: dict[str, Candidate]
    unserved: list[str]
    total: Decimal
    method: str
    status: str
    seconds: float
    objective: float | None = None
    dual_bound: float | None = None
    gap: float | None = None
    fallback_reason: str = ""
    model_size: dict[str, int] = field(default_factory=dict)


class SolverFailed(RuntimeError):
    """HiGHS errored or stopped without a feasible solution."""


@dataclass
class _Model:
    cost: list[float] = field(default_factory=list)
    lower: list[float] = field(default_factory=list)
    upper: list[float] = field(default_factory=list)
    rows: list[tuple[list[int], list[float], float, float]] = field(default_factory=list)
    offset: float = 0.0

    def var(self, cost: float, upper: float) -> int:
        self.cost.append(cost)
        self.lower.append(0.0)
        self.upper.append(upper)
        return len(self.cost) - 1

    def row(self, idx: list[int], val: list[float], lo: float, hi: float) -> None:
        self.rows.append((idx, val, lo, hi))


@dataclass(frozen=True)
class _Solution:
    values: list[float]
    status: str
    objective: float
    dual_bound: float
    gap: float


def _best_service(order: RouteOrder, site: Site, services: Sequence[CarrierService],
                  ships: date, weights: CostWeights) -> tuple[CarrierService, Decimal] | None:
    """The healthy service cheapest for the whole order from `site`, and its late penalty."""
    z = zone(site, order)
    weight = max(order_weight(order, order.demand), Decimal("0.1"))
    best: tuple[Decimal, CarrierService, Decimal] | None = None
    for svc in services:
        if not svc.healthy:
            continue
        arrives = ships + timedelta(days=svc.transit_days[z])
        late_days = max(0, (arrives - order.requested_by).days) if order.requested_by else 0
        late = weights.late_penalty_per_day * late_days
        score = svc.price(z, weight) + late
        if best is None or score < best[0]:
            best = (score, svc, late)
    return (best[1], best[2]) if best else None


def candidate_sites(order: RouteOrder, network: Network, k: int = K_NEAREST) -> list[Site]:
    """The `k` nearest eligible sites for an order (see the module docstring)."""
    demand = order.demand
    eligible = [
        s for s in network.sites
        if s.active and s.capacity_left > 0 and order.needs <= s.capabilities
        and any(network.stock.get((sku, s.code), 0) > 0 for sku in demand)
    ]
    eligible.sort(key=lambda s: haversine_km((s.lat, s.lon), (order.lat, order.lon)))
    return eligible[:k]


def _solve_highs(model: _Model, integer: list[bool], time_limit: float) -> _Solution:
    """Run HiGHS on the model; raises SolverFailed without a feasible solution."""
    h = highspy.Highs()  # type: ignore[no-untyped-call]  # highspy 1.16: untyped __init__
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", max(time_limit, 1e-3))
    h.setOptionValue("threads", 1)
    lp = highspy.HighsLp()
    lp.num_col_ = len(model.cost)
    lp.num_row_ = len(model.rows)
    lp.col_cost_ = model.cost
    lp.col_lower_ = model.lower
    lp.col_upper_ = model.upper
    lp.offset_ = model.offset
    lp.row_lower_ = [r[2] for r in model.rows]
    lp.row_upper_ = [r[3] for r in model.rows]
    starts, index, value = [0], [], []
    for idx, val, _, _ in model.rows:
        index.extend(idx)
        value.extend(val)
        starts.append(len(index))
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_ = lp.num_col_
    lp.a_matrix_.num_row_ = lp.num_row_
    lp.a_matrix_.start_ = starts
    lp.a_matrix_.index_ = index
    lp.a_matrix_.value_ = value
    lp.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
                       for i in integer]
    if h.passModel(lp) == highspy.HighsStatus.kError:
        raise SolverFailed("HiGHS rejected the model")
    run_status = h.run()
    status = h.modelStatusToString(h.getModelStatus())
    info = h.getInfo()
    if run_status == highspy.HighsStatus.kError or info.primal_solution_status != 2:
        raise SolverFailed(f"no feasible solution ({status})")
    return _Solution(list(h.getSolution().col_value), status, info.objective_function_value,
                     info.mip_dual_bound, info.mip_gap)


# Replaceable in tests to exercise the fallback.
solve: Callable[[_Model, list[bool], float], _Solution] = _solve_highs


def _fallback(orders: Sequence[RouteOrder], network: Network, today: date | datetime,
              weights: CostWeights) -> tuple[dict[str, Candidate], list[str]]:
    """Streaming decisions in sequence on a copy of the network's stock and capacity."""
    work = Network(list(network.sites), list(network.services), dict(network.stock))
    plans: dict[str, Candidate] = {}
    unserved: list[str] = []
    for order in orders:
        chosen = plan_order(order, work, today, weights).chosen
        if chosen is None:
            unserved.append(order.id)
            continue
        plans[order.id] = chosen
        take_stock(work, chosen)
    return plans, unserved


def plan_wave(orders: Sequence[RouteOrder], network: Network, today: date | datetime,
              weights: CostWeights = CostWeights(), time_limit: float = 10.0,
              *, unserved_penalty: Decimal = DEFAULT_UNSERVED_PENALTY,
              k_nearest: int = K_NEAREST) -> WaveResult:
    """Allocate a wave of orders together, minimising shipping, handling, split and late
    penalties (see the module docstring). The network is not changed; apply the plans
    with `streaming.take_stock`. Orders that cannot be filled are listed in `unserved`.
    Falls back to sequential streaming decisions if HiGHS fails or finds no solution."""
    started = time.perf_counter()
    now = as_now(today)
    m = _Model()
    integer: list[bool] = []
    x_vars: list[tuple[int, str, Site, str]] = []  # (column, order id, site, sku)
    u_var: dict[str, int] = {}
    service_of: dict[tuple[str, str], CarrierService] = {}
    stock_rows: dict[tuple[str, str], list[int]] = {}
    cap_rows: dict[str, list[int]] = {}
    sites_by_code = {s.code: s for s in network.sites}
    split = float(weights.split_penalty)
    for order in orders:
        demand = order.demand
        u = m.var(float(unserved_penalty) + split, 1.0)
        integer.append(True)
        u_var[order.id] = u
        m.offset -= split
        x_by_sku: dict[str, list[int]] = {sku: [] for sku in demand}
        for site in candidate_sites(order, network, k_nearest):
            choice = _best_service(order, site, network.services, ship_day(site, now), weights)
            if choice is None:
                continue
            svc, late = choice
            zn = zone(site, order)
            service_of[(order.id, site.code)] = svc
            # Calibrated so that the whole order shipped from this site is priced exactly.
            whole_kg = max(order_weight(order, demand), Decimal("0.1"))
            exact_fixed = svc.price(zn, whole_kg) - svc.extra_kg[zn] * whole_kg
            fixed = exact_fixed + late + site.handling_per_order + weights.split_penalty
            zv = m.var(float(fixed), 1.0)
            integer.append(True)
            cap_rows.setdefault(site.code, []).append(zv)
            for ln_sku, qty in demand.items():
                have = network.stock.get((ln_sku, site.code), 0)
                if have <= 0:
                    continue
                unit_w = order_weight(order, {ln_sku: 1})
                per_unit = svc.extra_kg[zn] * unit_w + site.handling_per_unit
                xv = m.var(float(per_unit), float(min(qty, have)))
                integer.append(True)
                x_vars.append((xv, order.id, site, ln_sku))
                x_by_sku[ln_sku].append(xv)
                stock_rows.setdefault((ln_sku, site.code), []).append(xv)
                m.row([xv, zv], [1.0, -float(qty)], -highspy.kHighsInf, 0.0)
        for sku, qty in demand.items():
            xs = x_by_sku[sku]
            m.row([*xs, u], [1.0] * len(xs) + [float(qty)], float(qty), float(qty))
    for (sku, code), xs in stock_rows.items():
        m.row(xs, [1.0] * len(xs), -highspy.kHighsInf, float(network.stock[(sku, code)]))
    for code, zs in cap_rows.items():
        if len(zs) > sites_by_code[code].capacity_left:
            m.row(zs, [1.0] * len(zs), -highspy.kHighsInf,
                  float(sites_by_code[code].capacity_left))
    size = {"columns": len(m.cost), "rows": len(m.rows),
            "nonzeros": sum(len(r[0]) for r in m.rows)}
    try:
        sol = solve(m, integer, time_limit)
    except Exception as exc:  # solver errors of any kind lead to the fallback
        reason = f"HiGHS failed: {exc}"
        log.warning("plan_wave falls back to streaming: %s", reason)
        plans, unserved = _fallback(orders, network, today, weights)
        return WaveResult(plans, unserved, _total(plans), "streaming", "fallback",
                          time.perf_counter() - started, fallback_reason=reason,
                          model_size=size)

    picks: dict[str, dict[str, dict[str, int]]] = {}
    for xv, oid, site, sku in x_vars:
        qty = round(sol.values[xv])
        if qty > 0:
            picks.setdefault(oid, {}).setdefault(site.code, {})[sku] = qty
    plans = {}
    unserved = []
    for order in orders:
        if sol.values[u_var[order.id]] > 0.5 or order.id not in picks:
            unserved.append(order.id)
            continue
        shipments: list[ShipmentPlan] = []
        for code, p in picks[order.id].items():
            site = sites_by_code[code]
            exact = price_shipment(order, site, p, network.services, today, weights)
            if exact is None:  # cannot happen: the model only used healthy services
                raise SolverFailed(f"no healthy service for {order.id} at {code}")
            shipments.append(exact)
        plans[order.id] = make_candidate(order, shipments, weights)
    return WaveResult(plans, unserved, _total(plans), "mip", sol.status,
                      time.perf_counter() - started, sol.objective, sol.dual_bound, sol.gap,
                      model_size=size)


def _total(plans: dict[str, Candidate]) -> Decimal:
    return sum((c.total for c in plans.values()), Decimal(0))


__all__ = ["K_NEAREST", "SolverFailed", "WaveResult", "candidate_sites", "plan_wave"]
