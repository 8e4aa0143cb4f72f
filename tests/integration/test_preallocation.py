"""Pre-allocation on SQLite and PostgreSQL: a plan from stored forecasts moves stock toward
the site that will sell it, a person accepts it, the transfer order ships and is received
with the stock numbers at each step and its events; the auto-accept rule; the
safety-stock flag; bad input with clear messages, nothing applied."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text

from orderhub.adapters.db.forecast_repository import RunRecord, SeriesRecord
from orderhub.adapters.planning.highs_solver import HighsPreallocationSolver
from orderhub.bootstrap import Hub
from orderhub.domain.errors import Conflict, InvalidInput, NotFound
from orderhub.domain.forecasting.reconcile import Point
from orderhub.services.inventory import stock_control
from orderhub.services.planning import preallocation, transfers, views
from orderhub.services.planning import settings as planning_settings
from tests.conftest import Clock
from tests.factories import T, seed_network

SOLVER = HighsPreallocationSolver()


def store_forecasts(hub: Hub, daily: dict[tuple[str, str], float], sigma: float = 1.0,
                    run_id: str = "fc_test", start: date | None = None) -> None:
    """A forecast run as `forecast fit` stores one: daily points with 80%/95% intervals,
    from `start` (default the hub's today) for a week."""
    today = start or hub.clock().date()
    points = []
    for (sku, wh), mean in daily.items():
        for d in range(7):
            points.append(("sku_location", sku, "warehouse", wh, Point(
                today + timedelta(days=d), mean, mean - 1.2816 * sigma, mean + 1.2816 * sigma,
                mean - 1.96 * sigma, mean + 1.96 * sigma)))
    with hub.uow() as u:
        u.forecasts.add_run(RunRecord(run_id, T, hub.clock(), "test", "hub", 7, today, today,
                                      {}),
                            [SeriesRecord(run_id, "sku_location", s, "warehouse", w, "fast",
                                          "auto_ets", None, {}) for s, w in daily], points)
        u.commit()


def level(hub: Hub, sku: str, wh: str) -> tuple[int, int, int]:
    with hub.uow() as u:
        lv = u.stock.level(T, sku, wh)
    return (lv.on_hand, lv.reserved, lv.atp) if lv else (0, 0, 0)


def events(hub: Hub, prefix: str) -> list[str]:
    with hub.engine.connect() as conn:
        return [r[0] for r in conn.execute(text(
            "SELECT type FROM outbox WHERE type LIKE :p ORDER BY id"), {"p": prefix + "%"})]


def plan(hub: Hub, **kw: object) -> preallocation.PlanResult:
    return preallocation.preallocate(hub.uow, hub.read_uow, SOLVER, T, actor="test",
                                     now=hub.clock(), **kw)  # type: ignore[arg-type]


@pytest.fixture
def network(hub: Hub) -> Hub:
    # A: SH holds 100 and sells 3 a day; BJ holds 2 and sells 10 a day. Lost sale = price.
    seed_network(hub, {("A", "SH"): 100, ("A", "BJ"): 2, ("B", "BJ"): 5})
    planning_settings.change(hub.uow, T, {"lost_sale_margin": "1"}, actor="test",
                             now=hub.clock())
    return hub


def test_plan_accept_ship_receive_moves_stock_through_transit(network: Hub,
                                                               clock: Clock) -> None:
    hub = network
    store_forecasts(hub, {("A", "SH"): 3, ("A", "BJ"): 10})
    result = plan(hub)
    doc = views.plan(hub.read_uow, T, result.plan.id)
    (s,) = [x for x in doc["suggestions"] if x["sku"] == "A"]
    assert (s["from"], s["to"], s["status"]) == ("SH", "BJ", "suggested")
    # BJ needs 30 - 2 over 72 h, plus cover for σ = √3 ≈ 1.7 at 10.00 a lost unit
    assert 28 <= s["quantity"] <= 33, s
    assert Decimal(s["cost"]) == Decimal(s["unit_cost"]) * s["quantity"]
    assert Decimal(s["expected_benefit"]) > 0 and "BJ forecasts 30.0" in s["why"]
    assert s["source_safety_stock"] >= 3  # z(0.95) × σ_day 1 × √2 days → 3
    q = s["quantity"]

    accepted = transfers.accept(hub.uow, T, result.plan.id, None, actor="ops",
                                now=hub.clock())
    (tid,) = accepted.transfer_ids
    assert level(hub, "A", "SH") == (100, q, 100 - q)  # reserved: no order can take it
    assert level(hub, "A", "BJ") == (2, 0, 2)
    assert views.plan(hub.read_uow, T, result.plan.id)["suggestions"][0]["status"] == \
        "accepted"

    clock.now += timedelta(hours=5)
    shipped = transfers.ship(hub.uow, T, tid, actor="wh", now=hub.clock())
    assert shipped.status.value == "shipped" and shipped.shipped_at == clock.now
    assert level(hub, "A", "SH") == (100 - q, 0, 100 - q)
    assert level(hub, "A", "BJ") == (2, 0, 2)  # in transit: ATP at BJ unchanged
    with pytest.raises(Conflict):
        transfers.ship(hub.uow, T, tid, actor="wh", now=hub.clock())
    # a new plan counts the units in transit and suggests nothing more for BJ
    again = views.plan(hub.read_uow, T, plan(hub).plan.id)
    assert [x for x in again["suggestions"] if x["sku"] == "A"] == []

    transfers.receive(hub.uow, T, tid, actor="wh", now=hub.clock())
    assert level(hub, "A", "BJ") == (2 + q, 0, 2 + q)
    assert events(hub, "Transfer") == ["TransferOrderCreated", "TransferShipped",
                                       "TransferReceived"]
    assert events(hub, "Preallocation") == ["PreallocationPlanned"] * 2
    with pytest.raises(Conflict):
        transfers.cancel(hub.uow, T, tid, actor="wh", now=hub.clock())


def test_no_transfer_when_it_costs_more_than_the_lost_sale(network: Hub) -> None:
    hub = network
    store_forecasts(hub, {("A", "SH"): 3, ("A", "BJ"): 10})
    # SH→BJ costs 1.00 + 0.002/km × ~1,070 km ≈ 3.13 a unit; a lost A costs 2.50 at 25%
    planning_settings.change(hub.uow, T, {"lost_sale_margin": "0.25"}, actor="t",
                             now=hub.clock())
    assert plan(hub).suggestions == 0


def test_auto_accept_rule_takes_only_unflagged_suggestions_above_the_minimum(
        network: Hub) -> None:
    hub = network
    store_forecasts(hub, {("A", "SH"): 3, ("A", "BJ"): 10})
    planning_settings.change(hub.uow, T, {"auto_accept_min_benefit": "100000"}, actor="t",
                             now=hub.clock())
    assert plan(hub, auto_accept=True).accepted == []
    planning_settings.change(hub.uow, T, {"auto_accept_min_benefit": "10"}, actor="t",
                             now=hub.clock())
    result = plan(hub, auto_accept=True)
    assert len(result.accepted) == 1
    assert level(hub, "A", "SH")[1] > 0
    assert events(hub, "TransferOrderCreated") == ["TransferOrderCreated"]


def test_a_transfer_that_would_leave_the_source_below_safety_stock_is_flagged(
        network: Hub) -> None:
    hub = network
    store_forecasts(hub, {("A", "SH"): 3, ("A", "BJ"): 10})
    result = plan(hub)
    s = views.plan(hub.read_uow, T, result.plan.id)["suggestions"][0]
    # since the plan, SH lost stock: the transfer would now dip into its safety stock
    stock_control.adjust_stock(hub.uow, T, "A", "SH", -(100 - s["quantity"] - 1),
                               reason="count", reference="cnt-1", now=hub.clock(),
                               actor="t")
    # the rule never accepts it
    planning_settings.change(hub.uow, T, {"auto_accept_min_benefit": "0"}, actor="t",
                             now=hub.clock())
    with hub.uow() as u:
        rule = transfers.accept_in(u, T, result.plan.id, None, quantities={},
                                   allow_below_safety=False, actor="rule",
                                   now=hub.clock(), rule=True)
        u.commit()
    assert rule.accepted == [] and "flagged" in rule.skipped[0]["reason"]
    got = views.plan(hub.read_uow, T, result.plan.id)["suggestions"][0]
    assert got["status"] == "flagged" and "below its safety stock" in got["flag"]
    # a person asking for it is told why; with allow_below_safety it goes through
    asked = transfers.accept(hub.uow, T, result.plan.id, [1], actor="ops", now=hub.clock())
    assert asked.accepted == [] and "--allow-below-safety" in asked.skipped[0]["reason"]
    assert level(hub, "A", "SH")[1] == 0
    forced = transfers.accept(hub.uow, T, result.plan.id, [1], allow_below_safety=True,
                              actor="ops", now=hub.clock())
    assert forced.accepted == [1]
    tr = views.transfer(hub.read_uow, T, forced.transfer_ids[0])
    assert tr["below_safety"] is True


def test_bad_input_is_refused_with_a_clear_message(network: Hub) -> None:
    hub = network
    with pytest.raises(InvalidInput) as exc:
        plan(hub)
    assert "no demand forecasts yet" in str(exc.value.errors[0].message)
    store_forecasts(hub, {("A", "SH"): 3, ("A", "BJ"): 10})
    with pytest.raises(InvalidInput) as exc:
        plan(hub, skus=["A", "NOPE"], sites=["SH", "XX"])
    assert {(e.loc, e.message) for e in exc.value.errors} == {
        ("skus", "unknown SKU 'NOPE'"), ("sites", "unknown or closed site 'XX'")}
    with pytest.raises(InvalidInput):
        plan(hub, horizon_hours=5)
    with pytest.raises(InvalidInput):
        preallocation.parse_horizon("soon")
    assert preallocation.parse_horizon("3d") == 72
    result = plan(hub)
    with pytest.raises(InvalidInput) as exc:
        transfers.accept(hub.uow, T, result.plan.id, [1, 9], quantities={1: -5},
                         actor="ops", now=hub.clock())
    assert {e.loc for e in exc.value.errors} == {"only", "quantities"}
    assert level(hub, "A", "SH")[1] == 0  # nothing applied
    with pytest.raises(NotFound):
        transfers.accept(hub.uow, T, "pa_missing", None, actor="ops", now=hub.clock())
    with pytest.raises(NotFound):
        transfers.ship(hub.uow, T, "tr_missing", actor="ops", now=hub.clock())
    with pytest.raises(InvalidInput) as exc:
        planning_settings.change(hub.uow, T, {"holding_cost_per_unit_day": "-1"},
                                 actor="t", now=hub.clock())
    assert exc.value.errors[0].loc == "holding_cost_per_unit_day"


def test_routing_sellout_penalty_is_off_by_default_and_steers_when_on(hub: Hub) -> None:
    """Intake reads the tenant's setting with the network state: off, the order from
    Shanghai takes SH's last units; on, SH (forecast to sell 6 a day, holding 3) is
    spared and BJ ships it."""
    from datetime import UTC, datetime

    from orderhub.services.intake.submit import submit_orders
    from tests.factories import SHANGHAI, draft

    seed_network(hub, {("A", "SH"): 3, ("A", "BJ"): 50})
    # routing reads forecasts from the database's today
    store_forecasts(hub, {("A", "SH"): 6, ("A", "BJ"): 1}, start=datetime.now(UTC).date())

    def route(external_id: str) -> str:
        (result,) = submit_orders(hub.uow, T, [draft(external_id, [("A", 1)],
                                                     address=SHANGHAI)],
                                  strategy=hub.strategy, now=hub.clock(),
                                  actor="test", presale_lock=hub.presale_lock)
        assert result.order_id is not None
        with hub.uow() as u:
            order = u.orders.get(T, result.order_id)
        assert order is not None and order.reservations, order
        return order.reservations[0].warehouse

    assert route("S-1") == "SH"
    planning_settings.change(hub.uow, T, {"routing_sellout_penalty": "100"}, actor="t",
                             now=hub.clock())
    assert route("S-2") == "BJ"
    planning_settings.change(hub.uow, T, {"routing_sellout_penalty": "0"}, actor="t",
                             now=hub.clock())
    assert route("S-3") == "SH"
