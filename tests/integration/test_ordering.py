"""Intake, idempotency, holds, reservations and the lifecycle against a real store
(SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from orderhub.adapters.db import tables as t
from orderhub.adapters.db.outbox_repository import OutboxRepository
from orderhub.bootstrap import Hub
from orderhub.domain.errors import (
    IdempotencyConflict,
    IllegalTransition,
    InvalidInput,
    NotFound,
    StockError,
)
from orderhub.domain.lifecycle import OrderStatus as S
from orderhub.domain.order import OrderType
from orderhub.domain.privacy import PiiView
from orderhub.services.intake.submit import Outcome, submit_orders
from orderhub.services.inventory import stock_control
from orderhub.services.orders import fulfilment, views
from tests.conftest import Clock
from tests.factories import BEIJING, T, draft, seed_network


def submit(hub: Hub, *drafts: object, key: str | None = None, batch: bool = True):
    return submit_orders(
        hub.uow,
        T,
        list(drafts),
        strategy=hub.strategy,  # type: ignore[arg-type]
        now=hub.clock(),
        actor="test",
        idempotency_key=key,
        presale_lock=hub.presale_lock,
        batch=batch,
    )


def level(hub: Hub, sku: str, wh: str) -> tuple[int, int, int]:
    with hub.read_uow() as uow:
        lv = uow.stock.level(T, sku, wh)
    assert lv is not None
    return (lv.on_hand, lv.reserved, lv.atp)


def count(hub: Hub, table: t.Table) -> int:
    with hub.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_order_is_validated_reserved_and_allocated(hub: Hub) -> None:
    seed_network(hub)
    [r] = submit(hub, draft("E-1", [("A", 3)]))
    assert r.outcome == Outcome.CREATED and r.status == "allocated"
    assert level(hub, "A", "SH") == (10, 3, 7)
    o = views.get_order(hub.read_uow, T, r.order_id, pii=PiiView.FULL)
    assert [s["warehouse"] for s in o["shipments"]] == ["SH"]
    assert o["promised_delivery"] is not None
    timeline = views.get_timeline(hub.read_uow, T, r.order_id)
    assert [e["type"] for e in timeline] == [
        "OrderCreated",
        "OrderValidated",
        "InventoryReserved",
        "OrderAllocated",
    ]
    assert [e["seq"] for e in timeline] == [1, 2, 3, 4]


def test_same_order_three_times_is_one_order(hub: Hub) -> None:
    seed_network(hub)
    results = [submit(hub, draft("DUP-1", [("A", 1)]), batch=False)[0] for _ in range(3)]
    assert [r.outcome for r in results] == [Outcome.CREATED, Outcome.EXISTING, Outcome.EXISTING]
    assert len({r.order_id for r in results}) == 1
    assert count(hub, t.orders) == 1
    assert level(hub, "A", "SH") == (10, 1, 9)  # reserved once


def test_same_key_different_payload_is_a_conflict(hub: Hub) -> None:
    seed_network(hub)
    submit(hub, draft("K-1", [("A", 1)]), batch=False)
    with pytest.raises(IdempotencyConflict, match="different content"):
        submit(hub, draft("K-1", [("A", 2)]), batch=False)
    [r] = submit(hub, draft("K-1", [("A", 2)]))  # in a batch: reported per item
    assert r.outcome == Outcome.CONFLICT
    assert count(hub, t.orders) == 1
    assert level(hub, "A", "SH") == (10, 1, 9)


def test_duplicates_inside_one_batch(hub: Hub) -> None:
    seed_network(hub)
    results = submit(hub, draft("B-1"), draft("B-1"), draft("B-1", [("A", 4)]))
    assert [r.outcome for r in results] == [Outcome.CREATED, Outcome.EXISTING, Outcome.CONFLICT]
    assert count(hub, t.orders) == 1


def test_idempotency_key_header(hub: Hub) -> None:
    seed_network(hub)
    first = submit(hub, draft("H-1"), key="key-1", batch=False)
    again = submit(hub, draft("H-1"), key="key-1", batch=False)
    assert again[0].order_id == first[0].order_id and again[0].outcome == Outcome.EXISTING
    with pytest.raises(IdempotencyConflict, match="Idempotency-Key"):
        submit(hub, draft("H-2"), key="key-1", batch=False)
    assert count(hub, t.orders) == 1


def test_invalid_input_stores_nothing(hub: Hub) -> None:
    seed_network(hub)
    with pytest.raises(InvalidInput) as info:
        submit(hub, draft("OK-1"), draft("BAD-1", [("A", 0)], currency="ZZZ"))
    assert {e.loc for e in info.value.errors} == {"orders.1.currency", "orders.1.lines.0.quantity"}
    with pytest.raises(InvalidInput, match="unknown channel"):
        submit(hub, draft("CH-1", channel="nowhere"))
    assert count(hub, t.orders) == 0
    assert count(hub, t.outbox) == 4  # only the seed's stock receipts


def test_unserviceable_orders_are_held_never_dropped(hub: Hub) -> None:
    seed_network(hub)
    unknown, inactive, short = submit(
        hub, draft("U-1", [("NOPE", 1)]), draft("I-1", [("D", 1)]), draft("S-1", [("A", 50)])
    )
    assert unknown.status == inactive.status == short.status == "on_hold"
    held = views.list_orders(hub.read_uow, T, status=S.ON_HOLD, pii=PiiView.FULL)["items"]
    codes = {o["external_id"]: o["hold_reasons"][0]["code"] for o in held}
    assert codes == {"U-1": "unknown_sku", "I-1": "inactive_sku", "S-1": "backorder"}
    assert level(hub, "A", "SH") == (10, 0, 10)


def test_held_backorder_resumes_after_receipt(hub: Hub) -> None:
    seed_network(hub)
    [r] = submit(hub, draft("S-2", [("C", 5)]))
    assert r.status == "on_hold"
    still = fulfilment.resume_order(
        hub.uow,
        T,
        r.order_id,
        now=hub.clock(),
        actor="ops",
        strategy=hub.strategy,
        presale_lock=hub.presale_lock,
    )
    assert still.status == S.ON_HOLD
    stock_control.receive_stock(hub.uow, T, "C", "GZ", 2, reference="PO-9", now=hub.clock(),
                                actor="wh")
    done = fulfilment.resume_order(
        hub.uow,
        T,
        r.order_id,
        now=hub.clock(),
        actor="ops",
        strategy=hub.strategy,
        presale_lock=hub.presale_lock,
    )
    assert done.status == S.ALLOCATED
    assert level(hub, "C", "GZ") == (5, 5, 0)


def test_batch_does_not_oversell_within_itself(hub: Hub) -> None:
    seed_network(hub, {("A", "SH"): 5})
    results = submit(hub, *[draft(f"R-{i}", [("A", 2)]) for i in range(4)])
    assert [r.status for r in results] == ["allocated", "allocated", "on_hold", "on_hold"]
    assert level(hub, "A", "SH") == (5, 4, 1)


def test_split_order_reserves_in_each_warehouse(hub: Hub) -> None:
    seed_network(hub)
    [r] = submit(hub, draft("SP-1", [("A", 2), ("B", 1), ("C", 1)], address=BEIJING))
    o = views.get_order(hub.read_uow, T, r.order_id, pii=PiiView.FULL)
    assert o["split"] is True
    assert sorted(s["warehouse"] for s in o["shipments"]) == ["BJ", "GZ"]
    assert level(hub, "B", "BJ") == (5, 1, 4) and level(hub, "C", "GZ") == (3, 1, 2)


def test_full_lifecycle_commits_stock_on_shipment(hub: Hub) -> None:
    seed_network(hub)
    [r] = submit(hub, draft("L-1", [("A", 2)]))
    oid = r.order_id
    for st in (S.RELEASED, S.PICKED, S.PACKED):
        fulfilment.advance_order(hub.uow, T, oid, st, now=hub.clock(), actor="wh")
    assert level(hub, "A", "SH") == (10, 2, 8)
    fulfilment.ship_order(hub.uow, T, oid, None, now=hub.clock(), actor="wh")
    assert level(hub, "A", "SH") == (8, 0, 8)
    for st in (S.DELIVERED, S.INVOICED, S.PAID):
        fulfilment.advance_order(hub.uow, T, oid, st, now=hub.clock(), actor="wh")
    o = views.get_order(hub.read_uow, T, oid, pii=PiiView.FULL)
    assert o["status"] == "paid" and o["next_statuses"] == []
    statuses = [e["status"] for e in views.get_timeline(hub.read_uow, T, oid)]
    assert statuses[-4:] == ["shipped", "delivered", "invoiced", "paid"]
    with pytest.raises(IllegalTransition):
        fulfilment.cancel_order(hub.uow, T, oid, "too late", now=hub.clock(), actor="ops")


def test_partial_shipment(hub: Hub) -> None:
    seed_network(hub)
    [r] = submit(hub, draft("P-1", [("A", 1), ("C", 1)]))
    oid = r.order_id
    for st in (S.RELEASED, S.PICKED, S.PACKED):
        fulfilment.advance_order(hub.uow, T, oid, st, now=hub.clock(), actor="wh")
    o = views.get_order(hub.read_uow, T, oid, pii=PiiView.FULL)
    gz = next(s["id"] for s in o["shipments"] if s["warehouse"] == "GZ")
    part = fulfilment.ship_order(hub.uow, T, oid, [gz], now=hub.clock(), actor="wh")
    assert part.status == S.PARTIALLY_SHIPPED
    assert level(hub, "C", "GZ") == (2, 0, 2) and level(hub, "A", "SH") == (10, 1, 9)
    full = fulfilment.ship_order(hub.uow, T, oid, None, now=hub.clock(), actor="wh")
    assert full.status == S.SHIPPED and level(hub, "A", "SH") == (9, 0, 9)


def test_cancel_releases_stock_and_illegal_steps_change_nothing(hub: Hub) -> None:
    seed_network(hub)
    [r] = submit(hub, draft("C-1", [("A", 4)]))
    with pytest.raises(IllegalTransition):
        fulfilment.advance_order(hub.uow, T, r.order_id, S.PAID, now=hub.clock(), actor="x")
    assert views.get_order(hub.read_uow, T, r.order_id, pii=PiiView.FULL)["status"] == "allocated"
    fulfilment.cancel_order(
        hub.uow, T, r.order_id, "fraud check failed", now=hub.clock(), actor="risk"
    )
    assert level(hub, "A", "SH") == (10, 0, 10)
    last = views.get_timeline(hub.read_uow, T, r.order_id)[-1]
    assert (last["type"], last["actor"], last["reason"]) == (
        "OrderCancelled",
        "risk",
        "fraud check failed",
    )
    with pytest.raises(NotFound):
        fulfilment.cancel_order(hub.uow, T, "ord_missing", "x", now=hub.clock(), actor="x")


def test_presale_lock_expiry_releases_stock(hub: Hub, clock: Clock) -> None:
    seed_network(hub)
    release = (clock.now + timedelta(days=10)).date()
    [r] = submit(
        hub, draft("PS-1", [("A", 3)], order_type=OrderType.PRE_SALE, presale_release=release)
    )
    assert level(hub, "A", "SH") == (10, 3, 7)
    assert fulfilment.expire_reservations(hub.uow, now=clock.now) == 0
    clock.now += timedelta(minutes=31)
    assert fulfilment.expire_reservations(hub.uow, now=clock.now) == 1
    assert level(hub, "A", "SH") == (10, 0, 10)
    o = views.get_order(hub.read_uow, T, r.order_id, pii=PiiView.FULL)
    assert o["status"] == "on_hold"
    assert o["hold_reasons"][0]["code"] == "reservation_expired"
    assert fulfilment.expire_reservations(hub.uow, now=clock.now) == 0  # idempotent


def test_receipts_adjustments_and_safety_stock(hub: Hub) -> None:
    seed_network(hub)
    stock_control.set_safety_stock(
        hub.uow, T, "A", "SH", 8, reason="peak", now=hub.clock(), actor="planner"
    )
    assert level(hub, "A", "SH") == (10, 0, 2)
    [r] = submit(hub, draft("SS-1", [("A", 3)]))
    assert {s["warehouse"] for s in views.get_order(hub.read_uow, T, r.order_id,
                                                    pii=PiiView.FULL)["shipments"]} == {
        "BJ"
    }  # Shanghai keeps its safety stock
    submit(hub, draft("SS-2", [("A", 2)]))
    assert level(hub, "A", "SH") == (10, 2, 0)
    with pytest.raises(StockError, match="below reserved"):
        stock_control.adjust_stock(
            hub.uow, T, "A", "SH", -9, reason="damage", reference="", now=hub.clock(), actor="wh"
        )
    stock_control.adjust_stock(
        hub.uow, T, "A", "SH", -3, reason="damage", reference="CC-1", now=hub.clock(), actor="wh"
    )
    assert level(hub, "A", "SH") == (7, 2, 0)
    with pytest.raises(InvalidInput, match="unknown warehouse"):
        stock_control.receive_stock(hub.uow, T, "A", "XX", 1, reference="", now=hub.clock(),
                                    actor="wh")
    with hub.read_uow() as uow:
        kinds = [
            e.data["kind"]
            for e in OutboxRepository(uow.conn).unpublished(100)
            if e.type == "StockAdjusted"
        ]
    assert kinds.count("adjustment") == 1 and kinds.count("safety_stock") == 1


def test_failure_inside_the_transaction_stores_nothing(
    hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crash after stock was reserved but before commit: no order, no reservation."""
    seed_network(hub)
    before_events = count(hub, t.outbox)

    def boom(self: object, events: object) -> int:
        raise RuntimeError("crash between reservation and outbox")

    monkeypatch.setattr(OutboxRepository, "append", boom)
    with pytest.raises(RuntimeError):
        submit(hub, draft("X-1", [("A", 5)]))
    monkeypatch.undo()
    assert count(hub, t.orders) == 0 and count(hub, t.reservations) == 0
    assert count(hub, t.outbox) == before_events
    assert level(hub, "A", "SH") == (10, 0, 10)


