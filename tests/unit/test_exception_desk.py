"""The exception desk's pure parts: tiers (L1 automatic, L2 four-eyes, L3 a person),
approvals, ranking by cost against lateness, the policy document, and remedies priced by
the router from an order, the network and ATP (no database)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from orderhub.domain.errors import Conflict, Forbidden, InvalidInput
from orderhub.domain.exceptions import (
    Basis,
    DeskInput,
    ExceptionKind,
    Proposal,
    ProposalState,
    RankingPolicy,
    Remedy,
    RemedyKind,
    Substitution,
    Tier,
    TierPolicy,
    approve,
    plan_remedies,
    rank,
    reject,
)
from orderhub.domain.exceptions.model import order_fingerprint
from orderhub.domain.exceptions.pinned import PinnedStrategy
from orderhub.domain.inventory import Sku
from orderhub.domain.lifecycle import OrderStatus
from orderhub.domain.order import HoldCode, HoldReason, Order, PlannedPick
from orderhub.domain.routing.state import NetworkState
from tests.factories import NOW, WAREHOUSES, T, order

K = RemedyKind
BASIS = Basis("x", "on_hold", 0)


def remedy(kind: RemedyKind, cost: str, delay: int = 0) -> Remedy:
    return Remedy(kind, kind.value, kind.value, Decimal(cost), delay, None, BASIS)


# ----- tiers ------------------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "cost", "delay", "exception", "value", "tier"), [
    (K.SWITCH_WAREHOUSE, "5.00", 0, ExceptionKind.HELD, "100", Tier.L1),
    (K.SWITCH_WAREHOUSE, "-3.00", -1, ExceptionKind.AT_RISK, "100", Tier.L1),
    (K.SWITCH_WAREHOUSE, "5.01", 0, ExceptionKind.HELD, "100", Tier.L2),  # over +5 CNY
    (K.SWITCH_WAREHOUSE, "1.00", 1, ExceptionKind.HELD, "100", Tier.L2),  # later promise
    (K.UPGRADE_CARRIER, "4.00", -1, ExceptionKind.STALLED, "100", Tier.L1),
    (K.CANCEL_AND_REFUND, "0.00", 0, ExceptionKind.HELD, "100", Tier.L2),
    (K.SWITCH_WAREHOUSE, "0.00", 0, ExceptionKind.RESERVATION_EXPIRED, "100", Tier.L2),
    (K.SWITCH_WAREHOUSE, "0.00", 0, ExceptionKind.ANOMALY, "100", Tier.L3),  # fraud
    (K.SWITCH_WAREHOUSE, "0.00", 0, ExceptionKind.HELD, "10000.01", Tier.L3),  # value
])
def test_tiers(kind: RemedyKind, cost: str, delay: int, exception: ExceptionKind, value: str,
               tier: Tier) -> None:
    assert TierPolicy().tier(remedy(kind, cost, delay), exception, Decimal(value)) == tier


def test_the_policy_is_data_and_checked() -> None:
    p = TierPolicy.from_document({"l1": {"max_cost_delta": "1.00", "remedies": ["split_shipment"]},
                                  "l3": {"order_value_above": None}}, version=3)
    assert p.version == 3 and p.l3_order_value_above is None
    assert p.tier(remedy(K.SWITCH_WAREHOUSE, "0"), ExceptionKind.HELD, Decimal(10)) == Tier.L2
    assert p.tier(remedy(K.SPLIT_SHIPMENT, "1.00"), ExceptionKind.HELD,
                  Decimal(10**6)) == Tier.L1
    assert TierPolicy.from_document(p.as_document(), 3) == p  # round trip
    with pytest.raises(InvalidInput) as bad:
        TierPolicy.from_document({"l1": {"max_cost_delta": "cheap", "remedies": ["teleport"]},
                                  "l2": {"approvals": 1}, "colour": "red"})
    fields = {e.loc for e in bad.value.errors}
    assert fields == {"l1.max_cost_delta", "l1.remedies", "l2.approvals", "colour"}
    with pytest.raises(InvalidInput, match="both L1 and L3"):
        TierPolicy.from_document({"l3": {"remedies": ["switch_warehouse"]}})


# ----- ranking ----------------------------------------------------------------------------

def test_ranking_weighs_cost_against_lateness() -> None:
    cands = [remedy(K.SWITCH_WAREHOUSE, "12.00", 0), remedy(K.TRANSFER_STOCK, "3.00", 1),
             remedy(K.CANCEL_AND_REFUND, "80.00", 0)]
    ranked = rank(cands, TierPolicy(), ExceptionKind.HELD, Decimal(80))
    assert [(r.n, r.kind) for r in ranked] == [(1, K.SWITCH_WAREHOUSE), (2, K.TRANSFER_STOCK),
                                               (3, K.CANCEL_AND_REFUND)]
    assert ranked[1].score == Decimal("18.00")  # 3 + 15 x 1 day
    cheap_days = TierPolicy(ranking=RankingPolicy(late_cost_per_day=Decimal("1")))
    ranked = rank(cands, cheap_days, ExceptionKind.HELD, Decimal(80))
    assert ranked[0].kind == K.TRANSFER_STOCK


# ----- approvals --------------------------------------------------------------------------

def proposal(tier: Tier = Tier.L2) -> Proposal:
    return Proposal("prp_1", T, "exc_1", remedy(K.CANCEL_AND_REFUND, "10"), tier, "key:ann",
                    NOW, NOW + timedelta(hours=24))


def test_four_eyes() -> None:
    p = proposal()
    with pytest.raises(Forbidden, match="cannot approve"):
        approve(p, "key:ann", "", NOW, 2)
    assert approve(p, "key:bob", "", NOW, 2) is False
    with pytest.raises(Conflict, match="already approved"):
        approve(p, "key:bob", "", NOW, 2)
    with pytest.raises(Forbidden, match="people only"):
        approve(p, "system", "", NOW, 2)
    assert approve(p, "user:cai", "ok", NOW, 2) is True
    p.state = ProposalState.APPLIED
    with pytest.raises(Conflict, match="already applied"):
        approve(p, "user:dai", "", NOW, 2)


def test_expiry_and_rejection() -> None:
    p = proposal(Tier.L3)
    with pytest.raises(Conflict, match="expired"):
        approve(p, "key:bob", "", NOW + timedelta(hours=24), 1)
    assert p.state == ProposalState.EXPIRED
    p = proposal()
    with pytest.raises(InvalidInput):
        reject(p, "key:bob", " ", NOW)
    reject(p, "key:ann", "withdrawn", NOW)  # the proposer may withdraw
    assert p.state == ProposalState.REJECTED and p.outcome == "withdrawn"
    with pytest.raises(Conflict, match="rejected"):
        approve(p, "key:bob", "", NOW, 2)


# ----- remedies from the router -----------------------------------------------------------

CATALOG = {c: Sku(T, c, c, Decimal(p)) for c, p in (("A", "10"), ("B", "5"), ("C", "6"))}


def held(lines: list[tuple[str, int]]) -> Order:
    o = order(lines)
    o.hold([HoldReason(HoldCode.BACKORDER, "short")], NOW)
    return o


def desk(o: Order, atp: dict[tuple[str, str], int], **kw: object) -> list[Remedy]:
    return plan_remedies(DeskInput(o, ExceptionKind.HELD, NetworkState(), CATALOG, WAREHOUSES,
                                   atp, NOW, **kw))  # type: ignore[arg-type]


def test_a_held_order_gets_priced_remedies() -> None:
    o = held([("A", 3), ("B", 2)])
    got = {r.kind: r for r in desk(o, {("A", "BJ"): 5, ("B", "GZ"): 1, ("A", "SH"): 1})}
    assert {K.SHIP_AVAILABLE_BACKORDER_REST, K.CONTACT_CUSTOMER, K.CANCEL_AND_REFUND} <= set(got)
    assert len(got) >= 3
    bo = got[K.SHIP_AVAILABLE_BACKORDER_REST]
    assert bo.plan["backorder"] == [{"line_no": 2, "sku": "B", "quantity": 1}]
    assert sum(p["quantity"] for p in bo.plan["picks"]) == 4  # 3 A and 1 B now
    assert bo.cost_delta > 0 and bo.delay_days > 0
    assert got[K.CANCEL_AND_REFUND].cost_delta == o.grand_total
    assert all(r.basis.order_state == order_fingerprint(o) for r in got.values())


def test_switch_and_transfer() -> None:
    o = held([("B", 2)])
    got = {r.kind: r for r in desk(o, {("B", "BJ"): 2})}
    switch = got[K.SWITCH_WAREHOUSE]
    assert switch.plan["sites"] == ["BJ"] and switch.basis.stock == {"B@BJ": (2, 2)}
    transfer = got[K.TRANSFER_STOCK]
    assert transfer.plan["transfers"] == [{"sku": "B", "from": "BJ", "to": "SH",
                                           "quantity": 2}]
    assert transfer.plan["lead_days"] >= 1 and transfer.promised is not None
    assert switch.promised is not None and transfer.promised >= switch.promised


def test_substitute_from_the_table() -> None:
    o = held([("B", 2)])
    atp = {("B", "BJ"): 1, ("C", "SH"): 4}
    assert K.SUBSTITUTE_SKU not in {r.kind for r in desk(o, atp)}  # no table entry
    got = {r.kind: r for r in desk(o, atp, substitutions=[Substitution("B", "C", Decimal(2))])}
    sub = got[K.SUBSTITUTE_SKU]
    assert sub.plan["lines"] == [{"line_no": 1, "sku": "C", "quantity": 4}]
    assert sub.plan["sites"] == ["SH"] and sub.basis.stock == {"C@SH": (4, 4)}
    # goods: 4 x 6 - 2 x 5 = 14; the router prices the heavier parcel from SH 2 CNY more
    assert sub.cost_delta == Decimal("16.00")


def test_nothing_in_stock_still_three_and_released_orders_only_two() -> None:
    kinds = [r.kind for r in desk(held([("A", 2)]), {})]
    assert set(kinds) == {K.SHIP_AVAILABLE_BACKORDER_REST, K.CONTACT_CUSTOMER,
                          K.CANCEL_AND_REFUND}
    o = order([("A", 1)])
    o.status = OrderStatus.RELEASED  # with the warehouse: no re-planning
    assert {r.kind for r in desk(o, {("A", "BJ"): 9})} == {K.CONTACT_CUSTOMER,
                                                         K.CANCEL_AND_REFUND}


def test_a_basis_names_what_changed() -> None:
    o = held([("A", 2)])
    [switch] = [r for r in desk(o, {("A", "BJ"): 2}) if r.kind == K.SWITCH_WAREHOUSE]
    fp = order_fingerprint(o)
    assert switch.basis.changes(fp, "on_hold", 0, {"A@BJ": 2}) == []
    why = switch.basis.changes(fp, "on_hold", 1, {"A@BJ": 1})
    assert why[0].startswith("the network changed") and "stock gone" in why[1]
    o.lines[0] = replace(o.lines[0], quantity=3)
    assert "order changed" in switch.basis.changes(order_fingerprint(o), "on_hold", 0,
                                                   {"A@BJ": 2})[0]
    assert "moved on" in switch.basis.changes(fp, "cancelled", 0, {"A@BJ": 2})[0]


def test_the_pinned_plan_reserves_exactly_or_holds() -> None:
    o = order([("A", 2)])
    pinned = PinnedStrategy([PlannedPick(1, "A", "BJ", 2)], NOW.date(), {"BJ": "SF:express"})
    ok = pinned.plan(o, WAREHOUSES, {("A", "BJ"): 2}, NOW)
    assert ok.ok and ok.services == {"BJ": "SF:express"}
    short = pinned.plan(o, WAREHOUSES, {("A", "BJ"): 1}, NOW)
    assert not short.ok and short.reasons[0].code == HoldCode.BACKORDER
    assert not PinnedStrategy([]).plan(o, WAREHOUSES, {}, NOW).ok


def test_split_when_no_site_holds_it_all() -> None:
    o = held([("A", 3)])
    got = {r.kind: r for r in desk(o, {("A", "BJ"): 2, ("A", "GZ"): 1})}
    assert K.SWITCH_WAREHOUSE not in got
    split = got[K.SPLIT_SHIPMENT]
    assert sorted(split.plan["sites"]) == ["BJ", "GZ"]
    assert split.basis.stock == {"A@BJ": (2, 2), "A@GZ": (1, 1)}
    # the split penalty (8 CNY) is part of its cost against the one-parcel reference
    assert split.cost_delta > Decimal("8.00")
    assert len(got) >= 3


def allocated(lines: list[tuple[str, int]], site: str, service: str) -> Order:
    o = order(lines)
    o.mark_validated(NOW)
    o.reserve([PlannedPick(i + 1, s, site, q) for i, (s, q) in enumerate(lines)], NOW, None,
              services={site: service})
    o.allocate("routing-v2", NOW.date() + timedelta(days=2), NOW)
    return o


def test_an_allocated_order_gets_a_faster_or_a_working_carrier() -> None:
    from orderhub.domain.routing.network import DEMO_SERVICES

    o = allocated([("A", 1)], "SH", "ZTO:standard")
    o.shipping_address = replace(o.shipping_address, province="北京市", city="北京市")
    atp = {("A", "SH"): 5}
    got = {r.kind: r for r in desk(o, atp)}
    up = got[K.UPGRADE_CARRIER]
    assert up.plan["services"] == {"SH": "SF:express"} and up.cost_delta > 0
    assert up.basis.stock == {"A@SH": (5, 1)}  # its own unit counts as available to it
    down = NetworkState(services=[replace(s, healthy=False) if s.carrier == "ZTO" else s
                                  for s in DEMO_SERVICES])
    got = {r.kind: r for r in plan_remedies(DeskInput(o, ExceptionKind.CARRIER_FAILURE, down,
                                                      CATALOG, WAREHOUSES, atp, NOW))}
    assert got[K.UPGRADE_CARRIER].plan["services"]["SH"] != "ZTO:standard"


def test_a_hold_no_plan_can_clear_is_never_automatic() -> None:
    o = order([("A", 1)])
    o.hold([HoldReason(HoldCode.ADDRESS_INCOMPLETE, "no district")], NOW)
    got = {r.kind: r for r in desk(o, {("A", "SH"): 5})}
    switch = got[K.SWITCH_WAREHOUSE]
    assert switch.cost_delta == 0 and switch.tier == Tier.L2  # would be L1
    assert switch.description.endswith("(still held for: address_incomplete)")
    plain = {r.kind: r for r in desk(held([("A", 1)]), {("A", "SH"): 5})}
    assert plain[K.SWITCH_WAREHOUSE].tier == Tier.L1
