"""The pre-allocation LP (domain/planning/problem.py) with HiGHS, built in matrix form.

Columns per SKU: x_ij (units moved on a usable lane from a site with stock above its
safety stock to a site with forecast demand), S_j (the end-of-horizon position of a
site with demand) and u_j (its expected lost units). Rows per SKU: the balance
S_j − Σ_i x_ij + Σ_k x_jk = on_hand − reserved + in_transit, the piecewise-linear envelope
of the expected shortage (the asymptote u_j ≥ μ_j − S_j and one tangent per point of
`uncertainty.TANGENT_Z` within the range S_j can take, two non-zeros each), and each
source's limit Σ_k x_ik ≤ on_hand − reserved − SS.
Without shared capacities the problem separates per SKU: SKUs are solved in batches of
block-diagonal LPs (one `passModel` each, sparse row-wise arrays); with lane or site
capacities everything is one LP with the capacity rows added. Quantities are rounded down
to whole units, so a rounded plan never breaks a constraint the LP kept."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import highspy
import numpy as np

from orderhub.domain.planning.problem import (
    Lane,
    PlanningProblem,
    SkuProblem,
    Solution,
    Transfer,
)
from orderhub.domain.planning.uncertainty import tangents
from orderhub.domain.routing.batch import quiet_highs

INF = highspy.kHighsInf


@dataclass
class _Model:
    cost: list[float] = field(default_factory=list)
    upper: list[float] = field(default_factory=list)
    lower: list[float] = field(default_factory=list)
    row_lower: list[float] = field(default_factory=list)
    row_upper: list[float] = field(default_factory=list)
    starts: list[int] = field(default_factory=lambda: [0])
    index: list[int] = field(default_factory=list)
    value: list[float] = field(default_factory=list)
    moves: list[tuple[int, str, str, str]] = field(default_factory=list)  # col, sku, i, j
    lane_cols: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    site_cols: dict[str, list[int]] = field(default_factory=dict)
    constant: float = 0.0

    def col(self, cost: float, upper: float = INF, lower: float = 0.0) -> int:
        self.cost.append(cost)
        self.upper.append(upper)
        self.lower.append(lower)
        return len(self.cost) - 1

    def row(self, cols: list[int], vals: list[float], lo: float, hi: float) -> None:
        self.index.extend(cols)
        self.value.extend(vals)
        self.starts.append(len(self.index))
        self.row_lower.append(lo)
        self.row_upper.append(hi)

    def add_sku(self, sp: SkuProblem, lanes: list[Lane]) -> None:
        p = float(sp.lost_sale_cost)
        items = {i.site: i for i in sp.items}
        free = {s: float(i.free) for s, i in items.items()}
        sources = {s for s, f in free.items() if f > 0}
        demand = {s for s, i in items.items() if i.demand_mean > 0 or i.demand_sigma > 0}
        if not sources or not demand:
            return
        inflow: dict[str, list[int]] = {}
        outflow: dict[str, list[int]] = {}
        for ln in lanes:
            if ln.origin not in sources or ln.destination not in demand:
                continue
            src, dst = items[ln.origin], items[ln.destination]
            c = self.col(float(ln.unit_cost) + float(dst.holding_cost)
                         - float(src.holding_cost), free[ln.origin])
            inflow.setdefault(ln.destination, []).append(c)
            outflow.setdefault(ln.origin, []).append(c)
            self.moves.append((c, sp.sku, ln.origin, ln.destination))
            self.lane_cols.setdefault((ln.origin, ln.destination), []).append(c)
            self.site_cols.setdefault(ln.origin, []).append(c)
        if not inflow:
            return
        for site in sorted(demand):
            it = items[site]
            h = float(it.holding_cost)
            ins, outs = inflow.get(site, []), outflow.get(site, [])
            a = float(it.position)
            # the position's range: a pure receiver only gains, a pure source only loses
            lo: float | None = None
            hi: float | None = None
            if ins and not outs:
                lo = a
                hi = a + sum(free[o] for o in sources if o != site)
            elif outs and not ins:
                lo, hi = a - free[site], a
            u = self.col(p + h)
            # S_j, the position at the end of the horizon: S − Σin + Σout = A
            pos = self.col(0.0, INF, -INF)
            self.row([pos, *ins, *outs], [1.0] + [-1.0] * len(ins) + [1.0] * len(outs), a, a)
            # u ≥ μ − S, and u ≥ f_k − q_k (S − S_k) per tangent point
            self.row([u, pos], [1.0, 1.0], it.demand_mean, INF)
            for s_k, f_k, q in tangents(it.demand_mean, it.demand_sigma, lo, hi):
                if q < 1e-6:
                    continue
                self.row([u, pos], [1.0, q], f_k + q * s_k, INF)
        for site, outs in outflow.items():
            if len(outs) > 1:
                self.row(outs, [1.0] * len(outs), -INF, free[site])


def _solve(model: _Model) -> tuple[list[float], str, float]:
    if not model.cost:
        return [], "optimal", 0.0
    h = quiet_highs()
    h.setOptionValue("threads", 1)
    lp = highspy.HighsLp()
    n, m = len(model.cost), len(model.row_lower)
    lp.num_col_ = n
    lp.num_row_ = m
    lp.col_cost_ = np.asarray(model.cost, dtype=np.float64)
    lp.col_lower_ = np.asarray(model.lower, dtype=np.float64)
    lp.col_upper_ = np.asarray(model.upper, dtype=np.float64)
    lp.row_lower_ = np.asarray(model.row_lower, dtype=np.float64)
    lp.row_upper_ = np.asarray(model.row_upper, dtype=np.float64)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_ = n
    lp.a_matrix_.num_row_ = m
    lp.a_matrix_.start_ = np.asarray(model.starts, dtype=np.int32)
    lp.a_matrix_.index_ = np.asarray(model.index, dtype=np.int32)
    lp.a_matrix_.value_ = np.asarray(model.value, dtype=np.float64)
    if h.passModel(lp) == highspy.HighsStatus.kError:
        return [], "model rejected", 0.0
    h.run()
    status = h.modelStatusToString(h.getModelStatus()).lower()
    if h.getInfo().primal_solution_status != 2:
        return [], status, 0.0
    return list(h.getSolution().col_value), status, float(h.getInfo().objective_function_value)


class HighsPreallocationSolver:
    """`PreallocationSolver` with HiGHS's simplex; `batch_skus` SKUs per LP."""

    def __init__(self, batch_skus: int = 100) -> None:
        self.batch_skus = batch_skus

    def solve(self, problem: PlanningProblem) -> Solution:
        started = time.perf_counter()
        lanes = problem.usable_lanes()
        skus = list(problem.skus)
        size = len(skus) if problem.coupled else self.batch_skus
        transfers: list[Transfer] = []
        objective = 0.0
        statuses: set[str] = set()
        batches = 0
        for lo in range(0, max(1, len(skus)), max(1, size)):
            model = _Model()
            for sp in skus[lo:lo + size]:
                model.add_sku(sp, lanes)
            if problem.coupled:
                for ln in lanes:
                    cols = model.lane_cols.get((ln.origin, ln.destination), [])
                    if ln.capacity is not None and cols:
                        model.row(cols, [1.0] * len(cols), -INF, float(ln.capacity))
                for site, cap in sorted(problem.site_outbound_capacity.items()):
                    cols = model.site_cols.get(site, [])
                    if cols:
                        model.row(cols, [1.0] * len(cols), -INF, float(cap))
            values, status, obj = _solve(model)
            batches += 1
            statuses.add(status)
            objective += obj
            for col, sku, origin, destination in model.moves:
                q = math.floor(values[col] + 1e-6) if values else 0
                if q >= 1:
                    transfers.append(Transfer(sku, origin, destination, q))
        status = "optimal" if statuses <= {"optimal"} else ", ".join(sorted(statuses))
        return Solution(tuple(transfers), status, time.perf_counter() - started, objective,
                        batches)
