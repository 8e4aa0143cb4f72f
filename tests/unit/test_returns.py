"""Returns (RMA), pure parts (issue 17): the policy document, what may be returned, the
refund arithmetic over the line-level allocation, the aggregate's steps, and the channels'
refund notifications (Shopify refunds/create, Taobao refund)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from orderhub.adapters.channels.base import PayloadError
from orderhub.adapters.channels.return_notice import reason_code
from orderhub.adapters.channels.returns import RETURN_PARSERS
from orderhub.domain.errors import Conflict, InvalidInput
from orderhub.domain.order import (
    Charge,
    Order,
    Reservation,
    ReservationState,
    Shipment,
    ShipmentStatus,
)
from orderhub.domain.returns import (
    Grade,
    ReceivedUnits,
    ReturnKind,
    ReturnPolicy,
    ReturnReason,
    ReturnRequest,
    ReturnStatus,
    assess,
    refund_for,
)
from tests.factories import NOW, order

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "channels"
R = ReturnReason


def shipped(o: Order, at: datetime = NOW, *, line_units: dict[int, int] | None = None) -> Order:
    """Mark `line_units` (default: all) of the order's lines shipped from SH at `at`."""
    s = Shipment("shp_1", "SH", ShipmentStatus.DISPATCHED, dispatched_at=at,
                 carrier_service="ZTO:standard", waybill="7001")
    o.shipments = [s]
    units = line_units or {ln.line_no: ln.quantity for ln in o.lines}
    o.reservations = [Reservation(f"res_{no}", no, o.lines[no - 1].sku, "SH", q, "shp_1",
                                  state=ReservationState.COMMITTED)
                      for no, q in units.items()]
    return o


def test_policy_document_round_trip_and_every_bad_field() -> None:
    p = ReturnPolicy.from_doc({"window_days": 15, "window_days_by_channel": {"tmall": 7},
                               "restocking_fee_percent": "10", "non_returnable_skus": ["X"]})
    assert ReturnPolicy.from_doc(p.as_doc()) == p
    with pytest.raises(InvalidInput) as e:
        ReturnPolicy.from_doc({"window_days": -1, "restocking_fee_percent": "120",
                               "seller_pays_reasons": ["bored"], "colour": "red"})
    assert {x.loc for x in e.value.errors} == {"window_days", "restocking_fee_percent",
                                               "seller_pays_reasons", "colour"}
    both = ReturnPolicy(window_days=30, window_days_by_channel={"tmall": 7},
                        window_days_by_category={"fresh": 2})
    assert both.window_for("tmall", ["fresh"]) == 2  # the smaller of the two
    assert both.window_for("tmall", []) == 7 and both.window_for("web", []) == 30


def test_assess_refuses_unshipped_over_shipped_and_outside_the_window() -> None:
    o = order([("A", 3), ("B", 1)])
    with pytest.raises(Conflict):
        assess(o, {1: 1}, R.DAMAGED, opened=False, categories={}, returned={},
               policy=ReturnPolicy(), now=NOW)
    shipped(o, line_units={1: 2})  # two of line 1 went; line 2 did not
    policy = ReturnPolicy()
    ok = assess(o, {1: 2}, R.DAMAGED, opened=False, categories={}, returned={},
                policy=policy, now=NOW)
    assert ok.auto_approve
    assert not assess(o, {1: 1}, R.OTHER, opened=False, categories={}, returned={},
                      policy=policy, now=NOW).auto_approve
    for lines, returned, text in (({1: 3}, {}, "at most 2"), ({1: 1}, {1: 2}, "at most 0"),
                                  ({2: 1}, {}, "has not shipped")):
        with pytest.raises(InvalidInput) as e:
            assess(o, lines, R.DAMAGED, opened=False, categories={}, returned=returned,
                   policy=policy, now=NOW)
        assert text in str(e.value)
    with pytest.raises(InvalidInput, match="window closed"):
        assess(o, {1: 1}, R.DAMAGED, opened=False, categories={}, returned={},
               policy=policy, now=NOW + timedelta(days=8))
    formula = replace(policy, non_returnable_categories=frozenset({"final_sale"}))
    with pytest.raises(InvalidInput, match="only unopened"):
        assess(o, {1: 1}, R.SIZE, opened=True, categories={"A": "infant_formula"},
               returned={}, policy=formula, now=NOW)
    with pytest.raises(InvalidInput, match="not returnable"):
        assess(o, {1: 1}, R.SIZE, opened=False, categories={"A": "final_sale"},
               returned={}, policy=formula, now=NOW)


