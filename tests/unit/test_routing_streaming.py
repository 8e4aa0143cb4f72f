"""Streaming routing decisions: cost, promise, splits, exclusions, carrier health."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

from orderhub.domain.routing.network import (
    DEMO_SERVICES,
    Network,
    RouteLine,
    RouteOrder,
    Site,
)
from orderhub.domain.routing.streaming import plan_order, take_stock

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # 10:00 in China, before every cut-off
SH = Site("SH", 31.23, 121.47, "上海", Decimal("3"), Decimal("0.5"), 100)
BJ = Site("BJ", 39.90, 116.40, "北京", Decimal("3"), Decimal("0.5"), 100)
GZ = Site("GZ", 23.13, 113.26, "广东", Decimal("2"), Decimal("0.4"), 100)


def order(*lines: tuple[str, int], province: str = "上海", at: tuple[float, float] = (31.2, 121.5),
          requested: date | None = None, needs: frozenset[str] = frozenset()) -> RouteOrder:
    return RouteOrder("o1", province, at[0], at[1],
                      tuple(RouteLine(s, q) for s, q in lines), requested, needs)


def net(stock: dict[tuple[str, str], int], sites: list[Site] | None = None) -> Network:
    return Network(sites or [SH, BJ, GZ], list(DEMO_SERVICES), dict(stock))


def test_same_province_site_is_cheapest() -> None:
    d = plan_order(order(("A", 1)), net({("A", "SH"): 5, ("A", "BJ"): 5}), NOW)
    assert d.chosen is not None and d.chosen.sites == ("SH",)
    # BJ was not priced: its lower bound (handling and cheapest first kilogram) cannot win.
    assert len(d.candidates) + d.pruned >= 2
    assert d.chosen.total == min(c.total for c in d.candidates)


def test_split_only_when_no_single_site_fills() -> None:
    stock = {("A", "SH"): 5, ("B", "BJ"): 5, ("A", "GZ"): 5, ("B", "GZ"): 5}
    d = plan_order(order(("A", 1), ("B", 1)), net(stock), NOW)
    assert d.chosen is not None and d.chosen.sites == ("GZ",)  # one parcel beats two
    d = plan_order(order(("A", 1), ("B", 1)), net({("A", "SH"): 5, ("B", "BJ"): 5}), NOW)
    assert d.chosen is not None and sorted(d.chosen.sites) == ["BJ", "SH"]
    assert d.chosen.split_penalty > 0


def test_late_penalty_buys_the_faster_service() -> None:
    far = order(("A", 1), province="新疆", at=(43.8, 87.6), requested=date(2026, 11, 26))
    d = plan_order(far, net({("A", "SH"): 5}), NOW)
    assert d.chosen is not None
    [shipment] = d.chosen.shipments
    assert shipment.service == "SF:express" and d.chosen.promised <= date(2026, 11, 27)
    relaxed = replace(far, requested_by=date(2026, 12, 20))
    d = plan_order(relaxed, net({("A", "SH"): 5}), NOW)
    assert d.chosen is not None and d.chosen.shipments[0].service == "ZTO:standard"


def test_exclusions_are_explained() -> None:
    sites = [replace(SH, active=False), replace(BJ, backlog=200), GZ,
             Site("CC", 30.0, 120.0, "浙江", Decimal("1"), Decimal("0"), 5,
                  capabilities=frozenset({"cold_chain"}))]
    d = plan_order(order(("A", 1), needs=frozenset({"cold_chain"})),
                   net({("A", "SH"): 5, ("A", "BJ"): 5, ("A", "GZ"): 5, ("A", "CC"): 5},
                       sites), NOW)
    assert d.excluded == {"SH": "closed",
                          "BJ": "picking queue full (200 orders waiting, 2 days of capacity)",
                          "GZ": "lacks cold_chain"}
    assert d.chosen is not None and d.chosen.sites == ("CC",)


def test_no_plan_gives_a_reason() -> None:
    d = plan_order(order(("A", 10)), net({("A", "SH"): 3, ("A", "BJ"): 3}), NOW)
    assert d.chosen is None and d.reason == "SKU A: 10 ordered, 6 available at usable sites"


def test_a_carrier_down_moves_volume_to_the_next() -> None:
    services = [replace(s, healthy=False) if s.carrier == "ZTO" else s for s in DEMO_SERVICES]
    network = Network([SH], services, {("A", "SH"): 5})
    d = plan_order(order(("A", 1)), network, NOW)
    assert d.chosen is not None and not d.chosen.shipments[0].service.startswith("ZTO")


def test_take_stock_applies_the_plan() -> None:
    network = net({("A", "SH"): 2})
    d = plan_order(order(("A", 2)), network, NOW)
    assert d.chosen is not None
    take_stock(network, d.chosen)
    assert network.stock[("A", "SH")] == 0
    assert next(s for s in network.sites if s.code == "SH").backlog == 1
    assert plan_order(order(("A", 1)), network, NOW).chosen is None
