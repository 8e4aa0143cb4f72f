"""`plan preallocate`: the transfers that minimise expected lost sales plus transfer and
holding cost over the next 72 hours (by default), from the latest forecast run, stock on
hand, reserved and in transit, lanes between sites and the tenant's settings. The problem
is read in one transaction, solved outside any (HiGHS, adapters/planning), and the plan
with its suggestions (and, under the auto-accept rule, their transfer orders) stored in
another with PreallocationPlanned."""

from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from orderhub.domain.errors import FieldError, InvalidInput
from orderhub.domain.events import PreallocationPlanned
from orderhub.domain.ids import new_id
from orderhub.domain.planning.plan import (
    CENT,
    Plan,
    PlanningSettings,
    SuggestionStatus,
    auto_acceptable,
    suggestions,
)
from orderhub.domain.planning.problem import (
    DailyForecast,
    PlanningProblem,
    PreallocationSolver,
    SiteInfo,
    SiteItem,
    SkuProblem,
    horizon_demand,
    inbound_lead,
    lanes_between,
    planning_safety_stock,
)
from orderhub.services.planning import settings as planning_settings
from orderhub.services.planning import transfers
from orderhub.services.unit_of_work import UnitOfWork, UowFactory

MAX_HORIZON_HOURS = 14 * 24


def default_solver() -> PreallocationSolver:
    from orderhub.adapters.planning.highs_solver import HighsPreallocationSolver

    return HighsPreallocationSolver()


@dataclass(frozen=True, slots=True)
class Built:
    problem: PlanningProblem
    settings: PlanningSettings
    forecast_run_id: str
    first_day: str
    last_day: str


def parse_horizon(text: str) -> int:
    """'72h', '3d' or '72' (hours) to hours; a field error otherwise."""
    raw = text.strip().lower()
    try:
        hours = int(raw[:-1]) * 24 if raw.endswith("d") else int(raw.removesuffix("h"))
    except ValueError:
        raise InvalidInput([FieldError("horizon", f"'{text}' is not a horizon: hours "
                                       "like 72h or days like 3d")]) from None
    return hours


def build_problem(uow: UnitOfWork, tenant_id: str, *, horizon_hours: int, now: datetime,
                  skus: list[str] | None = None, sites: list[str] | None = None,
                  start: date | None = None) -> Built:
    """The planning problem as stored data says it is now; field errors for what it
    cannot be built from (unknown SKUs or sites, no forecasts)."""
    if not 24 <= horizon_hours <= MAX_HORIZON_HOURS:
        raise InvalidInput([FieldError("horizon", f"24 to {MAX_HORIZON_HOURS} hours "
                                       f"(got {horizon_hours})")])
    days = math.ceil(horizon_hours / 24)
    if start is not None and start > date.max - timedelta(days=days + 7):
        raise InvalidInput([FieldError("start", f"{start} is past the last day a horizon "
                                       "can start")])
    st = planning_settings.load(uow, tenant_id)
    warehouses = [w for w in uow.catalog.warehouses(tenant_id) if w.active]
    errors: list[FieldError] = []
    if sites:
        known = {w.code for w in warehouses}
        errors += [FieldError("sites", f"unknown or closed site '{s}'")
                   for s in sites if s not in known]
        warehouses = [w for w in warehouses if w.code in set(sites)]
    if skus:
        found = uow.catalog.skus_by_code(tenant_id, skus)
        errors += [FieldError("skus", f"unknown SKU '{s}'") for s in skus if s not in found]
    if errors:
        raise InvalidInput(errors)
    if len(warehouses) < 2:
        raise InvalidInput([FieldError("sites", "at least two active sites are needed to "
                                       "move stock between them")])
    run = uow.forecasts.run(tenant_id, None)
    if run is None:
        raise InvalidInput([FieldError("forecasts", "no demand forecasts yet: run "
                                       "`orderhub forecast fit` (POST /v1/forecasts/fit) "
                                       "first")])
    # The horizon's days: from `start` (default today), or from the run's first forecast
    # day after it when the run starts later (a run fitted on history up to yesterday
    # forecasts from today; one fitted up to today, from tomorrow).
    asked = start or now.date()
    codes = {w.code for w in warehouses}
    sku_filter = set(skus or [])
    points = [(sku, loc, p) for _level, sku, kind, loc, p in uow.forecasts.points(
                  run.id, tenant_id, level="sku_location", since=asked,
                  until=asked + timedelta(days=days + 6))
              if kind == "warehouse" and loc in codes and (not sku_filter or sku in sku_filter)]
    first = min((p.day for _, _, p in points), default=asked)
    last = first + timedelta(days=days - 1)
    forecast: dict[tuple[str, str], list[DailyForecast]] = defaultdict(list)
    for sku, loc, p in points:
        if p.day <= last:
            forecast[(sku, loc)].append(DailyForecast(p.mean, p.lo80, p.hi80, p.lo95,
                                                      p.hi95))
    if not forecast:
        raise InvalidInput([FieldError("forecasts", f"forecast run {run.id} has no daily "
                                       f"forecast per warehouse from {asked} to "
                                       f"{asked + timedelta(days=days + 6)}: fit forecasts "
                                       "by warehouse that cover the horizon "
                                       "(`orderhub forecast fit --by warehouse`)")])
    sku_codes = sorted({s for s, _ in forecast})
    catalog = uow.catalog.skus_by_code(tenant_id, sku_codes)
    levels = uow.stock.levels(tenant_id, sku_codes)
    inbound = uow.planning.inbound(tenant_id, now + timedelta(hours=horizon_hours))
    site_infos = [SiteInfo(w.code, w.lat, w.lon, w.kind) for w in
                  sorted(warehouses, key=lambda w: w.code)]
    lanes = lanes_between(site_infos, base_cost=st.transfer_base_cost,
                          cost_per_km=st.transfer_cost_per_km, km_per_day=st.km_per_day)
    leads = {s.code: inbound_lead(lanes, s.code) for s in site_infos}
    holding = (st.holding_cost_per_unit_day * days).quantize(Decimal("0.0001"))
    problems = []
    for sku in sku_codes:
        item = catalog.get(sku)
        price = item.list_price if item is not None else None
        lost = (price * st.lost_sale_margin).quantize(CENT) if price else st.lost_sale_cost
        rows = []
        for site in site_infos:
            mean, sigma, sigma_day = horizon_demand(forecast.get((sku, site.code), []))
            lv = levels.get((sku, site.code))
            on_hand, reserved, stored = (lv.on_hand, lv.reserved, lv.safety_stock) if lv \
                else (0, 0, 0)
            rows.append(SiteItem(
                site.code, on_hand, reserved, inbound.get((sku, site.code), 0), mean, sigma,
                planning_safety_stock(st.service_level, sigma_day, leads[site.code], stored),
                holding))
        problems.append(SkuProblem(sku, lost, tuple(rows)))
    return Built(PlanningProblem(days, tuple(problems), lanes), st, run.id, first.isoformat(),
                 last.isoformat())


