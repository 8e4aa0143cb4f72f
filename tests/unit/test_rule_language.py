"""Controlled sentences in Chinese and English to rules; unknown parts are named."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from orderhub.domain.routing.lanes import region_of
from orderhub.domain.routing.network import DEMO_SERVICES, Network, RouteLine, RouteOrder, Site
from orderhub.domain.routing.streaming import plan_order
from orderhub.domain.rules.language import parse_sentence
from orderhub.domain.rules.model import parse_rule

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize(("text", "when", "then"), [
    ("当订单金额大于10000且客户等级为VIP时，转人工复核",
     {"order_value_above": "10000", "customer_tier": ["VIP"]}, {"hold": "manual review"}),
    ("when stock of SKU-1 in W1 is below 150, route to W2",
     {"stock_below": {"sku": "SKU-1", "site": "W1", "units": 150}},
     {"only_sites": ["W2"], "waive_if_empty": True}),
    ("If the order contains cold chain SKUs and ships to 广东省, never ship from WH-DX.",
     {"sku_attribute": "cold_chain", "destination": ["广东"]}, {"exclude_sites": ["WH-DX"]}),
    ("当渠道为天猫且发往华南时，不从HZ-QT发货并不用中通",
     {"channel": ["tmall"], "destination": ["south"]},
     {"exclude_sites": ["HZ-QT"], "exclude_carriers": ["ZTO"]}),
    ("when B2B orders and the order has at least 50 units, prefer BJ-DX by 20",
     {"order_type": ["b2b"], "min_units": 50}, {"prefer_sites": ["BJ-DX"], "bonus": "20"}),
])
def test_sentences_become_rules(text: str, when: dict[str, object],
                                then: dict[str, object]) -> None:
    parsed = parse_sentence(text)
    assert parsed.not_understood == []
    assert (parsed.when, parsed.then) == (when, then)
    parse_rule(parsed.rule("r", text))  # and it is a valid rule


def test_what_is_not_understood_is_named() -> None:
    assert parse_sentence("when the moon is full, route to W2").not_understood == [
        "the moon is full"]
    assert parse_sentence("当客户等级为VIP时，发射火箭").not_understood == ["发射火箭"]
    assert parse_sentence("route everything to W2").not_understood == ["route everything to W2"]


def test_stock_condition_and_hold_action_route() -> None:
    w1 = Site("W1", 31.2, 121.5, "上海", Decimal(2), Decimal("0.3"), 100, region="east")
    w2 = Site("W2", 30.3, 120.2, "浙江", Decimal(2), Decimal("0.3"), 100, region="east")
    low = parse_rule(parse_sentence("when stock of A in W1 is below 150, route to W2")
                     .rule("low", ""))
    review = parse_rule(parse_sentence("当订单金额大于10000且客户等级为VIP时，转人工复核")
                        .rule("big", ""))
    order = RouteOrder("o", "上海", 31.2, 121.5, (RouteLine("A", 1),), region=region_of("上海"),
                       customer_tier="VIP", value=Decimal("20000"))
    plenty = Network([w1, w2], list(DEMO_SERVICES), {("A", "W1"): 500, ("A", "W2"): 500},
                     rules=[low])
    assert plan_order(order, plenty, NOW).chosen.sites == ("W1",)  # type: ignore[union-attr]
    scarce = Network([w1, w2], list(DEMO_SERVICES), {("A", "W1"): 100, ("A", "W2"): 500},
                     rules=[low])
    d = plan_order(order, scarce, NOW)
    assert d.chosen is not None and d.chosen.sites == ("W2",)
    assert d.excluded["W1"] == "not in the sites rule low v1 allows"
    held = plan_order(order, Network([w1], list(DEMO_SERVICES), {("A", "W1"): 5},
                                     rules=[review]), NOW)
    assert held.chosen is None and held.held
    assert held.reason == "held by rule big v1: manual review"


def test_a_dr_plan_as_rules() -> None:
    """'If SH closes, send its orders to HZ first, then BJ': preferences that apply only
    while SH is closed."""
    sh = Site("SH", 31.2, 121.5, "上海", Decimal(2), Decimal("0.3"), 100, region="east")
    hz = Site("HZ", 30.3, 120.2, "浙江", Decimal(9), Decimal("0.3"), 100, region="east")
    bj = Site("BJ", 39.9, 116.4, "北京", Decimal(2), Decimal("0.3"), 100, region="north")
    plan = [parse_rule({"code": "dr-1", "when": {"site_closed": ["SH"]},
                        "then": {"prefer_sites": ["HZ"], "bonus": "30"}}),
            parse_rule({"code": "dr-2", "when": {"site_closed": ["SH"]},
                        "then": {"prefer_sites": ["BJ"], "bonus": "10"}})]
    order = RouteOrder("o", "上海", 31.2, 121.5, (RouteLine("A", 1),), region="east")
    stock = {("A", s): 5 for s in ("SH", "HZ", "BJ")}
    normal = plan_order(order, Network([sh, hz, bj], list(DEMO_SERVICES), stock, rules=plan),
                        NOW)
    assert normal.chosen is not None and normal.chosen.sites == ("SH",) and normal.rules == []
    closed = [Site("SH", 31.2, 121.5, "上海", Decimal(2), Decimal("0.3"), 100, region="east",
                   active=False), hz, bj]
    d = plan_order(order, Network(closed, list(DEMO_SERVICES), stock, rules=plan), NOW)
    assert d.chosen is not None and d.chosen.sites == ("HZ",)
    assert [r.split(" (")[0] for r in d.rules] == ["rule dr-1 v1", "rule dr-2 v1"]


def test_parts_a_rule_cannot_hold_are_refused_not_dropped() -> None:
    p = parse_sentence("when the order contains cold chain SKUs and the order contains "
                       "hazardous SKUs, never ship from SH")
    assert p.conflicts == ["cannot use 'the order contains hazardous SKUs': conflicts with "
                           "an earlier part: a rule has one sku attribute"]
    assert parse_sentence("when VIP customers, prefer BJ by 5 and prefer GZ").conflicts
    assert parse_sentence("when VIP customers, prefer BJ by 5 and prefer GZ by 5"
                          ).then == {"bonus": "5", "prefer_sites": ["BJ", "GZ"]}
    assert parse_sentence("when all customers, hold it").conflicts == [
        "cannot use 'all customers': 'all' is not a customer tier (tiers are codes such as "
        "VIP, SVIP)"]


@pytest.mark.parametrize(("text", "to"), [
    ("当渠道为天猫且订单金额大于5000时，通知大客户部", ["key-accounts"]),
    ("when B2B orders, notify finance and tell the ops team", ["finance", "ops"]),
])
def test_notifications_in_sentences(text: str, to: list[str]) -> None:
    parsed = parse_sentence(text)
    assert parsed.not_understood == [] and parsed.conflicts == []
    rule = parse_rule(parsed.rule("n", text))
    assert sorted(rule.then.notify_to) == to and rule.then.notify == text
