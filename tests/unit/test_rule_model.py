"""The one rule model in the domain: CEL conditions, checks as rules, notifications."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from orderhub.domain.errors import InvalidInput
from orderhub.domain.inventory import Sku
from orderhub.domain.rules.checks import ValidationContext
from orderhub.domain.rules.effects import matching
from orderhub.domain.rules.expressions import ExpressionError, compile_expression
from orderhub.domain.rules.facts import RouteLine, RouteOrder
from orderhub.domain.rules.model import parse_rule, rule_doc, to_check
from orderhub.domain.rules.rule_sets import parse_slice
from orderhub.domain.rules.validation import Level, validate
from tests.factories import order as make_order


def route(value: str = "100", channel: str = "web", tier: str = "vip",
          lines: tuple[RouteLine, ...] = (RouteLine("A", 2),)) -> RouteOrder:
    return RouteOrder("o1", "上海", 31.2, 121.5, lines, region="east", channel=channel,
                      customer_tier=tier, order_type="b2c", value=Decimal(value),
                      tags=frozenset({"cold_chain"}))


@pytest.mark.parametrize(("source", "expected"), [
    ("order.value > 99.5", True),
    ("order.value_fen == 10000", True),
    ("customer.tier == 'VIP' && 'cold_chain' in order.tags", True),
    ("order.lines.exists(l, l.sku == 'A' && l.quantity >= 2)", True),
    ("order.lines.all(l, l.quantity > 5)", False),
    ("size(order.skus) == 1 && order.region == 'east'", True),
    ("'SH' in network.closed", True),
    ("order.channel.startsWith('tm')", False),
])
def test_expressions_read_the_order(source: str, expected: bool) -> None:
    rule = parse_rule({"code": "x", "when": {"expression": source}, "then": {"notify": "n"}})
    assert rule.when.matches(route(), closed=frozenset({"SH"})) is expected


@pytest.mark.parametrize(("source", "message"), [
    ("", "a CEL expression"),
    ("order.value >", "not valid CEL"),
    ("order.total > 1.0", "order.total is not a field"),
    ("__import__('os')", "unknown function __import__"),
    ("shop.value > 1.0", "unknown name"),
    ("order.value + 'a' == 1", "cannot be evaluated"),
    ("order.value", "true or false"),
    ("x" * 1001, "at most 1000"),
])
def test_bad_expressions_are_refused_when_written(source: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=message):
        compile_expression(source)


def test_an_order_an_expression_cannot_read_gets_the_on_error_answer() -> None:
    # Fine on the one-line sample (it short-circuits), fails on a real order of one line.
    expr = compile_expression("order.units > 1 && order.lines[1].quantity > 0")
    env = {"order": {"units": 2, "lines": [{"sku": "A", "quantity": 2}]}}
    assert expr(env) is False
    assert expr(env, on_error=True) is True
    two = {"order": {"units": 2, "lines": [{"sku": "A", "quantity": 1}] * 2}}
    assert expr(two) is True and expr(two, on_error=False) is True


def test_a_check_rule_is_a_scoped_validation_check() -> None:
    rule = parse_rule({"code": "tm-floor", "when": {"channel": ["tmall"]},
                       "then": {"check": "price_floor", "params": {"min_ratio_of_list": "0.9"}}})
    assert rule.is_check and rule.then.level == "compliance"
    assert parse_rule(rule_doc(rule)) == rule  # round trip through the file shape
    check = to_check(rule)
    assert check.level == Level.COMPLIANCE and check.scope is not None
    o = make_order()  # sold at 10.00, below 90% of the 12.00 list price
    ctx = ValidationContext(catalog={"A": Sku("t", "A", "Apple", Decimal("12.00"))})
    assert validate(o, [check], ctx, route(channel="web")) == []
    held = validate(o, [check], ctx, route(channel="tmall"))
    assert [r.code.value for r in held] == ["price_below_floor"]
    assert validate(o, [check], ctx, None) == []  # a scoped check needs the order's view


def test_checks_do_not_route_and_notify_rules_report() -> None:
    check = parse_rule({"code": "c", "then": {"check": "sku_known"}})
    note = parse_rule({"code": "n", "when": {"customer_tier": ["VIP"]},
                       "then": {"notify": "VIP order", "notify_to": ["cs", "ops"]}})
    effects = matching([check, note], route())
    assert [r.code for r in effects.matched] == ["n"]
    assert effects.notify == [{"rule": "n", "version": 1, "message": "VIP order",
                               "to": ["cs", "ops"]}]


def test_unknown_check_parameters_are_field_errors() -> None:
    with pytest.raises(InvalidInput) as exc:
        parse_rule({"code": "c", "then": {"check": "quantity_limit",
                                          "params": {"window": 3}}})
    assert exc.value.errors[0].loc == "then.params.window"


def test_carrier_state_conditions() -> None:
    from orderhub.domain.routing.network import DEMO_SERVICES
    from orderhub.domain.rules.effects import carriers_down

    services = [s if s.code != "ZTO:standard" else replace(s, healthy=False)
                for s in DEMO_SERVICES]
    down = carriers_down(services)
    assert {"ZTO:standard", "ZTO"} <= down and "SF" not in down
    rule = parse_rule({"code": "z", "when": {"carrier_down": ["ZTO"]}, "then": {"notify": "n"}})
    assert not matching([rule], route()).matched
    assert matching([rule], route(), down=down).matched
    expr = parse_rule({"code": "e", "when": {"expression": "'ZTO' in network.carriers_down"},
                       "then": {"notify": "n"}})
    assert matching([expr], route(), down=down).matched
    with pytest.raises(InvalidInput, match="known only when routing"):
        parse_rule({"code": "c", "when": {"carrier_down": ["ZTO"]},
                    "then": {"check": "sku_known"}})


def test_store_slices_cover_orders_collected_there() -> None:
    sl = parse_slice({"stores": ["ST-1"]})
    assert sl.covers(replace(route(), pickup_store="ST-1"))
    assert not sl.covers(route())
    assert sl.doc() == {"stores": ["ST-1"]}
