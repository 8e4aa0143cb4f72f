"""Stock references de-duplicate receipts and adjustments, safety stock above what is free,
and concurrent confirmations of one SKU mapping: each raced on real concurrent connections
(threads with their own connection; on PostgreSQL every transaction really overlaps)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar

import pytest
from sqlalchemy import func, select

from orderhub.adapters.channels.base import ChannelLine, ChannelOrder
from orderhub.adapters.db import tables as t
from orderhub.bootstrap import Hub
from orderhub.domain.errors import IdempotencyConflict, StockError
from orderhub.domain.inventory import StockLevel
from orderhub.domain.order import Customer
from orderhub.services.intake import sku_mapping
from orderhub.services.intake.submit import ingest_channel_orders
from orderhub.services.inventory import stock_control
from orderhub.services.orders import views
from tests.factories import SHANGHAI, T, draft, seed_network

R = TypeVar("R")


def race(n: int, work: Callable[[int], R]) -> list[R]:
    """Run `work(i)` in n threads released together; each opens its own connection."""
    barrier = threading.Barrier(n)

    def one(i: int) -> R:
        barrier.wait()
        return work(i)

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(one, range(n)))


def level(hub: Hub, sku: str, wh: str) -> StockLevel:
    with hub.read_uow() as uow:
        lv = uow.stock.level(T, sku, wh)
    assert lv is not None
    return lv


def movements(hub: Hub, reference: str) -> int:
    with hub.engine.connect() as conn:
        return int(conn.execute(
            select(func.count()).select_from(t.stock_movements)
            .where(t.stock_movements.c.reference == reference)).scalar_one())


def stock_events(hub: Hub, reference: str) -> int:
    with hub.engine.connect() as conn:
        rows = conn.execute(select(t.outbox.c.data).where(t.outbox.c.type == "StockAdjusted"))
        return sum(1 for (data,) in rows if data.get("reference") == reference)


def receive(hub: Hub, sku: str, wh: str, qty: int, reference: str,
            **kw: Any) -> stock_control.StockChange:
    return stock_control.receive_stock(hub.uow, T, sku, wh, qty, reference=reference,
                                       now=hub.clock(), actor=kw.pop("actor", "wh"), **kw)


def adjust(hub: Hub, sku: str, wh: str, delta: int, reference: str,
           reason: str = "count", **kw: Any) -> stock_control.StockChange:
    return stock_control.adjust_stock(hub.uow, T, sku, wh, delta, reason=reason,
                                      reference=reference, now=hub.clock(), actor="wh", **kw)


# ----- receipts and adjustments ------------------------------------------------------------

def test_five_concurrent_identical_receipts_add_the_quantity_once(hub: Hub) -> None:
    seed_network(hub)  # A: 10 in SH
    results = race(5, lambda i: receive(hub, "A", "SH", 4, "ASN-7", actor=f"w{i}"))
    assert level(hub, "A", "SH").on_hand == 14
    assert sorted(r.replayed for r in results) == [False, True, True, True, True]
    assert {r.level.on_hand for r in results} == {14}  # every caller gets the stored result
    assert movements(hub, "ASN-7") == 1 and stock_events(hub, "ASN-7") == 1


def test_five_concurrent_receipts_with_one_idempotency_key_add_once(hub: Hub) -> None:
    seed_network(hub)
    results = race(5, lambda i: receive(hub, "A", "SH", 4, "", idempotency_key="k-1"))
    assert level(hub, "A", "SH").on_hand == 14
    assert sum(not r.replayed for r in results) == 1


def test_five_concurrent_identical_adjustments_apply_once(hub: Hub) -> None:
    seed_network(hub)
    results = race(5, lambda i: adjust(hub, "A", "SH", -3, "CC-9", reason="damage"))
    assert level(hub, "A", "SH").on_hand == 7
    assert sum(not r.replayed for r in results) == 1
    assert {r.level.on_hand for r in results} == {7}
    assert movements(hub, "CC-9") == 1 and stock_events(hub, "CC-9") == 1


def test_same_reference_with_other_content_is_a_conflict(hub: Hub) -> None:
    seed_network(hub)
    first = receive(hub, "A", "SH", 4, "ASN-7")
    again = receive(hub, "A", "SH", 4, "ASN-7")
    assert (first.replayed, again.replayed) == (False, True) and again.level == first.level
    with pytest.raises(IdempotencyConflict, match="'ASN-7'"):
        receive(hub, "A", "SH", 5, "ASN-7")
    adjust(hub, "A", "SH", -1, "CC-1")
    with pytest.raises(IdempotencyConflict, match="'CC-1'"):
        adjust(hub, "A", "SH", -2, "CC-1")
    adjust(hub, "A", "SH", -1, "CC-2", reason="count")
    with pytest.raises(IdempotencyConflict, match="'CC-2'"):
        adjust(hub, "A", "SH", -1, "CC-2", reason="damage")
    assert level(hub, "A", "SH").on_hand == 12  # 10 + 4 - 1 - 1
    # a reference is kept per kind: a receipt and an adjustment may share one
    assert not adjust(hub, "A", "SH", 4, "ASN-7").replayed


def test_one_reference_covers_many_lines_of_an_asn(hub: Hub) -> None:
    seed_network(hub)
    for sku, wh, qty in (("A", "SH", 1), ("A", "BJ", 2), ("B", "BJ", 3)):
        assert not receive(hub, sku, wh, qty, "ASN-1").replayed
    assert receive(hub, "A", "BJ", 2, "ASN-1").replayed
    assert (level(hub, "A", "SH").on_hand, level(hub, "A", "BJ").on_hand,
            level(hub, "B", "BJ").on_hand) == (11, 12, 8)


def test_an_empty_reference_does_not_deduplicate(hub: Hub) -> None:
    seed_network(hub)
    receive(hub, "A", "SH", 1, "")
    receive(hub, "A", "SH", 1, "")
    adjust(hub, "A", "SH", 1, "")
    adjust(hub, "A", "SH", 1, "")
    assert level(hub, "A", "SH").on_hand == 14


def test_idempotency_key_covers_the_whole_request(hub: Hub) -> None:
    seed_network(hub)
    receive(hub, "A", "SH", 1, "", idempotency_key="k-2")
    assert receive(hub, "A", "SH", 1, "", idempotency_key="k-2").replayed
    with pytest.raises(IdempotencyConflict, match="Idempotency-Key 'k-2'"):
        receive(hub, "A", "SH", 1, "ASN-3", idempotency_key="k-2")  # another reference
    with pytest.raises(IdempotencyConflict, match="Idempotency-Key 'k-2'"):
        receive(hub, "A", "BJ", 1, "", idempotency_key="k-2")
    assert not adjust(hub, "A", "SH", 1, "", idempotency_key="k-2").replayed  # per kind
    assert level(hub, "A", "SH").on_hand == 12


def test_a_refused_adjustment_keeps_its_reference_free(hub: Hub) -> None:
    seed_network(hub)
    with pytest.raises(StockError, match="negative"):
        adjust(hub, "A", "SH", -11, "CC-5")
    assert not adjust(hub, "A", "SH", -10, "CC-5").replayed  # the failed try stored nothing
    assert level(hub, "A", "SH").on_hand == 0


def test_a_batch_reference_covers_the_batch(hub: Hub) -> None:
    seed_network(hub, {})
    items = [("A", "SH", 5), ("B", "BJ", 6), ("A", "BJ", 7)]

    def load(batch: list[tuple[str, str, int]], reference: str = "ASN-B") -> int:
        return stock_control.receive_stock_many(hub.uow, T, batch, reference=reference,
                                                now=hub.clock(), actor="loader")

    counts = race(5, lambda i: load(items))
    assert sorted(counts) == [0, 0, 0, 0, 3]  # lines received now; the repeats add nothing
    assert [level(hub, s, w).on_hand for s, w, _ in items] == [5, 6, 7]
    assert movements(hub, "ASN-B") == 3 and stock_events(hub, "ASN-B") == 3
    with pytest.raises(IdempotencyConflict, match="'ASN-B'"):
        load([("A", "SH", 5), ("B", "BJ", 60)])
    assert load([("A", "SH", 5), ("C", "GZ", 8)]) == 1  # a later part of the same ASN
    assert receive(hub, "C", "GZ", 8, "ASN-B").replayed  # one line of a batch, sent alone
    assert [level(hub, s, w).on_hand for s, w in (("A", "SH"), ("B", "BJ"), ("C", "GZ"))] == [
        5, 6, 8]
    assert load(items, "") == 3 and level(hub, "A", "SH").on_hand == 10  # no reference


# ----- safety stock above what is free ------------------------------------------------------

def test_safety_stock_above_free_stock_shows_atp_zero_and_the_shortfall(hub: Hub) -> None:
    seed_network(hub, {("A", "SH"): 10})
    [r] = submit(hub, "SS-1", 4)
    assert r.status == "allocated"
    lv = stock_control.set_safety_stock(hub.uow, T, "A", "SH", 9, reason="peak",
                                        now=hub.clock(), actor="planner")
    assert (lv.on_hand, lv.reserved, lv.safety_stock, lv.atp, lv.shortfall) == (10, 4, 9, 0, 3)
    view = views.level_view(lv)
    assert (view["atp"], view["shortfall"]) == (0, 3)
    [held] = submit(hub, "SS-2", 1)
    assert held.status == "on_hold"  # reservation never takes safety stock
    assert level(hub, "A", "SH").reserved == 4
    receive(hub, "A", "SH", 5, "")
    lv = level(hub, "A", "SH")
    assert (lv.atp, lv.shortfall) == (2, 0)
    for on_hand, reserved, safety in ((10, 4, 9), (10, 4, 6), (10, 10, 0), (5, 0, 5)):
        lv = StockLevel("A", "SH", on_hand, reserved, safety)
        assert lv.atp - lv.shortfall == on_hand - reserved - safety  # shown agrees with stored
        assert lv.atp >= 0 and lv.shortfall >= 0 and min(lv.atp, lv.shortfall) == 0


def submit(hub: Hub, external_id: str, qty: int) -> list[Any]:
    from orderhub.services.intake.submit import submit_orders

    return submit_orders(hub.uow, T, [draft(external_id, [("A", qty)], address=SHANGHAI)],
                         strategy=hub.strategy, now=hub.clock(), actor="t",
                         presale_lock=hub.presale_lock, batch=False)


# ----- SKU mappings confirmed concurrently -------------------------------------------------

def test_ten_concurrent_identical_mapping_confirmations_all_succeed(hub: Hub) -> None:
    seed_network(hub)
    line = ChannelLine("CH-77", "Apple 苹果", 1, Decimal("10.00"))
    order = ChannelOrder(
        external_id="M-1", status="open", updated_at=datetime(2026, 11, 24, 1, tzinfo=UTC),
        currency="CNY", lines=[line], customer=Customer(ref="b-1"), shipping_address=SHANGHAI,
        shipping_fee=Decimal(0), total=Decimal("10.00"))
    [held] = ingest_channel_orders(hub.uow, T, "tmall", [order], strategy=hub.strategy,
                                   now=hub.clock(), actor="t", presale_lock=hub.presale_lock)
    assert held.status == "on_hold"

    def confirm(i: int) -> dict[str, Any]:
        return sku_mapping.confirm_mapping(
            hub.uow, T, "tmall", "sku", "CH-77", "A", actor=f"ops-{i}", now=hub.clock(),
            strategy=hub.strategy, presale_lock=hub.presale_lock)

    results = race(10, confirm)
    assert {r["master_sku"] for r in results} == {"A"}
    revalidated = [o for r in results for o in r["orders_revalidated"]]
    assert revalidated == [{"id": held.order_id, "status": "allocated"}]  # once, by one caller
    [mapping] = sku_mapping.list_mappings(hub.read_uow, T, "tmall")
    assert (mapping["channel_key"], mapping["master_sku"]) == ("CH-77", "A")
    # confirming again points the key at another SKU (an update, not a second row)
    sku_mapping.confirm_mapping(hub.uow, T, "tmall", "sku", "CH-77", "B", actor="ops",
                                now=hub.clock(), strategy=hub.strategy,
                                presale_lock=hub.presale_lock)
    assert [m["master_sku"] for m in sku_mapping.list_mappings(hub.read_uow, T)] == ["B"]
