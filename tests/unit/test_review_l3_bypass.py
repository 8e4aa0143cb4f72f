"""Review: the L3 safety probe must not be passed by an L3 rule that matches only the
probe (no cost, no delay, no channel) while the real cases fall to a looser rule."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from orderhub.domain.exceptions import Basis, ExceptionKind, Remedy, RemedyKind, Tier, TierPolicy
from orderhub.domain.exceptions.policy import l3_loosened, tier_by_rules
from orderhub.domain.rules.facts import RouteOrder
from orderhub.domain.rules.model import RoutingRule, parse_rule

BIG: dict[str, Any] = {"code": "big-l3", "when": {"order_value_above": "10000"},
                       "then": {"tier": "L3"}}


def _rules(docs: list[dict[str, Any]]) -> tuple[RoutingRule, ...]:
    return tuple(parse_rule(d) for d in docs)


def _real_tier(rules: tuple[RoutingRule, ...], cost: str, channel: str = "web") -> Tier:
    rem = Remedy(RemedyKind.SWITCH_WAREHOUSE, "", "", Decimal(cost), 1, None, Basis("", "", 0))
    route = RouteOrder("O-1", "上海", 0.0, 0.0, (), channel=channel, value=Decimal("100"))
    return tier_by_rules(rules, rem, ExceptionKind.ANOMALY, route)[0]


def test_an_l3_rule_matching_only_free_remedies_does_not_pass_the_check() -> None:
    docs = [
        {"code": "anomaly-l3-free", "when": {"exception_kind": ["anomaly"],
                                             "max_cost_delta": "0", "max_delay_days": 0},
         "then": {"tier": "L3"}},
        {"code": "anomaly-l1", "when": {"exception_kind": ["anomaly"]}, "then": {"tier": "L1"}},
        BIG,
    ]
    rules = _rules(docs)
    assert _real_tier(rules, "4.00") == Tier.L1  # a real anomaly remedy: automatic
    assert l3_loosened(TierPolicy(), rules), "anomalies taken to L1 without override_l3"


def test_an_l3_rule_matching_only_the_bare_probe_order_does_not_pass_the_check() -> None:
    docs = [
        {"code": "anomaly-l3-nochannel",
         "when": {"exception_kind": ["anomaly"], "expression": 'order.channel == ""'},
         "then": {"tier": "L3"}},
        {"code": "anomaly-l1", "when": {"exception_kind": ["anomaly"]}, "then": {"tier": "L1"}},
        BIG,
    ]
    rules = _rules(docs)
    assert _real_tier(rules, "0", channel="tmall") == Tier.L1
    assert l3_loosened(TierPolicy(), rules), "anomalies taken to L1 without override_l3"
