"""A channel that refunds before the goods come back (a Shopify `refunds/create`, a Taobao
SUCCESS notice for a return not yet received) has paid the buyer: the return keeps the
channel's refund reference and its refund completes with it at receipt (RefundCompleted),
instead of asking finance for a second payment (issue 17 item 2). A redelivered notice
changes nothing. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from orderhub.adapters.channels.return_notice import (
    ChannelReturn,
    ChannelReturnLine,
    NoticeStatus,
)
from orderhub.bootstrap import Hub
from orderhub.domain.lifecycle import OrderStatus
from orderhub.services.intake.submit import submit_orders
from orderhub.services.orders import fulfilment
from orderhub.services.returns.channel import ingest_notice
from orderhub.services.returns.desk import Receipt
from tests.factories import T, draft, seed_network


def shipped(hub: Hub, ext: str, qty: int) -> str:
    [r] = submit_orders(hub.uow, T, [draft(ext, [("A", qty)], channel="tmall")],
                        strategy=hub.strategy, now=hub.clock(), actor="t", batch=False)
    assert r.order_id is not None
    hub.waybills.release(T, r.order_id, actor="t")
    for step in (OrderStatus.PICKED, OrderStatus.PACKED):
        fulfilment.advance_order(hub.uow, T, r.order_id, step, now=hub.clock(), actor="t")
    fulfilment.ship_order(hub.uow, T, r.order_id, None, now=hub.clock(), actor="t")
    return r.order_id


def notice(ext: str, ref: str, status: NoticeStatus) -> ChannelReturn:
    return ChannelReturn(external_id=ext, refund_ref=ref, status=status,
                         reason="damaged", reason_text="破损",
                         lines=[ChannelReturnLine("A", "Apple", 1)],
                         updated_at=datetime(2026, 11, 24, 1, 0, tzinfo=UTC),
                         amount=Decimal("10.00"), currency="CNY")


def test_refunded_in_the_channel_completes_at_receipt(hub: Hub) -> None:
    seed_network(hub)
    shipped(hub, "CH-1", 2)
    first = ingest_notice(hub.returns, T, "tmall", notice("CH-1", "R1", "refunded"),
                          actor="channel:tmall")
    assert first.outcome == "created" and first.return_id
    again = ingest_notice(hub.returns, T, "tmall", notice("CH-1", "R1", "refunded"),
                          actor="channel:tmall")
    assert again.outcome == "unchanged"
    rma = hub.returns.receive(T, first.return_id, "SH", [Receipt(1, 1, "resell")],
                              actor="wh")
    assert rma.status.value == "refunded"  # not left waiting for finance to pay again
    assert rma.refund_reference == "tmall:R1" and rma.refund is not None
    assert rma.refund.total == Decimal("10.00")


def test_a_refund_notice_before_receipt_of_a_known_return(hub: Hub) -> None:
    seed_network(hub)
    shipped(hub, "CH-2", 1)
    made = ingest_notice(hub.returns, T, "tmall", notice("CH-2", "R2", "requested"),
                         actor="channel:tmall")
    assert made.outcome == "created" and made.return_id
    paid = ingest_notice(hub.returns, T, "tmall", notice("CH-2", "R2", "refunded"),
                         actor="channel:tmall")
    assert paid.outcome == "refund_noted"
    rma = hub.returns.receive(T, made.return_id, "SH", [Receipt(1, 1, "scrap")],
                              actor="wh")
    assert rma.status.value == "refunded" and rma.refund_reference == "tmall:R2"


def test_a_channel_refund_before_receipt_is_recorded_and_evented(hub: Hub) -> None:
    """The channel's refund of a return not yet received is a state change of the return:
    it is evented (ReturnRefundedByChannel, on the order's timeline, with the channel's
    reference and amount) in the transaction that records it, once."""
    from orderhub.services.orders import views

    seed_network(hub)
    oid = shipped(hub, "CH-3", 1)
    made = ingest_notice(hub.returns, T, "tmall", notice("CH-3", "R3", "requested"),
                         actor="channel:tmall")
    assert made.return_id
    paid = ingest_notice(hub.returns, T, "tmall", notice("CH-3", "R3", "refunded"),
                         actor="channel:tmall")
    assert paid.outcome == "refund_noted"
    again = ingest_notice(hub.returns, T, "tmall", notice("CH-3", "R3", "refunded"),
                          actor="channel:tmall")
    assert again.outcome == "unchanged"
    noted = [e for e in views.get_timeline(hub.read_uow, T, oid)
             if e["type"] == "ReturnRefundedByChannel"]
    assert len(noted) == 1, noted
    data = noted[0]["data"]
    assert data["return_id"] == made.return_id and data["reference"] == "tmall:R3"
    assert data["amount"] == "10.00" and data["currency"] == "CNY"
    assert noted[0]["actor"] == "channel:tmall"
    # a refund created already paid by the channel says so too
    shipped(hub, "CH-4", 1)
    first = ingest_notice(hub.returns, T, "tmall", notice("CH-4", "R4", "refunded"),
                          actor="channel:tmall")
    with hub.read_uow() as uow:
        order_id = uow.returns.order_of(T, str(first.return_id))
    assert [e["data"]["reference"] for e in views.get_timeline(hub.read_uow, T, order_id)
            if e["type"] == "ReturnRefundedByChannel"] == ["tmall:R4"]
