"""A batch's blind indexes, worked out together (`order_repository._blind_all`), are the
ones each order's own `blind_phone` / `blind_email` give, phones shared between orders and
fields left empty or masked included (issue 13)."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from orderhub.adapters.db import tables as t
from orderhub.bootstrap import Hub
from orderhub.domain.order import Customer
from orderhub.services.intake.submit import submit_orders
from tests.factories import SHANGHAI, T, draft, seed_network


def test_batch_blind_indexes_are_the_one_by_one_indexes(hub: Hub) -> None:
    seed_network(hub)
    drafts = [
        draft("B-1", address=replace(SHANGHAI, phone="+86 139-8765-4321")),
        draft("B-2", customer=Customer(ref="r", phone="13987654321", email="Li.Wei@Ex.com")),
        draft("B-3", address=replace(SHANGHAI, phone="138****8000"),
              customer=Customer(email="  ")),
        draft("B-4", address=replace(SHANGHAI, phone=""),
              customer=Customer(phone="0086 21 5555 0000", email="li.wei@ex.com")),
    ]
    results = submit_orders(hub.uow, T, drafts, strategy=hub.strategy, now=hub.clock(),
                            actor="test", presale_lock=hub.presale_lock)
    ids = [r.order_id for r in results]
    o = t.orders.c
    with hub.uow() as uow:
        rows = {r.id: r for r in uow.conn.execute(
            select(o.id, o.bidx_phone, o.bidx_customer_phone, o.bidx_email)
            .where(o.id.in_(ids)))}
        for d, oid in zip(drafts, ids, strict=True):
            row = rows[oid]
            # the shipping index is of the E.164 form intake worked out (the customer's
            # phone when the address has none), else the raw phone
            shipping = uow.orders.get(T, oid).shipping_address
            assert (row.bidx_phone, row.bidx_customer_phone, row.bidx_email) == (
                uow.pii.blind_phone(T, shipping.phone_e164 or shipping.phone),
                uow.pii.blind_phone(T, d.customer.phone),
                uow.pii.blind_email(T, d.customer.email))
        assert rows[ids[0]].bidx_phone == rows[ids[1]].bidx_customer_phone is not None
        assert rows[ids[2]].bidx_phone is None and rows[ids[2]].bidx_email is None
        # no phone on the address: found by the customer's
        assert rows[ids[3]].bidx_phone == rows[ids[3]].bidx_customer_phone is not None
        assert rows[ids[1]].bidx_email == rows[ids[3]].bidx_email is not None
