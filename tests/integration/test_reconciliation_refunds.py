"""Reconciliation's known refunds come from the returns (issue 17 items 2 and 4): an order
whose return's refund was paid settles matched when the channel's file refunds that amount,
and is a refund mismatch when the file refunds nothing; a refund asked for but not yet paid
does not count; a cancelled order still counts refunded in full. The refunds are read in
bulk: one query for many orders. On SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import event

from orderhub.adapters.db import tables as t
from orderhub.bootstrap import Hub
from orderhub.domain.lifecycle import OrderStatus
from orderhub.services.intake.submit import submit_orders
from orderhub.services.orders import fulfilment
from orderhub.services.reconciliation import settlement
from orderhub.services.returns.desk import Receipt
from tests.factories import T, draft, seed_network

HEAD = ("账务流水号,业务流水号,商户订单号,发生时间,收入金额（+元）,支出金额（-元）,业务类型,"
        "业务基础订单号,币种\n")


def alipay(rows: list[tuple[str, str, str, str]]) -> bytes:
    body = "".join(
        f"A{serial},{serial},T200P{ext},2026-11-25 10:00:00,"
        f"{'' if amount.startswith('-') else amount},"
        f"{amount if amount.startswith('-') else ''},{kind},{ext},CNY\n"
        for serial, ext, amount, kind in rows)
    return ("#支付宝账务明细查询\n" + HEAD + body + "#-----账务明细列表结束-----\n").encode()


def shipped(hub: Hub, ext: str, qty: int) -> str:
    [r] = submit_orders(hub.uow, T, [draft(ext, [("A", qty)], channel="tmall")],
                        strategy=hub.strategy, now=hub.clock(), actor="t", batch=False)
    assert r.order_id is not None
    hub.waybills.release(T, r.order_id, actor="t")
    for step in (OrderStatus.PICKED, OrderStatus.PACKED):
        fulfilment.advance_order(hub.uow, T, r.order_id, step, now=hub.clock(), actor="t")
    fulfilment.ship_order(hub.uow, T, r.order_id, None, now=hub.clock(), actor="t")
    return r.order_id


def test_paid_return_refunds_are_the_known_refunds(hub: Hub) -> None:
    seed_network(hub)
    paid = shipped(hub, "RF-1", 3)  # 30.00; one unit back, its refund paid
    asked = shipped(hub, "RF-2", 2)  # 20.00; one unit back, refund asked, not yet paid
    unpaid_in_file = shipped(hub, "RF-3", 2)  # 20.00; refund paid, the file refunds nothing
    for oid in (paid, asked, unpaid_in_file):
        rma = hub.returns.request(T, oid, [(1, 1)], "damaged", actor="t")
        rma = hub.returns.receive(T, rma.id, "SH", [Receipt(1, 1, "resell")], actor="wh")
        assert rma.refund is not None and rma.refund.total == Decimal("10.00")
        if oid != asked:
            hub.returns.complete_refund(T, rma.id, f"fin-{oid}", actor="fin")
    data = alipay([("1", "RF-1", "30.00", "交易付款"), ("2", "RF-1", "-10.00", "交易退款"),
                   ("3", "RF-2", "20.00", "交易付款"),
                   ("4", "RF-3", "20.00", "交易付款")])
    settlement.import_file(hub.uow, T, data, "alipay.csv", source="tmall", now=hub.clock(),
                           actor="fin")

    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if t.return_requests.name in statement:
            statements.append(statement)

    event.listen(hub.engine, "before_cursor_execute", seen)
    try:
        [run] = settlement.run(hub.uow, T, "2026-11", now=hub.clock(), actor="fin")
    finally:
        event.remove(hub.engine, "before_cursor_execute", seen)
    assert len(statements) == 2  # bulk reads of the returns (refunds, exchanges): not per order

    with hub.read_uow() as uow:
        found = {(f.code.value, f.external_id): f for f in uow.reconciliation.findings(
            T, run.id)}
    assert set(found) == {("matched", "RF-1"), ("matched", "RF-2"),
                          ("refund_mismatch", "RF-3")}
    assert found[("matched", "RF-1")].expected == Decimal("20.00")
    assert found[("matched", "RF-2")].expected == Decimal("20.00")  # not paid: not counted
    mismatch = found[("refund_mismatch", "RF-3")]
    assert (mismatch.expected, mismatch.settled) == (Decimal("10.00"), Decimal("0.00"))


def test_an_exchange_order_is_settled_by_its_return(hub: Hub) -> None:
    """The replacement order of an exchange is paid by the return (`settled_by_return`):
    the channel never settles it, so it is no unsettled order."""
    seed_network(hub)
    original = shipped(hub, "EX-1", 1)
    rma = hub.returns.request(T, original, [(1, 1)], "size", actor="t", kind="exchange")
    assert rma.exchange_order_id
    data = alipay([("1", "EX-1", "10.00", "交易付款")])
    settlement.import_file(hub.uow, T, data, "alipay.csv", source="tmall", now=hub.clock(),
                           actor="fin")
    [run] = settlement.run(hub.uow, T, "2026-11", now=hub.clock(), actor="fin")
    with hub.read_uow() as uow:
        found = [(f.code.value, f.order_id) for f in uow.reconciliation.findings(T, run.id)]
    assert found == [("matched", original)], found
