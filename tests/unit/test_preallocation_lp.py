"""The pre-allocation LP on tiny cases checked by hand (domain/planning, adapters/planning)."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from orderhub.adapters.planning.highs_solver import HighsPreallocationSolver
from orderhub.domain.planning.plan import (
    PlanningSettings,
    SuggestionStatus,
    auto_acceptable,
    flag_for_stock,
    suggestions,
)
from orderhub.domain.planning.problem import (
    DailyForecast,
    Lane,
    PlanningProblem,
    SiteItem,
    SkuProblem,
    horizon_demand,
    planning_safety_stock,
)
from orderhub.domain.planning.uncertainty import (
    daily_sigma,
    expected_shortage,
    safety_stock,
    z_score,
)

H = Decimal("0")


def item(site: str, on_hand: int, mean: float, sigma: float = 0.0, safety: int = 0,
         in_transit: int = 0) -> SiteItem:
    return SiteItem(site, on_hand, 0, in_transit, mean, sigma, safety, H)


def problem(items: list[SiteItem], unit_cost: str, lost_sale: str = "30",
            lead: int = 1, capacity: int | None = None) -> PlanningProblem:
    lanes = tuple(Lane(a.site, b.site, lead, Decimal(unit_cost), capacity)
                  for a in items for b in items if a.site != b.site)
    return PlanningProblem(3, (SkuProblem("A", Decimal(lost_sale), tuple(items)),), lanes)


def solve(p: PlanningProblem) -> dict[tuple[str, str], int]:
    sol = HighsPreallocationSolver().solve(p)
    assert sol.status == "optimal"
    return {(t.origin, t.destination): t.quantity for t in sol.transfers}


def test_moves_surplus_to_shortage_when_transfer_is_cheaper_than_a_lost_sale() -> None:
    # S1 holds 100 and expects 10; S2 holds 0 and expects 40 (no uncertainty):
    # moving 40 avoids 40 lost sales at 30 each for 40 × 2.
    assert solve(problem([item("S1", 100, 10), item("S2", 0, 40)], "2")) == {("S1", "S2"): 40}


def test_does_not_move_when_transfer_costs_more_than_the_lost_sale() -> None:
    assert solve(problem([item("S1", 100, 10), item("S2", 0, 40)], "31")) == {}


def test_source_keeps_its_safety_stock() -> None:
    # S1 may give only 50 - 30 (safety) = 20, although S2 would take 40.
    moves = solve(problem([item("S1", 50, 5, safety=30), item("S2", 0, 40)], "2"))
    assert moves == {("S1", "S2"): 20}


def test_in_transit_counts_and_lanes_past_the_horizon_are_not_used() -> None:
    assert solve(problem([item("S1", 100, 10), item("S2", 0, 40, in_transit=40)], "2")) == {}
    assert solve(problem([item("S1", 100, 10), item("S2", 0, 40)], "2", lead=3)) == {}


def test_lane_capacity_couples_skus() -> None:
    moves = solve(problem([item("S1", 100, 10), item("S2", 0, 40)], "2", capacity=15))
    assert moves == {("S1", "S2"): 15}


def test_uncertainty_moves_more_than_the_mean_when_lost_sales_are_dear() -> None:
    moves = solve(problem([item("S1", 200, 10, 2), item("S2", 0, 40, 10)], "1", "50"))
    assert 45 <= moves[("S1", "S2")] <= 65  # the mean 40 plus cover for σ = 10


def test_safety_stock_formula_and_sigma_from_intervals() -> None:
    assert z_score(0.95) == pytest.approx(1.6449, abs=1e-4)
    assert daily_sigma(10 - 1.2816 * 2, 10 + 1.2816 * 2, 0, 0) == pytest.approx(2.0, abs=1e-3)
    assert daily_sigma(5, 5, 5 - 1.96 * 3, 5 + 1.96 * 3) == pytest.approx(3.0, abs=1e-3)
    assert safety_stock(0.95, 2.0, 4) == pytest.approx(1.6449 * 2 * 2, abs=1e-3)
    days = [DailyForecast(10, 10 - 2.5632, 10 + 2.5632, 0, 0)] * 3
    mean, sigma, per_day = horizon_demand(days)
    assert (mean, round(sigma, 3), round(per_day, 3)) == (30, round(2 * 3 ** 0.5, 3), 2.0)
    assert planning_safety_stock(0.95, 2.0, 1, stored=0) == 4  # ceil(3.29)
    assert planning_safety_stock(0.95, 2.0, 1, stored=9) == 9
    assert expected_shortage(10, 0, 4) == 6
    assert expected_shortage(10, 2, 10) == pytest.approx(2 * 0.39894, abs=1e-4)


def test_suggestions_explain_benefit_and_flag_below_safety() -> None:
    p = problem([item("S1", 100, 10), item("S2", 0, 40)], "2")
    sol = HighsPreallocationSolver().solve(p)
    (s,) = suggestions(p, sol.transfers)
    assert (s.origin, s.destination, s.quantity) == ("S1", "S2", 40)
    assert s.cost == Decimal("80.00") and s.expected_benefit == Decimal("1120.00")
    assert "S2 forecasts 40.0" in s.why and s.status is SuggestionStatus.SUGGESTED
    assert auto_acceptable(s, PlanningSettings(auto_accept_min_benefit=Decimal("1000")))
    assert not auto_acceptable(s, PlanningSettings(auto_accept_min_benefit=Decimal("2000")))
    # stock fell at the source since: the transfer would now dip into safety stock
    assert flag_for_stock(s, 100, 0, 0) == ""
    assert "below its safety stock 10" in flag_for_stock(s, 45, 0, 10)


def test_settings_parse_refuses_bad_values() -> None:
    from orderhub.domain.errors import InvalidInput

    s = PlanningSettings.parse({"service_level": 0.9, "auto_accept_min_benefit": "12.5"})
    assert s.service_level == 0.9 and s.auto_accept_min_benefit == Decimal("12.5")
    with pytest.raises(InvalidInput) as exc:
        PlanningSettings.parse({"service_level": 1.2, "lost_sale_cost": "-1", "nope": 1})
    fields = {e.loc for e in exc.value.errors}
    assert fields == {"service_level", "lost_sale_cost", "nope"}


def test_two_thousand_skus_eight_sites_solve_quickly() -> None:
    import random

    rng = random.Random(3)
    sites = [f"S{i}" for i in range(8)]
    lanes = tuple(Lane(a, b, 1 + (i + j) % 2, Decimal("1.5"))
                  for i, a in enumerate(sites) for j, b in enumerate(sites) if a != b)
    skus = tuple(SkuProblem(f"K{k}", Decimal("25"), tuple(
        SiteItem(s, rng.randint(0, 60), rng.randint(0, 5), 0, rng.uniform(0, 30),
                 rng.uniform(1, 6), rng.randint(0, 5), Decimal("0.1")) for s in sites))
        for k in range(2000))
    started = time.perf_counter()
    sol = HighsPreallocationSolver().solve(PlanningProblem(3, skus, lanes))
    assert sol.status == "optimal" and sol.transfers
    assert time.perf_counter() - started < 120  # the benchmark reports the real figure