@dataclass(frozen=True, slots=True)
class PlanResult:
    plan: Plan
    suggestions: int
    flagged: int
    accepted: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {"plan_id": self.plan.id, "suggestions": self.suggestions,
                "flagged": self.flagged, "auto_accepted": len(self.accepted),
                "transfers": self.accepted, "summary": self.plan.summary}


def preallocate(make_uow: UowFactory, read_uow: UowFactory, solver: PreallocationSolver,
                tenant_id: str, *, horizon_hours: int = 72, auto_accept: bool = False,
                skus: list[str] | None = None, sites: list[str] | None = None,
                start: date | None = None, actor: str, now: datetime) -> PlanResult:
    started = time.perf_counter()
    with read_uow() as u:
        built = build_problem(u, tenant_id, horizon_hours=horizon_hours, now=now, skus=skus,
                              sites=sites, start=start)
    solution = solver.solve(built.problem)
    found = suggestions(built.problem, solution.transfers)
    plan_id = new_id("pa")
    flagged = sum(1 for s in found if s.status is SuggestionStatus.FLAGGED)
    benefit = sum((s.expected_benefit for s in found), Decimal("0"))
    summary = {"skus": len(built.problem.skus),
               "sites": len(built.problem.skus[0].items) if built.problem.skus else 0,
               "days": [built.first_day, built.last_day], "solver": solution.status,
               "solve_seconds": round(solution.seconds, 3), "batches": solution.batches,
               "seconds": round(time.perf_counter() - started, 3),
               "expected_benefit": str(benefit.quantize(CENT)),
               "transfer_cost": str(sum((s.cost for s in found), Decimal("0")).quantize(CENT)),
               "service_level": built.settings.service_level}
    plan = Plan(plan_id, tenant_id, now, actor, horizon_hours, built.forecast_run_id, summary)
    accepted: list[str] = []
    with make_uow() as u:
        u.planning.add_plan(plan, found)
        if auto_accept or built.settings.auto_accept:
            chosen = [s.n for s in found if auto_acceptable(s, built.settings)]
            if chosen:
                outcome = transfers.accept_in(u, tenant_id, plan_id, chosen, quantities={},
                                              allow_below_safety=False, actor=actor,
                                              now=now, rule=True)
                accepted = outcome.transfer_ids
        u.record(PreallocationPlanned(
            tenant_id=tenant_id, occurred_at=now, actor=actor, plan_id=plan_id,
            horizon_hours=horizon_hours, suggestions=len(found), flagged=flagged,
            auto_accepted=len(accepted)))
        u.commit()
    return PlanResult(plan, len(found), flagged, accepted)