def test_outbox_relay_delivers_each_event_once_in_order(hub: Hub) -> None:
    seed_network(hub)
    seen: list[tuple[str, int, str]] = []
    hub.bus.subscribe("*", lambda e: seen.append((e.order_id, e.sequence, e.type)))
    [r] = submit(hub, draft("O-1", [("A", 1)]))
    assert hub.relay.drain() == 8  # 4 stock receipts + 4 order events
    assert hub.relay.drain() == 0
    mine = [(s, ty) for oid, s, ty in seen if oid == r.order_id]
    assert mine == [
        (1, "OrderCreated"),
        (2, "OrderValidated"),
        (3, "InventoryReserved"),
        (4, "OrderAllocated"),
    ]


def test_list_orders_filters_and_cursor(hub: Hub) -> None:
    seed_network(hub)
    submit(
        hub,
        *[draft(f"LS-{i}", [("A", 1)]) for i in range(5)],
        draft("LS-H", [("NOPE", 1)]),
        draft("LS-T", [("B", 1)], channel="tmall"),
    )
    page1 = views.list_orders(hub.read_uow, T, limit=3, pii=PiiView.FULL)
    page2 = views.list_orders(hub.read_uow, T, limit=3, cursor=page1["next_cursor"],
                              pii=PiiView.FULL)
    page3 = views.list_orders(hub.read_uow, T, limit=3, cursor=page2["next_cursor"],
                              pii=PiiView.FULL)
    ids = [o["id"] for p in (page1, page2, page3) for o in p["items"]]
    assert len(ids) == len(set(ids)) == 7 and page3["next_cursor"] is None
    assert ids == sorted(ids, reverse=True)
    assert [
        o["external_id"] for o in views.list_orders(hub.read_uow, T, channel="tmall",
                                                    pii=PiiView.FULL)["items"]
    ] == ["LS-T"]
    assert [
        o["external_id"] for o in views.list_orders(hub.read_uow, T, status=S.ON_HOLD,
                                                    pii=PiiView.FULL)["items"]
    ] == ["LS-H"]
    assert len(views.list_orders(hub.read_uow, T, sku="B", pii=PiiView.FULL)["items"]) == 1
