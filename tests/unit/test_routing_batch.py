"""Batch (wave) routing against greedy streaming and the naive baseline, on hand-made
networks small enough to know the optimum."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from orderhub.domain.routing import batch
from orderhub.domain.routing.baseline import naive_plan
from orderhub.domain.routing.batch import SolverFailed, WaveResult, plan_wave
from orderhub.domain.routing.network import Network, RouteLine, RouteOrder, Site
from orderhub.domain.routing.streaming import Candidate, plan_order, take_stock

TODAY = date(2026, 3, 2)
SH = (31.2304, 121.4737, "上海")
BJ = (39.9042, 116.4074, "北京")
GZ = (23.1291, 113.2644, "广东")


def site(code: str, where: tuple[float, float, str], capacity: int = 100,
         caps: frozenset[str] = frozenset(), active: bool = True, queue_days: int = 2) -> Site:
    lat, lon, province = where
    return Site(code, lat, lon, province, Decimal("2.00"), Decimal("0.30"), capacity,
                capabilities=caps, active=active, max_queue_days=queue_days)


def order(oid: str, where: tuple[float, float, str], *lines: tuple[str, int],
          needs: frozenset[str] = frozenset(), days: int = 5) -> RouteOrder:
    lat, lon, province = where
    return RouteOrder(oid, province, lat, lon, tuple(RouteLine(s, q) for s, q in lines),
                      requested_by=TODAY + timedelta(days=days), needs=needs)


def greedy(orders: list[RouteOrder], network: Network) -> dict[str, Candidate | None]:
    """Streaming decisions in sequence, stock and capacity decremented as they go."""
    work = Network(list(network.sites), list(network.services), dict(network.stock))
    out: dict[str, Candidate | None] = {}
    for o in orders:
        chosen = plan_order(o, work, TODAY).chosen
        out[o.id] = chosen
        if chosen is not None:
            take_stock(work, chosen)
    return out


def solved(result: WaveResult) -> WaveResult:
    assert result.method == "mip", result.fallback_reason
    assert result.gap is not None and result.gap <= 0.01
    assert result.objective is not None and result.dual_bound is not None
    return result


def sites_of(result: WaveResult, oid: str) -> tuple[str, ...]:
    return tuple(sorted(s.site for s in result.plans[oid].shipments))


def test_batch_serves_both_orders_where_greedy_strands_one() -> None:
    # A can go to either site; B needs cold chain, which only SH has. Greedy gives A the
    # single SH unit (nearer, cheaper) and B is left without stock.
    net = Network([site("SH", SH, caps=frozenset({"cold_chain"})), site("BJ", BJ)],
                  stock={("X", "SH"): 1, ("X", "BJ"): 1})
    a = order("A", SH, ("X", 1))
    b = order("B", SH, ("X", 1), needs=frozenset({"cold_chain"}))
    g = greedy([a, b], net)
    assert g["A"] is not None and g["A"].sites == ("SH",)
    assert g["B"] is None

    result = solved(plan_wave([a, b], net, TODAY))
    assert result.unserved == []
    assert sites_of(result, "A") == ("BJ",)
    assert sites_of(result, "B") == ("SH",)


def test_batch_costs_less_than_greedy_when_stock_is_contended() -> None:
    # A wants only X; B wants X and Y, Y only at SH. Greedy takes SH's X for A, so B must
    # split (X from BJ, Y from SH). The optimum ships A from BJ and B whole from SH.
    net = Network([site("SH", SH), site("BJ", BJ)],
                  stock={("X", "SH"): 1, ("X", "BJ"): 1, ("Y", "SH"): 1})
    a = order("A", SH, ("X", 1))
    b = order("B", SH, ("X", 1), ("Y", 1))
    g = greedy([a, b], net)
    assert g["A"] is not None and g["B"] is not None
    greedy_total = g["A"].total + g["B"].total
    assert len(g["B"].shipments) == 2

    result = solved(plan_wave([a, b], net, TODAY))
    assert sites_of(result, "A") == ("BJ",)
    assert sites_of(result, "B") == ("SH",)
    assert result.total < greedy_total
    assert result.total == sum((c.total for c in result.plans.values()), Decimal(0))


def test_capacity_is_respected() -> None:
    net = Network([site("SH", SH, capacity=1, queue_days=1), site("BJ", BJ), site("GZ", GZ)],
                  stock={("X", c): 10 for c in ("SH", "BJ", "GZ")})
    orders = [order(f"O{i}", SH, ("X", 1)) for i in range(4)]
    result = solved(plan_wave(orders, net, TODAY))
    assert result.unserved == []
    used = [s.site for c in result.plans.values() for s in c.shipments]
    assert used.count("SH") == 1
    assert len(used) == 4  # no needless splits


def test_stock_is_never_exceeded_and_short_stock_is_reported_as_unserved() -> None:
    net = Network([site("SH", SH), site("BJ", BJ)],
                  stock={("X", "SH"): 2, ("X", "BJ"): 1, ("Y", "BJ"): 1})
    orders = [order("A", SH, ("X", 2)), order("B", BJ, ("X", 1), ("Y", 1)),
              order("C", SH, ("X", 1)), order("D", SH, ("Z", 1))]
    result = solved(plan_wave(orders, net, TODAY))
    # 3 units of X for 4 demanded, no Z at all: D and one of A, C go unserved (the penalty
    # is per order, so the cheaper of the two is served).
    assert len(result.unserved) == 2 and "D" in result.unserved and "B" in result.plans
    taken: dict[tuple[str, str], int] = {}
    for c in result.plans.values():
        for s in c.shipments:
            for sku, q in s.picks.items():
                taken[(sku, s.site)] = taken.get((sku, s.site), 0) + q
    assert all(q <= net.stock[k] for k, q in taken.items())
    for oid, plan in result.plans.items():  # full demand or nothing
        o = next(o for o in orders if o.id == oid)
        got: dict[str, int] = {}
        for s in plan.shipments:
            for sku, q in s.picks.items():
                got[sku] = got.get(sku, 0) + q
        assert got == o.demand


def test_inactive_and_incapable_sites_are_excluded_and_network_untouched() -> None:
    net = Network([site("SH", SH, active=False), site("GZ", GZ), site("BJ", BJ,
                   caps=frozenset({"hazardous"}))],
                  stock={("X", c): 5 for c in ("SH", "BJ", "GZ")})
    before = (list(net.sites), dict(net.stock))
    result = solved(plan_wave([order("A", SH, ("X", 1)),
                               order("H", SH, ("X", 1), needs=frozenset({"hazardous"}))],
                              net, TODAY))
    assert sites_of(result, "A") == ("GZ",)
    assert sites_of(result, "H") == ("BJ",)
    assert (net.sites, net.stock) == before


def test_batch_never_worse_than_greedy_on_a_mixed_wave() -> None:
    net = Network([site("SH", SH, capacity=3), site("BJ", BJ, capacity=3),
                   site("GZ", GZ, capacity=3)],
                  stock={("X", "SH"): 3, ("X", "BJ"): 2, ("Y", "SH"): 2, ("Y", "GZ"): 3,
                         ("Z", "GZ"): 2, ("Z", "BJ"): 2})
    orders = [order("O1", SH, ("X", 1), ("Y", 1)), order("O2", BJ, ("X", 1)),
              order("O3", GZ, ("Y", 1), ("Z", 1)), order("O4", SH, ("X", 2)),
              order("O5", GZ, ("Z", 1)), order("O6", BJ, ("Y", 1), ("Z", 1))]
    g = greedy(orders, net)
    result = solved(plan_wave(orders, net, TODAY))
    assert len(result.unserved) <= sum(1 for c in g.values() if c is None)
    if not result.unserved and all(g.values()):
        assert result.total <= sum((c.total for c in g.values() if c), Decimal(0))


def test_solver_failure_falls_back_to_streaming(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: object) -> object:
        raise SolverFailed("simulated")

    monkeypatch.setattr(batch, "solve", broken)
    net = Network([site("SH", SH, caps=frozenset({"cold_chain"})), site("BJ", BJ)],
                  stock={("X", "SH"): 1, ("X", "BJ"): 1})
    orders = [order("A", SH, ("X", 1)), order("B", SH, ("X", 1), needs=frozenset({"cold_chain"}))]
    result = plan_wave(orders, net, TODAY)
    assert result.method == "streaming"
    assert "simulated" in result.fallback_reason
    assert result.unserved == ["B"]  # what greedy does
    assert result.plans["A"].sites == ("SH",)
    assert result.gap is None


def test_real_highs_without_solution_raises_solver_failed() -> None:
    m = batch._Model()
    x = m.var(1.0, 0.0)
    m.row([x], [1.0], 1.0, 1.0)  # x == 1 with 0 <= x <= 0: infeasible
    with pytest.raises(SolverFailed):
        batch._solve_highs(m, None, 1.0)


def test_tiny_time_limit_still_returns_a_valid_allocation() -> None:
    net = Network([site("SH", SH), site("BJ", BJ)], stock={("X", "SH"): 3, ("X", "BJ"): 3})
    orders = [order(f"O{i}", SH, ("X", 1)) for i in range(5)]
    result = plan_wave(orders, net, TODAY, time_limit=1e-6)
    assert result.method in {"mip", "streaming"}
    assert len(result.plans) + len(result.unserved) == 5


def test_naive_plan_takes_the_first_site_holding_everything() -> None:
    net = Network([site("BJ", BJ), site("SH", SH)],
                  stock={("X", "BJ"): 1, ("X", "SH"): 1, ("Y", "SH"): 1})
    whole = naive_plan(order("A", SH, ("X", 1)), net, TODAY)
    assert whole is not None and whole.sites == ("BJ",)  # priority, not distance
    split = naive_plan(order("B", SH, ("X", 2), ("Y", 1)), net, TODAY)
    assert split is not None and sorted(split.sites) == ["BJ", "SH"]
    assert split.split_penalty > 0
    assert naive_plan(order("C", SH, ("X", 3)), net, TODAY) is None
