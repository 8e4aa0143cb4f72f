"""Review of a141694: a released order's upgrade_carrier is a recall (its plan names
`recall_from`), so its tier is never less strict than recall_and_reroute's, under the
thresholds and under tier rules; an upgrade of an order not yet released is unchanged."""

from __future__ import annotations

from decimal import Decimal

from orderhub.domain.exceptions import ExceptionKind, Remedy, RemedyKind, Tier, TierPolicy
from orderhub.domain.exceptions.model import Basis
from orderhub.domain.rules.model import parse_rule

BASIS = Basis("x", "released", 0)


def upgrade(recall: bool) -> Remedy:
    plan: dict[str, object] = {"sites": ["SH"], "services": {"SH": "SF:express"}}
    if recall:
        plan["recall_from"] = ["SH"]
    return Remedy(RemedyKind.UPGRADE_CARRIER, "u", "u", Decimal("1.00"), -1, None, BASIS,
                  plan)


def test_thresholds_make_a_recalling_upgrade_l2() -> None:
    policy = TierPolicy()
    kind, value = ExceptionKind.AT_RISK, Decimal("10")
    assert policy.tier(upgrade(False), kind, value) == Tier.L1
    assert policy.tier(upgrade(True), kind, value) == Tier.L2
    assert policy.tier_of(upgrade(True), {kind}, value) == Tier.L2


def test_a_tier_rule_for_upgrades_does_not_make_recalls_automatic() -> None:
    rule = parse_rule({"code": "up-l1", "when": {"remedy_kind": ["upgrade_carrier"]},
                       "then": {"tier": "L1"}})
    policy = TierPolicy(rules=(rule,))
    kind, value = ExceptionKind.AT_RISK, Decimal("10")
    assert policy.tier(upgrade(False), kind, value) == Tier.L1
    assert policy.tier(upgrade(True), kind, value) == Tier.L2
    both = parse_rule({"code": "all-l1", "when": {
        "remedy_kind": ["upgrade_carrier", "recall_and_reroute"]}, "then": {"tier": "L1"}})
    assert TierPolicy(rules=(both,)).tier(upgrade(True), kind, value) == Tier.L1
