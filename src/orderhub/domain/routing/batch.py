"""Batch (wave) routing: the orders of a wave allocated together by a mixed-integer program
solved with HiGHS, so contended stock and picking capacity go where they save the most.

The model chooses one plan per order among the plans streaming would price for it (each
site alone, splits over the nearest sites; see `streaming.plan_candidates`), every plan
priced exactly by `pricing`, so the model's objective is the true cost of its answer:

    y[o,p]  binary: order o ships by plan p          u[o]  binary: o is left unserved

    minimise   sum score[o,p] y[o,p] + P sum u[o]
    subject to sum_p y[o,p] + u[o] = 1                               (each order once)
               sum_{o,p} picks[o,p,k,s] y[o,p] <= stock[k,s]         (stock per SKU, site)
               sum_{o,p uses (s,d)} y[o,p] <= room[s,d]              (picking capacity)

Picking capacity is a queue (see `network.Site`): a site has `room_today()` places left in
its current day, then `daily_capacity` a day up to its queue limit. Where a wave could
overfill a site's current day, its plans also come in a "next day" variant (shipping a day
later, re-priced, lateness included), with a capacity row per (site, day).

The streaming answer for the same wave is computed first and given to HiGHS as its
starting solution, so the optimum is never worse than streaming; it is also the fallback
if HiGHS fails or stops without a solution (the reason is recorded and logged).
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

import highspy

from orderhub.domain.routing.network import (
    UNIT,
    CarrierService,
    CostWeights,
    Network,
    RouteOrder,
    Site,
)
from orderhub.domain.routing.pricing import (
    Candidate,
    ShipmentPlan,
    as_now,
    make_candidate,
    price_shipment,
)
from orderhub.domain.routing.streaming import plan_candidates, plan_order, screen, take_stock

log = logging.getLogger(__name__)

DEFAULT_UNSERVED_PENALTY = Decimal("10000")


@dataclass
class WaveResult:
    """The allocation of one wave. `plans` holds the served orders (order id -> plan);
    `total` is their exact cost. `objective`, `dual_bound` and `gap` are the solver's
    (None when it did not run to a solution); `streaming_objective` is the starting
    (streaming) solution's value in the same terms. `method` is "mip" or "streaming"."""

    plans: dict[str, Candidate]
    unserved: list[str]
    total: Decimal
    method: str
    status: str
    seconds: float
    objective: float | None = None
    dual_bound: float | None = None
    gap: float | None = None
    streaming_objective: float | None = None
    fallback_reason: str = ""
    model_size: dict[str, int] = field(default_factory=dict)


class SolverFailed(RuntimeError):
    """HiGHS errored or stopped without a feasible solution."""


@dataclass
class _Model:
    cost: list[float] = field(default_factory=list)
    upper: list[float] = field(default_factory=list)
    rows: list[tuple[list[int], list[float], float, float]] = field(default_factory=list)

    def var(self, cost: float, upper: float = 1.0) -> int:
        self.cost.append(cost)
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


_banner_hidden = False


def quiet_highs() -> highspy.Highs:
    """A HiGHS solver that prints nothing. Output is switched off by options (output_flag,
    log_to_console), but the process's first solver prints HiGHS's banner to stdout as it
    is made, before any option can be set: that once, fd 1 points at /dev/null (the C
    library's buffer flushed before it is restored), so `orderhub routing wave | ...`
    and logs get no solver text."""
    global _banner_hidden
    if _banner_hidden:
        h = highspy.Highs()  # type: ignore[no-untyped-call]  # highspy 1.16: untyped __init__
    else:
        import ctypes
        import os
        import sys

        sys.stdout.flush()
        saved = os.dup(1)
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, 1)
            try:
                h = highspy.Highs()  # type: ignore[no-untyped-call]
            finally:
                ctypes.CDLL(None).fflush(None)
                os.dup2(saved, 1)
        finally:
            os.close(devnull)
            os.close(saved)
        _banner_hidden = True
    h.setOptionValue("output_flag", False)
    h.setOptionValue("log_to_console", False)
    return h


