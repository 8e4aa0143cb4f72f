"""The first allocation strategy: nearest single warehouse, else fewest warehouses."""

from __future__ import annotations

from dataclasses import replace

from orderhub.domain.allocation import NearestWarehouseStrategy, transit_days
from orderhub.domain.geo import haversine_km, locate
from orderhub.domain.order import Address, HoldCode
from tests.factories import BEIJING, GUANGZHOU, NOW, SHANGHAI, WAREHOUSES, order

STRATEGY = NearestWarehouseStrategy()


def plan(o: object, available: dict[tuple[str, str], int], warehouses: object = WAREHOUSES):
    return STRATEGY.plan(o, warehouses, available, NOW)  # type: ignore[arg-type]


def test_geo_lookup_accepts_chinese_and_pinyin() -> None:
    assert locate(Address(city="上海市")) == locate(Address(city="shanghai"))
    assert locate(Address(province="广西壮族自治区")) is not None
    assert locate(Address(city="Atlantis")) is None
    assert 1000 < haversine_km((31.23, 121.47), (39.90, 116.40)) < 1100


def test_nearest_warehouse_that_fills_everything() -> None:
    stock = {("A", "SH"): 5, ("A", "BJ"): 5}
    assert {p.warehouse for p in plan(order([("A", 2)], address=SHANGHAI), stock).picks} == {"SH"}
    assert {p.warehouse for p in plan(order([("A", 2)], address=BEIJING), stock).picks} == {"BJ"}


def test_farther_single_warehouse_beats_a_split() -> None:
    stock = {("A", "SH"): 5, ("A", "GZ"): 5, ("B", "GZ"): 5}
    outcome = plan(order([("A", 1), ("B", 1)], address=SHANGHAI), stock)
    assert {p.warehouse for p in outcome.picks} == {"GZ"}


def test_split_across_fewest_warehouses_nearest_first() -> None:
    stock = {("A", "SH"): 5, ("B", "BJ"): 5, ("B", "GZ"): 5, ("A", "GZ"): 1}
    outcome = plan(order([("A", 3), ("B", 2)], address=SHANGHAI), stock)
    assert outcome.ok
    assert sorted((p.sku, p.warehouse, p.quantity) for p in outcome.picks) == [
        ("A", "SH", 3),
        ("B", "BJ", 2),
    ]


def test_one_line_split_between_two_warehouses() -> None:
    stock = {("A", "SH"): 3, ("A", "BJ"): 3}
    outcome = plan(order([("A", 5)], address=SHANGHAI), stock)
    assert sorted((p.warehouse, p.quantity) for p in outcome.picks) == [("BJ", 2), ("SH", 3)]


def test_no_partial_fill_backorder_reason_names_the_shortage() -> None:
    outcome = plan(order([("A", 5), ("B", 1)], address=GUANGZHOU), {("A", "SH"): 4, ("B", "BJ"): 1})
    assert not outcome.ok and outcome.picks == []
    [reason] = outcome.reasons
    assert reason.code == HoldCode.BACKORDER and reason.sku == "A"
    assert "5 ordered, 4 available" in reason.message


def test_inactive_warehouses_are_not_used() -> None:
    closed = [replace(w, active=False) if w.code == "SH" else w for w in WAREHOUSES]
    outcome = plan(order([("A", 1)], address=SHANGHAI), {("A", "SH"): 5, ("A", "GZ"): 5}, closed)
    assert {p.warehouse for p in outcome.picks} == {"GZ"}
    none_open = [replace(w, active=False) for w in WAREHOUSES]
    outcome = plan(order([("A", 1)]), {("A", "SH"): 5}, none_open)
    assert outcome.reasons[0].code == HoldCode.NO_ACTIVE_WAREHOUSE


def test_promise_grows_with_distance() -> None:
    stock_near = {("A", "SH"): 5}
    stock_far = {("A", "GZ"): 5}
    near = plan(order([("A", 1)], address=SHANGHAI), stock_near).promised
    far = plan(order([("A", 1)], address=SHANGHAI), stock_far).promised
    assert near is not None and far is not None and far > near
    assert transit_days(100) == 1 and transit_days(3000) == 5
