"""Partial fulfilment money against a real store (SQLite and PostgreSQL): invoices per
shipment, partial cancellation, payments and refunds, the balance line by line."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from orderhub.adapters.db import tables as t
from orderhub.bootstrap import Hub
from orderhub.domain.errors import Conflict, InvalidInput, NotFound
from orderhub.domain.lifecycle import OrderStatus as S
from orderhub.domain.line_money import by_line
from orderhub.domain.order import Charge, OrderEdit
from orderhub.domain.order_ledger import Balance
from orderhub.services.intake.drafts import LineDraft, OrderDraft
from orderhub.services.intake.submit import submit_orders
from orderhub.services.orders import editing, fulfilment, money
from tests.factories import SHANGHAI, T, seed_network

D = Decimal
STOCK = {("A", "SH"): 10, ("B", "SH"): 10, ("C", "GZ"): 5}


def place(hub: Hub, external_id: str = "M-1") -> str:
    """3 lines (A and B from SH, C only in GZ: two shipments), line discount and tax,
    shipping 12.00 and a platform discount of 15.00 on the order."""
    seed_network(hub, STOCK)
    d = OrderDraft(channel="web", external_id=external_id, currency="CNY",
                   lines=[LineDraft("A", 2, D("50.00"), D("5.00"), D("3.00")),
                          LineDraft("B", 3, D("10.00")),
                          LineDraft("C", 1, D("33.33"), ZERO_D, D("1.11"))],
                   shipping_address=SHANGHAI, shipping_fee=D("12.00"))
    [r] = submit_orders(hub.uow, T, [d], strategy=hub.strategy, now=hub.clock(), actor="test",
                        presale_lock=hub.presale_lock)
    assert r.status == "allocated", r
    with hub.uow() as uow:  # the channel's update adds the platform discount
        order = uow.orders.get(T, r.order_id, lock=True)
        editing.edit_order(uow, order, OrderEdit(charges=[Charge("discount:platform",
                                                                 D("-15.00"))]),
                           reason="platform discount", now=hub.clock(), actor="test")
        uow.commit()
    return r.order_id


ZERO_D = D("0")


def step(hub: Hub, oid: str, *targets: S) -> None:
    for target in targets:
        fulfilment.advance_order(hub.uow, T, oid, target, now=hub.clock(), actor="test")


def grand_total(hub: Hub, oid: str) -> Decimal:
    with hub.read_uow() as uow:
        return uow.orders.get(T, oid).grand_total


def allocation(hub: Hub, oid: str) -> dict[int, Decimal]:
    with hub.read_uow() as uow:
        return {n: lm.net for n, lm in by_line(uow.orders.get(T, oid)).items()}


def bal(hub: Hub, oid: str) -> Balance:
    _, b = money.balance(hub.read_uow, T, oid)
    assert b.consistent
    return b


def shipments(hub: Hub, oid: str) -> dict[str, str]:
    with hub.read_uow() as uow:
        return {s.warehouse: s.id for s in uow.orders.get(T, oid).shipments}


def entries(hub: Hub, oid: str) -> list[tuple[str, Decimal]]:
    with hub.engine.connect() as conn:
        rows = conn.execute(select(t.order_money_entries.c.kind, t.order_money_entries.c.amount)
                            .where(t.order_money_entries.c.order_id == oid)
                            .order_by(t.order_money_entries.c.seq)).all()
    return [(k, D(a)) for k, a in rows]


def test_two_shipments_give_two_invoices_summing_to_the_grand_total(hub: Hub) -> None:
    oid = place(hub)
    total = grand_total(hub, oid)
    assert total == D("98.00") + D("30.00") + D("34.44") + D("12.00") - D("15.00")
    step(hub, oid, S.RELEASED, S.PICKED, S.PACKED)
    ships = shipments(hub, oid)
    assert set(ships) == {"SH", "GZ"}
    fulfilment.ship_order(hub.uow, T, oid, [ships["SH"]], now=hub.clock(), actor="wms")
    b = bal(hub, oid)
    assert [(r.line_no, r.shipped_units) for r in b.lines] == [(1, 2), (2, 3), (3, 0)]
    fulfilment.ship_order(hub.uow, T, oid, [ships["GZ"]], now=hub.clock(), actor="wms")
    kinds = entries(hub, oid)
    invoices = [a for k, a in kinds if k == "invoice"]
    assert len(invoices) == 2 and sum(invoices, ZERO_D) == total
    b = bal(hub, oid)
    alloc = allocation(hub, oid)
    assert {r.line_no: r.invoiced for r in b.lines} == alloc
    assert b.totals.ordered == b.totals.invoiced == total
    # The whole-order steps keep working: invoiced (nothing left to invoice), then paid.
    step(hub, oid, S.DELIVERED, S.INVOICED, S.PAID)
    b = bal(hub, oid)
    assert b.totals.paid == total and b.totals.outstanding == 0
    assert [k for k, _ in entries(hub, oid)] == ["ordered", "invoice", "invoice", "payment"]
    with hub.read_uow() as uow:
        types = [e.type for e in uow.outbox.for_order(T, oid)]
    assert types.count("OrderMoneyBooked") == 0  # ShipmentDispatched etc. say it already
    assert "OrderInvoiced" in types and "PaymentCaptured" in types


def test_refund_never_exceeds_what_was_paid(hub: Hub) -> None:
    oid = place(hub)
    step(hub, oid, S.RELEASED, S.PICKED, S.PACKED)
    fulfilment.ship_order(hub.uow, T, oid, None, now=hub.clock(), actor="wms")
    step(hub, oid, S.DELIVERED, S.INVOICED, S.PAID)
    alloc = allocation(hub, oid)
    now = hub.clock()
    with hub.uow() as uow:
        order = uow.orders.get(T, oid, lock=True)
        with pytest.raises(InvalidInput) as err:
            money.record_refund(uow, order, lines={1: alloc[1] + D("0.01")}, reason="return",
                                source="test", now=now, actor="test")
        assert err.value.errors[0].loc == "lines.1.amount"
        with pytest.raises(InvalidInput):
            money.record_refund(uow, order, amount=grand_total(hub, oid) + D("0.01"),
                                reason="return", source="test", now=now, actor="test")
        money.record_refund(uow, order, lines={1: D("10.00")}, reason="return", source="rma:1",
                            now=now, actor="test")
        uow.commit()
    with hub.uow() as uow:  # what is left of line 1, and not a cent more
        order = uow.orders.get(T, oid, lock=True)
        with pytest.raises(InvalidInput):
            money.record_refund(uow, order, lines={1: alloc[1] - D("10.00") + D("0.01")},
                                reason="return", source="test", now=now, actor="test")
        money.record_refund(uow, order, lines={1: alloc[1] - D("10.00")}, reason="return",
                            source="rma:2", now=now, actor="test")
        uow.commit()
    b = bal(hub, oid)
    line1 = b.lines[0]
    assert line1.refunded == line1.credited == alloc[1]
    assert line1.outstanding == 0 and b.totals.outstanding == 0
    assert b.totals.refunded == alloc[1]


def test_partial_cancellation_is_the_lines_allocated_net_not_to_capture(hub: Hub) -> None:
    oid = place(hub)
    total = grand_total(hub, oid)
    alloc = allocation(hub, oid)
    _, booked = money.cancel_units(hub.uow, T, oid, {3: 1}, "out of stock at GZ",
                                   now=hub.clock(), actor="ops")
    assert [(e.kind.value, e.amount) for e in booked] == [("cancellation", alloc[3])]
    with hub.read_uow() as uow:
        order = uow.orders.get(T, oid)
        assert [ln.line_no for ln in order.lines] == [1, 2]
        # its share of shipping and of the platform discount went with it
        assert order.grand_total == total - alloc[3]
        assert order.shipping_fee < D("12.00") and order.charges[0].amount > D("-15.00")
        assert [s.status.value for s in order.shipments if s.warehouse == "GZ"] == ["cancelled"]
        assert uow.stock.level(T, "C", "GZ").reserved == 0  # type: ignore[union-attr]
    step(hub, oid, S.RELEASED, S.PICKED, S.PACKED)
    fulfilment.ship_order(hub.uow, T, oid, None, now=hub.clock(), actor="wms")
    b = bal(hub, oid)
    assert b.lines[2].cancelled == alloc[3] and b.lines[2].cancelled_units == 1
    assert b.totals.invoiced + b.totals.cancelled == total
    step(hub, oid, S.DELIVERED, S.INVOICED, S.PAID)
    b = bal(hub, oid)
    assert b.totals.paid == total - alloc[3] and b.totals.outstanding == 0
    with hub.read_uow() as uow:  # the whole-order events say the same amount as the ledger
        amounts = {e.type: D(e.data["amount"]) for e in uow.outbox.for_order(T, oid)
                   if e.type in ("OrderInvoiced", "PaymentCaptured")}
    assert amounts == {"OrderInvoiced": total - alloc[3], "PaymentCaptured": total - alloc[3]}


def test_some_units_then_the_rest_of_a_line(hub: Hub) -> None:
    oid = place(hub)
    alloc = allocation(hub, oid)
    money.cancel_units(hub.uow, T, oid, {2: 1}, "one fewer", now=hub.clock(), actor="ops")
    money.cancel_units(hub.uow, T, oid, {2: 2}, "none at all", now=hub.clock(), actor="ops")
    b = bal(hub, oid)
    assert b.lines[1].cancelled == alloc[2] and b.lines[1].cancelled_units == 3
    with pytest.raises(InvalidInput):  # line 2 is gone
        money.cancel_units(hub.uow, T, oid, {2: 1}, "again", now=hub.clock(), actor="ops")
    with pytest.raises(InvalidInput):  # more units than the line has
        money.cancel_units(hub.uow, T, oid, {1: 3}, "too many", now=hub.clock(), actor="ops")
    assert len(entries(hub, oid)) == 3  # the refusals booked nothing


def test_cancelling_paid_units_refunds_them(hub: Hub) -> None:
    oid = place(hub)
    alloc = allocation(hub, oid)
    grand_total_before = grand_total(hub, oid)
    with hub.uow() as uow:  # a channel that took the money at checkout
        order = uow.orders.get(T, oid, lock=True)
        money.record_payment(uow, order, source="checkout", now=hub.clock(), actor="tmall")
        uow.commit()
    _, booked = money.cancel_units(hub.uow, T, oid, {3: 1}, "customer", now=hub.clock(),
                                   actor="ops")
    assert [(e.kind.value, e.amount) for e in booked] == [("cancellation", alloc[3]),
                                                          ("refund", alloc[3])]
    b = bal(hub, oid)
    assert b.lines[2].outstanding == 0 and b.totals.outstanding == 0
    with hub.read_uow() as uow:  # the payment and the refund are events; the rest is not
        booked = [e.data for e in uow.outbox.for_order(T, oid) if e.type == "OrderMoneyBooked"]
    assert [(d["kind"], d["amount"]) for d in booked] == [
        ("payment", str(grand_total_before)), ("refund", str(alloc[3]))]


def test_whole_order_cancel_books_everything_not_shipped(hub: Hub) -> None:
    oid = place(hub)
    total = grand_total(hub, oid)
    fulfilment.cancel_order(hub.uow, T, oid, "customer", now=hub.clock(), actor="ops")
    b = bal(hub, oid)
    assert b.totals.cancelled == total and b.totals.outstanding == 0
    with pytest.raises(Conflict):
        money.cancel_units(hub.uow, T, oid, {1: 1}, "late", now=hub.clock(), actor="ops")


def test_unknown_order_and_other_tenant(hub: Hub) -> None:
    oid = place(hub)
    with pytest.raises(NotFound):
        money.balance(hub.read_uow, T, "ord_nope")
    with pytest.raises(NotFound):
        money.balance(hub.read_uow, "other-tenant", oid)
    with pytest.raises(NotFound):
        money.cancel_units(hub.uow, "other-tenant", oid, {1: 1}, "x", now=hub.clock(),
                           actor="ops")


def test_an_edit_after_money_moved_allocates_again(hub: Hub) -> None:
    """Units cancelled, then the channel raises the shipping fee: the next booking starts
    from the order as it is now (a new `ordered` entry); the invoices then sum to the
    edited order's grand total and the balance still adds up."""
    oid = place(hub)
    money.cancel_units(hub.uow, T, oid, {3: 1}, "short", now=hub.clock(), actor="ops")
    with hub.uow() as uow:
        order = uow.orders.get(T, oid, lock=True)
        editing.edit_order(uow, order, OrderEdit(shipping_fee=D("20.00")), reason="fee",
                           now=hub.clock(), actor="channel")
        uow.commit()
    step(hub, oid, S.RELEASED, S.PICKED, S.PACKED)
    fulfilment.ship_order(hub.uow, T, oid, None, now=hub.clock(), actor="wms")
    step(hub, oid, S.DELIVERED, S.INVOICED, S.PAID)
    kinds = [k for k, _ in entries(hub, oid)]
    assert kinds == ["ordered", "cancellation", "ordered", "invoice", "payment"]
    b = bal(hub, oid)
    total = grand_total(hub, oid)
    assert [r.line_no for r in b.lines] == [1, 2]
    assert b.totals.ordered == b.totals.invoiced == b.totals.paid == total
    assert b.totals.cancelled == 0 and b.totals.outstanding == 0
