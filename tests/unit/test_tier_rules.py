"""Approval tiers as rules of the one rule model: parsing and its refusals, the strictest
matching tier, the L3 safety probe against the default policy, the policy document."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from orderhub.domain.errors import InvalidInput
from orderhub.domain.exceptions import Basis, ExceptionKind, Remedy, RemedyKind, Tier, TierPolicy
from orderhub.domain.exceptions.policy import l3_loosened, tier_by_rules
from orderhub.domain.rules.facts import EXCEPTION_KINDS, REMEDY_KINDS, TIERS, RouteOrder
from orderhub.domain.rules.model import RoutingRule, parse_rule

SAFE: list[dict[str, Any]] = [
    {"code": "fraud-l3", "when": {"exception_kind": ["anomaly"]}, "then": {"tier": "L3"}},
    {"code": "big-l3", "when": {"order_value_above": "10000"}, "then": {"tier": "L3"}},
    {"code": "cheap-switch", "when": {"remedy_kind": ["switch_warehouse", "upgrade_carrier"],
                                      "max_cost_delta": "5", "max_delay_days": 0},
     "then": {"tier": "L1"}},
]


def rules(docs: list[dict[str, Any]]) -> tuple[RoutingRule, ...]:
    return tuple(parse_rule(d) for d in docs)


def remedy(kind: RemedyKind, cost: str = "0", delay: int = 0) -> Remedy:
    return Remedy(kind, "", "", Decimal(cost), delay, None, Basis("", "", 0))


def route(value: str = "100", channel: str = "web") -> RouteOrder:
    return RouteOrder("O-1", "上海", 0.0, 0.0, (), channel=channel, value=Decimal(value))


def test_desk_kinds_match_the_enums() -> None:
    assert tuple(k.value for k in ExceptionKind) == EXCEPTION_KINDS
    assert tuple(k.value for k in RemedyKind) == REMEDY_KINDS
    assert tuple(t.value for t in Tier) == TIERS


@pytest.mark.parametrize(("doc", "loc"), [
    ({"code": "x", "when": {"remedy_kind": ["switch_warehouse"]},
      "then": {"tier": "L1", "hold": "look"}}, "then.hold"),
    ({"code": "x", "when": {"remedy_kind": ["switch_warehouse"]},
      "then": {"exclude_sites": ["SH"]}}, "when.remedy_kind"),
    ({"code": "x", "when": {"expression": "remedy.cost_delta < 5.0"},
      "then": {"notify": "cheap"}}, "when.expression"),
    ({"code": "x", "when": {"carrier_down": ["SF"]}, "then": {"tier": "L2"}},
     "when.carrier_down"),
    ({"code": "x", "when": {"exception_kind": ["fraud"]}, "then": {"tier": "L3"}},
     "when.exception_kind"),
    ({"code": "x", "when": {}, "then": {"tier": "L4"}}, "then.tier"),
    ({"code": "x", "when": {}, "then": {"tier": "L3", "override_l3": True}},
     "then.override_l3"),
    ({"code": "x", "when": {}, "then": {"exclude_sites": ["SH"], "override_l3": True}},
     "then.override_l3"),
    ({"code": "x", "when": {"max_delay_days": 1.5}, "then": {"tier": "L2"}},
     "when.max_delay_days"),
])
def test_tier_rules_are_refused_with_the_field(doc: dict[str, Any], loc: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        parse_rule(doc)
    assert loc in [e.loc for e in exc.value.errors]


def test_the_strictest_matching_tier_wins_and_nothing_matching_is_l2() -> None:
    rs = rules(SAFE)
    tier, by = tier_by_rules(rs, remedy(RemedyKind.SWITCH_WAREHOUSE, "4.00"),
                             ExceptionKind.HELD, route())
    assert (tier, [r.code for r in by]) == (Tier.L1, ["cheap-switch"])
    # an L1 rule never lowers an L3 one
    assert tier_by_rules(rs, remedy(RemedyKind.SWITCH_WAREHOUSE), ExceptionKind.ANOMALY,
                         route())[0] == Tier.L3
    assert tier_by_rules(rs, remedy(RemedyKind.SWITCH_WAREHOUSE), ExceptionKind.HELD,
                         route("20000"))[0] == Tier.L3
    assert tier_by_rules(rs, remedy(RemedyKind.SWITCH_WAREHOUSE, "5.01"), ExceptionKind.HELD,
                         route())[0] == Tier.L2
    assert tier_by_rules(rs, remedy(RemedyKind.CANCEL_AND_REFUND), ExceptionKind.HELD,
                         route()) == (Tier.L2, [])
    # CEL over the remedy and the order, and a channel condition
    cel = rules([{"code": "tmall-cheap", "when": {
        "channel": ["tmall"], "expression": "remedy.cost_delta <= 2.0 && remedy.delay_days <= 0"
        " && exception.kind == 'held'"}, "then": {"tier": "L1"}}])
    r = remedy(RemedyKind.SPLIT_SHIPMENT, "1.50")
    assert tier_by_rules(cel, r, ExceptionKind.HELD, route(channel="tmall"))[0] == Tier.L1
    assert tier_by_rules(cel, r, ExceptionKind.HELD, route(channel="web"))[0] == Tier.L2
    assert tier_by_rules(cel, r, ExceptionKind.STALLED, route(channel="tmall"))[0] == Tier.L2


def test_a_tier_rule_never_matches_while_routing() -> None:
    [rule] = rules([SAFE[2]])
    assert not rule.when.matches(route())  # no desk facts: a desk condition cannot hold


def test_l3_cases_cannot_be_loosened_by_accident() -> None:
    default = TierPolicy()
    assert l3_loosened(default, rules(SAFE)) == []
    no_fraud = l3_loosened(default, rules(SAFE[1:]))
    assert no_fraud and all("anomaly exceptions are L3" in m for m in no_fraud)
    assert "switch_warehouse L1 on a anomaly exception" in no_fraud[0]  # by cheap-switch
    assert any("no tier rule matches, so L2" in m for m in no_fraud)
    everything_l1 = [*SAFE, {"code": "all-l1", "when": {}, "then": {"tier": "L1"}}]
    assert l3_loosened(default, rules(everything_l1)) == []  # the L3 rules still win
    scoped = [{**SAFE[0], "when": {"exception_kind": ["anomaly"], "channel": ["tmall"]}},
              *SAFE[1:]]
    assert l3_loosened(default, rules(scoped))  # anomalies elsewhere would not be L3
    flagged = [{"code": "fraud-l2", "when": {"exception_kind": ["anomaly"]},
                "then": {"tier": "L2", "override_l3": True}}, *SAFE[1:]]
    assert l3_loosened(default, rules(flagged)) == []
    no_value = [SAFE[0], SAFE[2]]
    assert any("orders above 10000.00" in m for m in l3_loosened(default, rules(no_value)))


def test_policy_document_keeps_its_tier_rules() -> None:
    policy = TierPolicy.from_document({"tiers": {"rule_set": 3, "rules": SAFE}}, 4)
    assert policy.source == "rule set v3" and len(policy.rules) == 3
    doc = policy.as_document()
    assert doc["tiers"]["from"] == "rule set v3"
    assert [r["code"] for r in doc["tiers"]["rules"]] == ["fraud-l3", "big-l3", "cheap-switch"]
    assert TierPolicy.from_document(doc, 4).rules == policy.rules
    sw = remedy(RemedyKind.SWITCH_WAREHOUSE, "4.00")
    assert policy.tier(sw, ExceptionKind.HELD, Decimal(50)) == Tier.L1
    # thresholds alone decide without rules (the default policy)
    tight = TierPolicy(l1_max_cost_delta=Decimal("1.00"))
    assert tight.tier(sw, ExceptionKind.HELD, Decimal(50)) == Tier.L2
    assert TierPolicy().as_document()["tiers"] == {"from": "default policy", "rule_set": None,
                                                   "rules": []}
    with pytest.raises(InvalidInput):
        TierPolicy.from_document({"tiers": {"rules": [{"code": "x", "when": {},
                                                       "then": {"hold": "r"}}]}})


def test_tiers_as_a_decision_table() -> None:
    from orderhub.domain.rules.tables import expand_table

    table = {"table": "by-kind", "when": ["exception_kind", "remedy_kind"], "then": ["tier"],
             "rows": [[["stalled"], ["upgrade_carrier"], "L1"], [["anomaly"], None, "L3"]]}
    rs = rules(expand_table(table))
    up = remedy(RemedyKind.UPGRADE_CARRIER, "3.00")
    assert tier_by_rules(rs, up, ExceptionKind.STALLED, route())[0] == Tier.L1
    assert tier_by_rules(rs, up, ExceptionKind.ANOMALY, route())[0] == Tier.L3
    assert tier_by_rules(rs, up, ExceptionKind.HELD, route())[0] == Tier.L2


@pytest.mark.parametrize(("text", "when", "tier"), [
    ("if the remedy is switch warehouse and it costs at most 5 CNY and the promise is not "
     "later, apply it automatically",
     {"remedy_kind": ["switch_warehouse"], "max_cost_delta": "5", "max_delay_days": 0}, "L1"),
    ("when the exception is an anomaly, only a person decides",
     {"exception_kind": ["anomaly"]}, "L3"),
    ("if stalled exceptions and the remedy is upgrade carrier, make it L1",
     {"exception_kind": ["stalled"], "remedy_kind": ["upgrade_carrier"]}, "L1"),
    ("当补救方案为换仓且成本增加不超过5元且不推迟承诺时，自动处理",
     {"remedy_kind": ["switch_warehouse"], "max_cost_delta": "5", "max_delay_days": 0}, "L1"),
    ("当异常类型为欺诈时，人工决定", {"exception_kind": ["anomaly"]}, "L3"),
    ("当订单金额大于10000时，定为L3", {"order_value_above": "10000"}, "L3"),
    ("当渠道为天猫且补救方案为拆单时，双人审批",
     {"channel": ["tmall"], "remedy_kind": ["split_shipment"]}, "L2"),
])
def test_tier_rules_as_sentences(text: str, when: dict[str, Any], tier: str) -> None:
    from orderhub.domain.rules.language import parse_sentence

    parsed = parse_sentence(text)
    assert (parsed.not_understood, parsed.conflicts) == ([], [])
    assert parsed.when == when and parsed.then == {"tier": tier}
    assert parse_rule(parsed.rule("r", text)).is_tier


def test_an_unknown_exception_kind_in_a_sentence_is_refused() -> None:
    from orderhub.domain.rules.language import parse_sentence

    parsed = parse_sentence("when the exception is a hiccup, make it L1")
    with pytest.raises(InvalidInput) as exc:
        parse_rule(parsed.rule("r", "x"))
    assert exc.value.errors[0].loc == "when.exception_kind"
