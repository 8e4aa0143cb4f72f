"""An exchange's replacement order goes with its return (issue 17 item 2): a return
cancelled after approval (by a person or by the channel closing it) cancels its replacement
order in the same transaction, so its reserved stock goes back and nothing is sent for goods
that never come back. On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from orderhub.bootstrap import Hub
from orderhub.domain.errors import Conflict
from orderhub.domain.lifecycle import OrderStatus
from orderhub.services.intake.submit import submit_orders
from orderhub.services.orders import fulfilment
from tests.factories import T, draft, seed_network


def shipped(hub: Hub, ext: str, qty: int) -> str:
    [r] = submit_orders(hub.uow, T, [draft(ext, [("A", qty)])], strategy=hub.strategy,
                        now=hub.clock(), actor="t", batch=False)
    assert r.order_id is not None
    hub.waybills.release(T, r.order_id, actor="t")
    for step in (OrderStatus.PICKED, OrderStatus.PACKED):
        fulfilment.advance_order(hub.uow, T, r.order_id, step, now=hub.clock(), actor="t")
    fulfilment.ship_order(hub.uow, T, r.order_id, None, now=hub.clock(), actor="t")
    return r.order_id


def reserved(hub: Hub, sku: str = "A") -> int:
    with hub.read_uow() as uow:
        return sum(lv.reserved for lv in uow.stock.levels(T, [sku]).values())


def test_cancelling_an_approved_exchange_cancels_its_replacement_order(hub: Hub) -> None:
    seed_network(hub)
    oid = shipped(hub, "XC-1", 2)
    before = reserved(hub)
    rma = hub.returns.request(T, oid, [(1, 1)], "size", actor="t", kind="exchange")
    assert rma.status.value == "approved" and rma.exchange_order_id
    assert reserved(hub) == before + 1  # the replacement reserved its unit
    rma = hub.returns.cancel(T, rma.id, actor="t", reason="buyer kept it")
    assert rma.status.value == "cancelled"
    with hub.read_uow() as uow:
        assert uow.orders.get(T, rma.exchange_order_id).status == OrderStatus.CANCELLED
    assert reserved(hub) == before  # its stock went back


def test_a_shipped_replacement_keeps_its_return(hub: Hub) -> None:
    seed_network(hub)
    oid = shipped(hub, "XC-2", 1)
    rma = hub.returns.request(T, oid, [(1, 1)], "size", actor="t", kind="exchange")
    new = rma.exchange_order_id
    hub.waybills.release(T, new, actor="t")
    for step in (OrderStatus.PICKED, OrderStatus.PACKED):
        fulfilment.advance_order(hub.uow, T, new, step, now=hub.clock(), actor="t")
    fulfilment.ship_order(hub.uow, T, new, None, now=hub.clock(), actor="t")
    with pytest.raises(Conflict):
        hub.returns.cancel(T, rma.id, actor="t", reason="closed")
    with hub.read_uow() as uow:
        assert uow.returns.get(T, rma.id).status.value == "approved"
