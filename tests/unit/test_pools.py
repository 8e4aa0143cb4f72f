"""Group-buy pooling, pure: the policy document, membership by channel and distance,
closing, and the one-delivery plan."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from orderhub.domain.errors import Conflict, InvalidInput
from orderhub.domain.geo import haversine_km
from orderhub.domain.inventory import Warehouse
from orderhub.domain.order import Address, Customer, Order, OrderLine, OrderType
from orderhub.domain.pools.policy import ChannelPooling, PoolPolicy, parse_policy
from orderhub.domain.pools.pool import CloseReason, PickupPoint, Pool, choose_pickup
from orderhub.domain.pools.routing import PoolStrategy, plan_deliveries
from orderhub.domain.routing.pricing import PICKUP

NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
STORE = PickupPoint("PU", 31.2200, 121.5440)
OTHER = PickupPoint("PX", 31.2300, 121.5000)  # ~4.3 km west of PU
RULE = ChannelPooling("tuan", radius_km=5, window_minutes=120, threshold=3)


def order(oid: str, lines: list[tuple[str, int]]) -> Order:
    o = Order.create(tenant_id="t", channel="tuan", external_id=oid, order_type=OrderType.B2C,
                     currency="CNY", customer=Customer(), address=Address(), now=NOW,
                     lines=[OrderLine(i + 1, s, q, Decimal("1")) for i, (s, q) in
                            enumerate(lines)])
    o.id = oid
    return o


def wh(code: str, lat: float, lon: float) -> Warehouse:
    return Warehouse("t", code, code, lat, lon)


def test_defaults_and_field_errors_of_the_policy_document() -> None:
    p = parse_policy({"channels": {"tuan": {}}}, version=3)
    assert p.for_channel("tuan") == ChannelPooling("tuan", 5.0, 120, 30)
    assert p.for_channel("web") is None and p.version == 3
    off = parse_policy({"channels": {"tuan": {"enabled": False}}}, version=1)
    assert off.for_channel("tuan") is None
    with pytest.raises(InvalidInput) as bad:
        parse_policy({"channels": {"tuan": {"radius_km": 0, "window_minutes": "2h",
                                            "threshold": 1, "colour": "red"}},
                      "extra": 1}, version=1)
    assert {e.loc for e in bad.value.errors} == {
        "extra", "channels.tuan.colour", "channels.tuan.radius_km",
        "channels.tuan.window_minutes", "channels.tuan.threshold"}
    assert PoolPolicy().for_channel("tuan") is None


def test_the_pickup_point_is_the_buyers_store_or_the_nearest_within_the_radius() -> None:
    near_px = (31.2300, 121.5050)  # 0.5 km from PX, ~3.8 km from PU
    got = choose_pickup(near_px, "", [STORE, OTHER], RULE)
    assert got is not None and got[0] == OTHER and got[1] < 1
    chosen = choose_pickup(near_px, "PU", [STORE, OTHER], RULE)
    assert chosen is not None and chosen[0] == STORE
    assert choose_pickup((31.40, 121.30), "", [STORE, OTHER], RULE) is None  # too far
    assert choose_pickup(None, "", [STORE], RULE) is None  # nowhere known
    assert choose_pickup(near_px, "ZZ", [STORE, OTHER], RULE) is None  # not a pickup point


def test_membership_by_channel_distance_window_and_threshold() -> None:
    pool = Pool.open("t", RULE, STORE, NOW, 1)
    here = (31.2210, 121.5450)
    assert pool.accepts("tuan", here, NOW)
    assert not pool.accepts("web", here, NOW)
    assert not pool.accepts("tuan", (31.30, 121.54), NOW)  # ~8.9 km
    assert not pool.accepts("tuan", here, NOW + timedelta(hours=2))
    assert [pool.add_member() for _ in range(3)] == [False, False, True]
    assert not pool.accepts("tuan", here, NOW)
    assert pool.due_reason(NOW) == CloseReason.THRESHOLD


def test_a_pool_closes_once_and_says_why() -> None:
    pool = Pool.open("t", RULE, STORE, NOW, 1)
    pool.add_member()
    assert pool.due_reason(NOW + timedelta(minutes=119)) is None
    assert pool.due_reason(NOW + timedelta(minutes=120)) == CloseReason.WINDOW
    pool.close(CloseReason.WINDOW, NOW, "scheduler")
    assert pool.due_reason(NOW + timedelta(days=1)) is None
    with pytest.raises(Conflict):
        pool.close(CloseReason.MANUAL, NOW, "ops")
    with pytest.raises(Conflict):
        pool.add_member()


def test_one_warehouse_where_it_holds_everything_the_nearest_of_those() -> None:
    members = [order("o1", [("A", 2)]), order("o2", [("A", 1), ("B", 1)])]
    near, far = wh("NEAR", 31.23, 121.47), wh("FAR", 39.90, 116.40)
    stock = {("A", "NEAR"): 3, ("B", "NEAR"): 1, ("A", "FAR"): 9, ("B", "FAR"): 9}
    deliveries, left = plan_deliveries(members, [far, near], stock, (STORE.lat, STORE.lon))
    assert [(d.warehouse, d.orders) for d in deliveries] == [("NEAR", ("o1", "o2"))]
    assert left == [] and stock[("A", "NEAR")] == 3  # the map is not changed
    # NEAR short of one unit: the far warehouse holds all of it, so it takes all of it
    stock[("A", "NEAR")] = 2
    deliveries, _ = plan_deliveries(members, [far, near], stock, (STORE.lat, STORE.lon))
    assert [(d.warehouse, d.orders) for d in deliveries] == [("FAR", ("o1", "o2"))]


def test_fewest_deliveries_when_no_warehouse_holds_everything() -> None:
    members = [order("o1", [("A", 1)]), order("o2", [("A", 1)]), order("o3", [("B", 1)]),
               order("o4", [("C", 1)])]
    x, y = wh("X", 31.23, 121.47), wh("Y", 30.27, 120.15)
    stock = {("A", "X"): 2, ("B", "Y"): 1, ("A", "Y"): 5}
    deliveries, left = plan_deliveries(members, [x, y], stock, (STORE.lat, STORE.lon))
    assert [(d.warehouse, d.orders) for d in deliveries] == [("Y", ("o1", "o2", "o3"))]
    assert left == ["o4"]
    assert deliveries[0].distance_km == pytest.approx(
        haversine_km((30.27, 120.15), (STORE.lat, STORE.lon)))


def test_the_strategy_serves_each_member_its_picks_and_the_pickup_service() -> None:
    members = [order("o1", [("A", 2)]), order("o2", [("C", 1)])]
    x = wh("X", 31.23, 121.47)
    strategy = PoolStrategy("pool_1", members, (STORE.lat, STORE.lon))
    available = {("A", "X"): 5}
    first = strategy.plan(members[0], [x], available, NOW)
    assert first.ok and first.services == {"X": PICKUP}
    assert [(p.sku, p.warehouse, p.quantity) for p in first.picks] == [("A", "X", 2)]
    second = strategy.plan(members[1], [x], available, NOW)
    assert not second.ok and second.reasons[0].code.value == "backorder"
    # a second planning pass (under row locks) plans again from what it is handed
    again = strategy.plan(members[0], [x], {("A", "X"): 1}, NOW)
    assert not again.ok