def test_refunds_follow_the_allocation_and_never_pass_what_was_paid() -> None:
    o = order([("A", 3), ("B", 1)])  # 3 x 10.00 + 1 x 10.00
    o.shipping_fee = Decimal("8.00")
    o.charges = [Charge("discount:seller", Decimal("-4.00"))]
    shipped(o)
    assert o.grand_total == Decimal("44.00")
    policy = ReturnPolicy(restocking_fee_percent=Decimal("10"),
                          buyer_return_shipping=Decimal("5.00"))
    # seller at fault: goods less the allocated discount, and the shipping share
    first = refund_for(o, {1: 1}, R.DAMAGED, policy, refunded_units={},
                       refunded_total=Decimal(0))
    assert (first.merchandise, first.shipping, first.total) == (
        Decimal("9.00"), Decimal("2.00"), Decimal("11.00"))
    # buyer's choice: no shipping back, restocking fee and return shipping deducted
    mind = refund_for(o, {1: 1}, R.CHANGED_MIND, policy, refunded_units={},
                      refunded_total=Decimal(0))
    assert (mind.shipping, mind.restocking_fee, mind.return_shipping, mind.total) == (
        Decimal("0.00"), Decimal("-0.90"), Decimal("-5.00"), Decimal("3.10"))
    # every unit, one return at a time: exactly what was paid, never more
    total, units = Decimal(0), {1: 0, 2: 0}
    for no in (1, 1, 1, 2):
        r = refund_for(o, {no: 1}, R.WRONG_ITEM, ReturnPolicy(), refunded_units=dict(units),
                       refunded_total=total)
        units[no] += 1
        total += r.total
    assert total == o.grand_total
    over = refund_for(o, {1: 1}, R.WRONG_ITEM, ReturnPolicy(), refunded_units={1: 2},
                      refunded_total=Decimal("40.00"))
    assert over.total == Decimal("4.00") and over.capped < 0  # only what is left


def test_aggregate_steps_and_events() -> None:
    o = shipped(order([("A", 2)]))
    rma = ReturnRequest.open(order=o, kind=ReturnKind.REFUND, reason=R.DAMAGED, lines={1: 2},
                             now=NOW, actor="t", source="api", policy=ReturnPolicy())
    with pytest.raises(Conflict):
        rma.receive([], None, NOW, "t")
    rma.approve(NOW, "t", automatic=True, reason="policy")
    rma.book_waybill("ZTO:standard", "W1", "上海市", "SH", NOW, "t")
    with pytest.raises(InvalidInput, match="the return names 2"):
        rma.receive([ReceivedUnits(1, "A", 3, Grade.RESELL, "SH", NOW)], None, NOW, "t")
    refund = refund_for(o, {1: 2}, R.DAMAGED, ReturnPolicy(), refunded_units={},
                        refunded_total=Decimal(0))
    rma.receive([ReceivedUnits(1, "A", 1, Grade.RESELL, "SH", NOW),
                 ReceivedUnits(1, "A", 1, Grade.SCRAP, "SH", NOW)], refund, NOW, "t")
    rma.complete_refund("PAY-1", NOW, "finance")
    assert rma.status == ReturnStatus.REFUNDED
    assert [e.type for e in rma.events] == [
        "ReturnRequested", "ReturnApproved", "ReturnWaybillBooked", "ReturnReceived",
        "RefundRequested", "RefundCompleted"]
    assert all(e.order_id == o.id for e in rma.events)
    exchange = ReturnRequest.open(order=o, kind=ReturnKind.EXCHANGE, reason=R.SIZE,
                                  lines={1: 1}, now=NOW, actor="t", source="cli",
                                  policy=ReturnPolicy())
    assert [(x.sku, x.quantity) for x in exchange.replacement] == [("A", 1)]


def test_reason_words_to_codes() -> None:
    assert reason_code("商品破损/包装压坏") == "damaged"
    assert reason_code("七天无理由退换货") == "changed_mind"
    assert reason_code("尺码拍错") == "size"
    assert reason_code("Wrong item sent") == "wrong_item"
    assert reason_code("") == "other"


def test_shopify_refund_notification() -> None:
    notice = RETURN_PARSERS["shopify"]((FIXTURES / "shopify_refund_create.json").read_bytes())
    assert (notice.external_id, notice.refund_ref, notice.status) == (
        "5812345678901", "929361463", "refunded")
    assert notice.reason == "damaged" and notice.amount == Decimal("47.50")
    assert [(ln.channel_sku, ln.quantity) for ln in notice.lines] == [("CUP-CL-01", 1)]
    assert notice.updated_at == datetime(2024, 11, 20, 14, 12, 44, tzinfo=UTC)
    with pytest.raises(PayloadError, match="order_id"):
        RETURN_PARSERS["shopify"](b'{"id": 1, "refund_line_items": []}')


def test_taobao_refund_notification() -> None:
    parse = RETURN_PARSERS["taobao"]
    notice = parse((FIXTURES / "taobao_refund.json").read_bytes())
    assert (notice.external_id, notice.refund_ref, notice.status, notice.reason) == (
        "3912345678901234567", "2318770471234567", "requested", "damaged")
    assert [(ln.channel_sku, ln.quantity, ln.amount) for ln in notice.lines] == [
        ("TEA-DHP-250", 1, Decimal("189.00"))]
    assert notice.attributes["oid"] == "3912345678901234568"
    assert parse((FIXTURES / "taobao_refund_success.json").read_bytes()).status == "refunded"
    assert parse((FIXTURES / "taobao_refund_closed.json").read_bytes()).status == "closed"
    with pytest.raises(PayloadError, match="status"):
        parse(b'{"refund": {"refund_id": "1", "tid": "2", "num": 1, "status": "LOST", '
              b'"refund_fee": "1.00"}}')