def _solve_highs(model: _Model, start: list[float] | None, time_limit: float) -> _Solution:
    """Run HiGHS on the (all-binary) model; raises SolverFailed without a feasible one."""
    h = quiet_highs()
    h.setOptionValue("time_limit", max(time_limit, 1e-3))
    h.setOptionValue("threads", 1)
    h.setOptionValue("mip_rel_gap", 1e-4)
    lp = highspy.HighsLp()
    lp.num_col_ = len(model.cost)
    lp.num_row_ = len(model.rows)
    lp.col_cost_ = model.cost
    lp.col_lower_ = [0.0] * len(model.cost)
    lp.col_upper_ = model.upper
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
    lp.integrality_ = [highspy.HighsVarType.kInteger] * len(model.cost)
    if h.passModel(lp) == highspy.HighsStatus.kError:
        raise SolverFailed("HiGHS rejected the model")
    if start is not None:
        sol = highspy.HighsSolution()
        sol.col_value = start
        sol.value_valid = True
        h.setSolution(sol)
    run_status = h.run()
    status = h.modelStatusToString(h.getModelStatus())
    info = h.getInfo()
    if run_status == highspy.HighsStatus.kError or info.primal_solution_status != 2:
        raise SolverFailed(f"no feasible solution ({status})")
    return _Solution(list(h.getSolution().col_value), status, info.objective_function_value,
                     info.mip_dual_bound, info.mip_gap)


# Replaceable in tests to exercise the fallback.
solve: Callable[[_Model, list[float] | None, float], _Solution] = _solve_highs


@dataclass(frozen=True)
class _Column:
    order: int
    plan: Candidate
    days: tuple[int, ...]  # per shipment: 0 = the site's current queue day, 1 = next

    @property
    def key(self) -> tuple[object, ...]:
        return (self.order, tuple((s.site, s.service, tuple(sorted(s.picks.items())), d)
                                  for s, d in zip(self.plan.shipments, self.days, strict=True)))


def _streaming(orders: Sequence[RouteOrder], network: Network, today: date | datetime,
               weights: CostWeights, pickups: Mapping[str, str]
               ) -> tuple[dict[str, tuple[Candidate, tuple[int, ...]]], list[str]]:
    """Streaming decisions in sequence on a copy; each plan with its queue-day offsets."""
    work = network.copy()
    start_days = {s.code: s.queue_days() for s in network.sites}
    plans: dict[str, tuple[Candidate, tuple[int, ...]]] = {}
    unserved: list[str] = []
    for order in orders:
        chosen = plan_order(order, work, today, weights,
                            pickup_site=pickups.get(order.id, "")).chosen
        if chosen is None:
            unserved.append(order.id)
            continue
        by_code = {s.code: s for s in work.sites}
        days = tuple(by_code[s.site].queue_days() - start_days[s.site]
                     for s in chosen.shipments)
        plans[order.id] = (chosen, days)
        take_stock(work, chosen)
    return plans, unserved


def _shifted(order: RouteOrder, plan: Candidate, days: tuple[int, ...],
             sites: Mapping[str, Site], services_for: Callable[[str], list[CarrierService]],
             now: datetime,
             weights: CostWeights, bonus: Mapping[str, Decimal]) -> Candidate | None:
    """`plan` with each shipment `days[i]` queue days later, re-priced."""
    shipments: list[ShipmentPlan] = []
    for s, d in zip(plan.shipments, days, strict=True):
        if d == 0:
            shipments.append(s)
            continue
        again = price_shipment(order, sites[s.site], s.picks, services_for(order.id), now,
                               weights, extra_queue_days=d, pickup=s.service.startswith(
                                   "pickup:"))
        if again is None:
            return None
        shipments.append(again)
    return make_candidate(order, shipments, weights, bonus)


