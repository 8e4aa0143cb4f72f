"""The routing model beyond price: lanes, picking queues, capabilities, pickups, blocks,
rules, degraded carriers, pre-sales, splits over three sites, promises that cannot be met."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from orderhub.domain.errors import InvalidInput
from orderhub.domain.routing.lanes import economy_lanes, express_lanes, region_of
from orderhub.domain.routing.network import (
    DEMO_SERVICES,
    BlockDirection,
    Network,
    RegionBlock,
    RouteLine,
    RouteOrder,
    Site,
)
from orderhub.domain.routing.pricing import PICKUP
from orderhub.domain.routing.streaming import plan_order, take_stock
from orderhub.domain.rules.model import RoutingRule, Vocabulary, parse_rule

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # 10:00 in China, before every cut-off
TODAY = date(2026, 11, 24)


def site(code: str, lat: float, lon: float, province: str, *, capacity: int = 100,
         backlog: int = 0, caps: frozenset[str] = frozenset(), handling: str = "2") -> Site:
    return Site(code, lat, lon, province, Decimal(handling), Decimal("0.3"), capacity,
                capabilities=caps, backlog=backlog, region=region_of(province))


SH = site("SH", 31.23, 121.47, "上海")
HZ = site("HZ", 30.27, 120.16, "浙江")
BJ = site("BJ", 39.90, 116.40, "北京")
GZ = site("GZ", 23.13, 113.26, "广东")


def order(*lines: tuple[str, int], province: str = "上海", at: tuple[float, float] = (31.2, 121.5),
          due: date | None = None, **kw: object) -> RouteOrder:
    return RouteOrder("o1", province, at[0], at[1], tuple(RouteLine(s, q) for s, q in lines),
                      due, region=region_of(province), **kw)  # type: ignore[arg-type]


def net(stock: dict[tuple[str, str], int], sites: list[Site] | None = None,
        **kw: object) -> Network:
    return Network(sites or [SH, BJ, GZ], list(DEMO_SERVICES), dict(stock),
                   **kw)  # type: ignore[arg-type]


VOCAB = Vocabulary(sites=frozenset({"SH", "HZ", "BJ", "GZ"}),
                   carriers=frozenset({"SF", "ZTO", "JD", "SF:express", "ZTO:standard"}),
                   channels=frozenset({"web", "tmall"}), attributes=frozenset({"cold_chain"}),
                   categories=frozenset({"DRINK"}))


def rule(doc: dict[str, object]) -> RoutingRule:
    return parse_rule({"code": "r1", **doc}, VOCAB)


def test_lane_table_times_a_far_destination() -> None:
    # Shanghai (east) to Urumqi (far west): six days by economy parcel, five by express.
    assert economy_lanes()[("east", "far_west")] == 6
    assert express_lanes()[("east", "far_west")] == 5
    urumqi = order(("A", 1), province="新疆", at=(43.8, 87.6))
    d = plan_order(urumqi, net({("A", "SH"): 5}), NOW)
    assert d.chosen is not None
    [shipment] = d.chosen.shipments
    assert shipment.service == "ZTO:standard" and (shipment.arrives - TODAY).days == 6
    # Same province: next day, whatever the lane table says.
    d = plan_order(order(("A", 1)), net({("A", "SH"): 5}), NOW)
    assert d.chosen is not None and (d.chosen.promised - TODAY).days == 1


def test_a_long_picking_queue_delays_the_promise_and_moves_the_order() -> None:
    busy = replace(SH, backlog=150)  # 1.5 days of picking ahead
    d = plan_order(order(("A", 1), due=date(2026, 11, 25)),
                   net({("A", "SH"): 5, ("A", "HZ"): 5}, [busy, HZ]), NOW)
    assert d.chosen is not None and d.chosen.sites == ("HZ",)
    late = next(c for c in d.candidates if c.sites == ("SH",))
    assert late.shipments[0].ships == date(2026, 11, 25)  # a day later than today
    full = replace(SH, backlog=200)
    d = plan_order(order(("A", 1)), net({("A", "SH"): 5}, [full]), NOW)
    assert d.chosen is None and "picking queue full" in d.excluded["SH"]


def test_take_stock_fills_the_queue_day_by_day() -> None:
    small = replace(SH, daily_capacity=1)
    network = net({("A", "SH"): 5}, [small])
    first = plan_order(order(("A", 1)), network, NOW).chosen
    assert first is not None and first.shipments[0].ships == TODAY
    take_stock(network, first)
    second = plan_order(order(("A", 1)), network, NOW).chosen
    assert second is not None and second.shipments[0].ships == date(2026, 11, 25)
    take_stock(network, second)
    assert plan_order(order(("A", 1)), network, NOW).chosen is None  # two days queued


def test_three_sites_when_no_pair_fills() -> None:
    stock = {("A", "SH"): 1, ("B", "BJ"): 1, ("C", "GZ"): 1}
    d = plan_order(order(("A", 1), ("B", 1), ("C", 1)), net(stock), NOW)
    assert d.chosen is not None and sorted(d.chosen.sites) == ["BJ", "GZ", "SH"]
    assert d.chosen.split_penalty == Decimal("16.00")
    from orderhub.domain.routing.network import CostWeights
    d = plan_order(order(("A", 1), ("B", 1), ("C", 1)), net(stock), NOW,
                   CostWeights(max_shipments=2))
    assert d.chosen is None and "up to 2 sites" in d.reason


def test_capabilities_exclude_and_pickup_stays_at_the_store() -> None:
    cold = replace(HZ, capabilities=frozenset({"cold_chain", "pickup"}))
    d = plan_order(order(("A", 1), needs=frozenset({"cold_chain"})),
                   net({("A", "SH"): 5, ("A", "HZ"): 5}, [SH, cold]), NOW)
    assert d.chosen is not None and d.chosen.sites == ("HZ",)
    assert d.excluded["SH"] == "lacks cold_chain"
    d = plan_order(order(("A", 2), needs=frozenset({"pickup"})),
                   net({("A", "SH"): 5, ("A", "HZ"): 5}, [SH, cold]), NOW, pickup_site="HZ")
    assert d.chosen is not None and d.chosen.shipments[0].service == PICKUP
    assert d.chosen.shipping == 0 and d.chosen.promised == TODAY
    assert d.excluded["SH"] == "not the pickup store (HZ)"


def test_region_blocks_out_and_in() -> None:
    storm = RegionBlock("上海", BlockDirection.OUTBOUND, "typhoon")
    d = plan_order(order(("A", 1)), net({("A", "SH"): 5, ("A", "HZ"): 5}, [SH, HZ],
                                        blocks=[storm]), NOW)
    assert d.chosen is not None and d.chosen.sites == ("HZ",)
    assert d.excluded["SH"] == "上海 blocked: typhoon"
    road = RegionBlock("east", BlockDirection.INBOUND, "road closure")
    d = plan_order(order(("A", 1)), net({("A", "SH"): 5}, blocks=[road]), NOW)
    assert d.chosen is None and d.blocked
    assert d.reason == "deliveries to east are blocked: road closure"


def test_rules_exclude_with_their_name() -> None:
    never = rule({"description": "no cold chain from SH", "when": {"sku_attribute": "cold_chain"},
                  "then": {"exclude_sites": ["SH"]}})
    cold = order(("A", 1), tags=frozenset({"cold_chain"}))
    d = plan_order(cold, net({("A", "SH"): 5, ("A", "BJ"): 5}, rules=[never]), NOW)
    assert d.chosen is not None and d.chosen.sites == ("BJ",)
    assert d.excluded["SH"] == "excluded by rule r1 v1 (no cold chain from SH)"
    assert d.rules == ["rule r1 v1 (no cold chain from SH)"]
    plain = order(("A", 1))
    d = plan_order(plain, net({("A", "SH"): 5, ("A", "BJ"): 5}, rules=[never]), NOW)
    assert d.chosen is not None and d.chosen.sites == ("SH",) and d.rules == []


def test_vip_same_day_rule_and_its_waiver() -> None:
    vip = rule({"when": {"customer_tier": ["vip"]},
                "then": {"require_same_day": True, "waive_if_empty": True}})
    late_sh = replace(SH, backlog=100)  # ships tomorrow
    d = plan_order(order(("A", 1), customer_tier="VIP"),
                   net({("A", "SH"): 5, ("A", "BJ"): 5}, [late_sh, BJ], rules=[vip]), NOW)
    assert d.chosen is not None and d.chosen.sites == ("BJ",)
    assert "cannot ship today" in d.excluded["SH"]
    d = plan_order(order(("A", 1), customer_tier="VIP"),
                   net({("A", "SH"): 5}, [late_sh], rules=[vip]), NOW)
    assert d.chosen is not None and d.chosen.sites == ("SH",)
    assert d.notes == ["rule r1 v1 waived: it would leave no site"]


def test_preference_bonus_changes_the_choice_not_the_cost() -> None:
    prefer = rule({"when": {}, "then": {"prefer_sites": ["BJ"], "bonus": "50"}})
    d = plan_order(order(("A", 1)), net({("A", "SH"): 5, ("A", "BJ"): 5}, rules=[prefer]), NOW)
    assert d.chosen is not None and d.chosen.sites == ("BJ",)
    assert d.chosen.bonus == Decimal("50") and d.chosen.total > min(c.total for c in d.candidates)


def test_rule_bans_a_carrier() -> None:
    no_zto = rule({"when": {}, "then": {"exclude_carriers": ["ZTO"]}})
    d = plan_order(order(("A", 1)), net({("A", "SH"): 5}, rules=[no_zto]), NOW)
    assert d.chosen is not None and not d.chosen.shipments[0].service.startswith("ZTO")
    assert d.notes == ["carrier ZTO excluded by rule r1 v1"]


def test_bad_rules_name_the_field() -> None:
    with pytest.raises(InvalidInput) as e:
        parse_rule({"code": "x", "when": {"tier": ["VIP"], "destination": ["Atlantis"]},
                    "then": {"exclude_sites": ["W9"], "require_capability": "teleport"}},
                   VOCAB)
    locs = {err.loc: err.message for err in e.value.errors}
    assert "unknown condition" in locs["when.tier"]
    assert "unknown province or region: Atlantis" in locs["when.destination"]
    assert locs["then.exclude_sites"].startswith("unknown site: W9")
    assert "one of cold_chain" in locs["then.require_capability"]
    # Values that would silently match nothing, and rules that would change nothing.
    with pytest.raises(InvalidInput) as e:
        parse_rule({"code": "y", "when": {"channel": ["Web"], "order_type": ["B2C"],
                                          "sla": ["Standard"], "sku_attribute": "cold-chain",
                                          "sku_category": ["drinks"]},
                    "then": {"exclude_sites": []}}, VOCAB)
    locs = {err.loc: err.message for err in e.value.errors}
    assert set(locs) == {"when.channel", "when.order_type", "when.sla", "when.sku_attribute",
                         "when.sku_category", "then.exclude_sites", "then"}
    assert locs["when.channel"] == "unknown channel: Web; known: tmall, web"
    for then in ({}, {"require_same_day": False}, {"waive_if_empty": True}):
        with pytest.raises(InvalidInput) as e:
            parse_rule({"code": "z", "then": then}, VOCAB)
        assert "no action that changes anything" in e.value.errors[-1].message
    with pytest.raises(InvalidInput) as e:
        parse_rule({"code": "bad code!", "version": "abc", "then": {"exclude_sites": ["SH"]}})
    assert {err.loc for err in e.value.errors} == {"code", "version"}


def test_degraded_carrier_is_slower() -> None:
    slow = [replace(s, delay_days=2) if s.carrier == "ZTO" else s for s in DEMO_SERVICES]
    d = plan_order(order(("A", 1)), Network([SH], slow, {("A", "SH"): 5}), NOW)
    assert d.chosen is not None and (d.chosen.promised - TODAY).days == 3


def test_presale_ships_on_its_release_day() -> None:
    d = plan_order(order(("A", 1), not_before=date(2026, 12, 10)), net({("A", "SH"): 5}), NOW)
    assert d.chosen is not None and d.chosen.shipments[0].ships == date(2026, 12, 10)


def test_a_due_date_no_plan_can_meet_is_reported() -> None:
    urumqi = order(("A", 1), province="新疆", at=(43.8, 87.6), due=date(2026, 11, 25))
    d = plan_order(urumqi, net({("A", "SH"): 5}), NOW)
    assert d.chosen is not None  # still the best plan
    assert d.promise_warning.startswith("due 2026-11-25 cannot be met: the earliest")
