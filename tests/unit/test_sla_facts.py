"""SLA facts for rules: the outlook under the SLA policy (slack to the promise, ship-by,
delivery target), the typed condition and CEL fields, the sentences in English and
Chinese, the only_carriers action and the promise_possible check."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from orderhub.domain.errors import InvalidInput
from orderhub.domain.order import HoldCode
from orderhub.domain.rules.checks import ValidationContext, check_promise_possible
from orderhub.domain.rules.effects import matching
from orderhub.domain.rules.facts import RouteOrder
from orderhub.domain.rules.language import parse_sentence
from orderhub.domain.rules.model import parse_rule
from orderhub.domain.twin.outlook import facts_for, outlook, sla_facts
from orderhub.domain.twin.sla import SlaPolicy
from tests.factories import order as make_order

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # Tuesday 10:00 in Shanghai
MATCH = {"channel": "web", "service_level": "standard", "warehouse": "", "customer_tier": ""}


def route(**kw: object) -> RouteOrder:
    return RouteOrder("O-1", "上海", 0.0, 0.0, (), **kw)  # type: ignore[arg-type]


def test_outlook_under_the_built_in_policy() -> None:
    policy = SlaPolicy.default()
    memo: dict[object, object] = {}
    o = outlook(policy, MATCH, NOW, date(2026, 11, 27), memo)
    # steps before shipping fit in the working day; the cut-off is 18:00 Shanghai time
    assert o.ship_by == datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    assert o.delivery_target == timedelta(days=2)
    assert o.slack is not None and timedelta(hours=23) < o.slack <= timedelta(hours=24)
    assert outlook(policy, MATCH, NOW, date(2026, 11, 27), memo) is o  # memoised
    same_day = outlook(policy, {**MATCH, "service_level": "same_day"}, NOW, date(2026, 11, 24))
    assert same_day.slack is not None and same_day.slack < timedelta(0)
    r = sla_facts(same_day, NOW)
    assert r.ship_by_hours == 8.0 and r.delivery_target_hours == 6.0
    assert r.promise_slack_hours is not None and r.promise_slack_hours < 0
    assert facts_for(policy, {**MATCH, "service_level": "same_day"}, NOW, date(2026, 11, 24),
                     memo) == r
    late_evening = NOW + timedelta(hours=11)  # 21:00 local: the cut-off is tomorrow's
    assert outlook(policy, MATCH, late_evening, None).promise_at is None
    assert outlook(policy, MATCH, late_evening, None).ship_by.date() == date(2026, 11, 25)


def test_slack_condition_and_cel_fields() -> None:
    rule = parse_rule({"code": "tight", "when": {"slack_below_hours": "12"},
                       "then": {"only_carriers": ["SF"]}})
    assert rule.when.reads_sla
    assert rule.when.matches(route(promise_slack_hours=8.0))
    assert not rule.when.matches(route(promise_slack_hours=12.0))
    assert not rule.when.matches(route())  # not worked out: the condition does not hold
    cel = parse_rule({"code": "soon", "when": {
        "expression": "order.ship_by_hours < 12.0 && order.delivery_target_hours <= 16.0"},
        "then": {"notify": "soon", "notify_to": ["warehouse"]}})
    assert cel.when.reads_sla
    assert cel.when.matches(route(ship_by_hours=8.0, delivery_target_hours=16.0,
                                  promise_slack_hours=3.0))
    assert not cel.when.matches(route(ship_by_hours=30.0, delivery_target_hours=16.0,
                                      promise_slack_hours=3.0))
    assert not cel.when.matches(route())  # missing facts: a routing rule does not match
    plain = parse_rule({"code": "x", "when": {"channel": ["web"]},
                        "then": {"exclude_sites": ["SH"]}})
    assert not plain.when.reads_sla
    effects = matching([rule], route(promise_slack_hours=1.0))
    assert effects.only_carriers == frozenset({"SF"}) and not effects.only_carriers_waivable
    with pytest.raises(InvalidInput):
        parse_rule({"code": "x", "when": {"slack_below_hours": "soon"},
                    "then": {"hold": "look"}})


@pytest.mark.parametrize(("text", "when", "then"), [
    ("if the promise slack is under 24 hours then use carrier SF",
     {"slack_below_hours": "24"}, {"only_carriers": ["SF"]}),
    ("when the order has less than 6 hours of slack, ship with SF:express",
     {"slack_below_hours": "6"}, {"only_carriers": ["SF:express"]}),
    ("when the promise is already impossible, hold for manual review",
     {"slack_below_hours": "0"}, {"hold": "manual review"}),
    ("当承诺余量少于24小时时，用顺丰", {"slack_below_hours": "24"}, {"only_carriers": ["SF"]}),
    ("如果承诺余量少于24小时，改用顺丰发货", {"slack_below_hours": "24"},
     {"only_carriers": ["SF"]}),
    ("当渠道为天猫且时效余量不足12小时时，通知运营",
     {"channel": ["tmall"], "slack_below_hours": "12"}, {"notify_to": ["ops"]}),
    ("当承诺已无法兑现时，转人工复核", {"slack_below_hours": "0"}, {"hold": "manual review"}),
])
def test_sla_sentences(text: str, when: dict[str, object], then: dict[str, object]) -> None:
    parsed = parse_sentence(text)
    assert (parsed.not_understood, parsed.conflicts) == ([], [])
    assert parsed.when == when and parsed.then == then
    parse_rule(parsed.rule("r", text))  # a valid rule


def test_promise_possible_check() -> None:
    order = make_order()
    ctx = ValidationContext(catalog={}, promise_slack={order.id: -6.0})
    [reason] = check_promise_possible(order, ctx, {})
    assert reason.code == HoldCode.PROMISE_IMPOSSIBLE
    assert reason.details is not None and "无法兑现交付承诺" in reason.details["message_zh"]
    assert "6.0 h after the end of the due date" in reason.message
    ctx = ValidationContext(catalog={}, promise_slack={order.id: 3.5})
    assert check_promise_possible(order, ctx, {}) == []
    [tight] = check_promise_possible(order, ctx, {"min_slack_hours": "4"})
    assert tight.details is not None and "仅余 3.5 小时" in tight.details["message_zh"]
    assert check_promise_possible(order, ValidationContext(catalog={}), {}) == []
    rule = parse_rule({"code": "p", "then": {"check": "promise_possible",
                                             "params": {"min_slack_hours": "-2"}}})
    assert rule.then.level == "availability"
    assert Decimal(rule.then.params["min_slack_hours"]) == Decimal(-2)