def plan_wave(orders: Sequence[RouteOrder], network: Network, today: date | datetime,
              weights: CostWeights = CostWeights(), time_limit: float = 10.0,
              *, unserved_penalty: Decimal = DEFAULT_UNSERVED_PENALTY,
              pickups: Mapping[str, str] | None = None,
              start: Mapping[str, Candidate] | None = None) -> WaveResult:
    """Allocate a wave of orders together (see the module docstring). The network is not
    changed; apply the plans with `streaming.take_stock`. `pickups` maps order ids to the
    store they are collected from. `start` replaces the streaming starting solution with
    given plans (the orders' current allocations, when a wave re-optimises them); they
    are added to the model, so the optimum is never worse than them."""
    started = time.perf_counter()
    now = as_now(today)
    pickups = pickups or {}
    if start is not None:
        warm = {oid: (plan, tuple(0 for _ in plan.shipments)) for oid, plan in start.items()}
        warm_unserved = [o.id for o in orders if o.id not in warm]
    else:
        warm, warm_unserved = _streaming(orders, network, now, weights, pickups)
    sites = {s.code: s for s in network.sites}

    screens = {}
    columns: list[_Column] = []
    seen: set[tuple[object, ...]] = set()
    users: dict[str, set[int]] = {}
    per_order: list[list[Candidate]] = []
    for i, order in enumerate(orders):
        scr = screen(order, network, now, pickups.get(order.id, ""))
        screens[order.id] = scr
        cands = [] if scr.blocked else plan_candidates(
            order, network, scr, now, weights, pickup=order.id in pickups, prune=False)
        per_order.append(cands)
        for c in cands:
            for code in c.sites:
                users.setdefault(code, set()).add(i)

    def add(col: _Column) -> None:
        if col.key not in seen:
            seen.add(col.key)
            columns.append(col)

    def later_days(code: str) -> int:
        s = sites[code]
        return max(0, s.max_queue_days - 1 - s.queue_days()) if s.daily_capacity else 0

    tight = {code for code, who in users.items()
             if sites[code].daily_capacity and sites[code].room_today() < len(who)}
    for i, (order, cands) in enumerate(zip(orders, per_order, strict=True)):
        bonus = screens[order.id].bonus
        for c in cands:
            options = [range(min(1, later_days(s.site)) + 1) if s.site in tight else range(1)
                       for s in c.shipments]
            for days in itertools.product(*options):
                plan = c if not any(days) else _shifted(
                    order, c, days, sites, lambda oid: screens[oid].services, now, weights,
                    bonus)
                if plan is not None:
                    add(_Column(i, plan, tuple(days)))
        if order.id in warm:
            plan, days = warm[order.id]
            add(_Column(i, plan, days))

    m = _Model()
    u_var = [m.var(float(unserved_penalty)) for _ in orders]
    y_var = [m.var(col.plan.score_units / UNIT) for col in columns]
    assign: list[list[int]] = [[] for _ in orders]
    stock_rows: dict[tuple[str, str], tuple[list[int], list[float]]] = {}
    cap_rows: dict[tuple[str, int], list[int]] = {}
    for col, y in zip(columns, y_var, strict=True):
        assign[col.order].append(y)
        for s, d in zip(col.plan.shipments, col.days, strict=True):
            for sku, qty in s.picks.items():
                idx, val = stock_rows.setdefault((sku, s.site), ([], []))
                idx.append(y)
                val.append(float(qty))
            cap_rows.setdefault((s.site, d), []).append(y)
    for i, ys in enumerate(assign):
        m.row([*ys, u_var[i]], [1.0] * (len(ys) + 1), 1.0, 1.0)
    for (sku, code), (idx, val) in stock_rows.items():
        have = network.stock.get((sku, code), 0)
        if sum(val) > have:
            m.row(idx, val, -highspy.kHighsInf, float(have))
    for (code, d), ys in cap_rows.items():
        site = sites[code]
        if not site.daily_capacity:
            continue
        room = site.room_today() if d == 0 else site.daily_capacity
        if len(ys) > room:
            m.row(ys, [1.0] * len(ys), -highspy.kHighsInf, float(room))

    col_index = {col.key: y for col, y in zip(columns, y_var, strict=True)}
    initial = [0.0] * len(m.cost)
    for i, order in enumerate(orders):
        if order.id in warm:
            plan, days = warm[order.id]
            initial[col_index[_Column(i, plan, days).key]] = 1.0
        else:
            initial[u_var[i]] = 1.0
    warm_objective = sum(c * v for c, v in zip(m.cost, initial, strict=True))
    size = {"columns": len(m.cost), "rows": len(m.rows),
            "nonzeros": sum(len(r[0]) for r in m.rows)}
    try:
        sol = solve(m, initial, max(0.0, time_limit - (time.perf_counter() - started)))
    except Exception as exc:  # solver errors of any kind lead to the fallback
        reason = f"HiGHS failed: {exc}"
        log.warning("plan_wave falls back to streaming: %s", reason)
        plans = {oid: p for oid, (p, _) in warm.items()}
        return WaveResult(plans, warm_unserved, _total(plans), "streaming", "fallback",
                          time.perf_counter() - started, streaming_objective=warm_objective,
                          fallback_reason=reason, model_size=size)

    plans = {}
    for col, y in zip(columns, y_var, strict=True):
        if sol.values[y] > 0.5:
            plans[orders[col.order].id] = col.plan
    unserved = [o.id for o in orders if o.id not in plans]
    return WaveResult(plans, unserved, _total(plans), "mip", sol.status,
                      time.perf_counter() - started, sol.objective, sol.dual_bound, sol.gap,
                      streaming_objective=warm_objective, model_size=size)


def _total(plans: Mapping[str, Candidate]) -> Decimal:
    return sum((c.total for c in plans.values()), Decimal(0))


__all__ = ["SolverFailed", "WaveResult", "plan_wave"]
