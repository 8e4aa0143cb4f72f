"""What partial fulfilment money costs (issue 17 part 3, docs/money.md): the pure allocation
(`line_money.allocate`, µs per order by line count), the money for units (`units_money`), and
the fulfilment steps on SQLite with the ledger booked in their transactions (ms per order:
ship in two shipments, deliver, invoice, pay), then one balance read.

    .venv/bin/python benchmarks/order_money.py [--orders 200]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.factories import SHANGHAI, T, seed_network

from orderhub.bootstrap import bootstrap
from orderhub.config import Settings
from orderhub.domain.lifecycle import OrderStatus as S
from orderhub.domain.line_money import allocate, units_money
from orderhub.domain.order import Address, Charge, Customer, Order, OrderLine, OrderType
from orderhub.services.intake.drafts import LineDraft, OrderDraft
from orderhub.services.intake.submit import submit_orders
from orderhub.services.orders import fulfilment, money

NOW = datetime(2026, 12, 7, tzinfo=UTC)


def order_of(lines: int) -> Order:
    return Order.create(
        tenant_id=T, channel="web", external_id="B", order_type=OrderType.B2C, currency="CNY",
        lines=[OrderLine(i + 1, f"S{i}", 1 + i % 4, Decimal("19.99") + i, Decimal("1.01"),
                         Decimal("2.13")) for i in range(lines)],
        customer=Customer(), address=Address(), now=NOW, shipping_fee=Decimal("12.00"),
        charges=[Charge("discount:platform", Decimal("-7.77")), Charge("tip", Decimal("3"))])


def pure() -> None:
    for n in (3, 20, 200):
        o = order_of(n)
        rounds = max(50, 20_000 // n)
        t0 = time.perf_counter()
        for _ in range(rounds):
            allocate(o)
        us = (time.perf_counter() - t0) / rounds * 1e6
        print(f"allocate, {n:>3} lines: {us:8.1f} µs per order ({us / n:.1f} µs per line)")
    lm = allocate(order_of(3))[2]
    t0 = time.perf_counter()
    for _ in range(20_000):
        units_money(lm, 1, before=1)
    print(f"units_money: {(time.perf_counter() - t0) / 20_000 * 1e6:.1f} µs per call")


def stored(orders: int, check: bool = True) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        hub = bootstrap(Settings(database_url=f"sqlite:///{tmp}/bench.db"))
        from orderhub.adapters.db.migrate import upgrade

        upgrade(hub.engine)
        seed_network(hub, {("A", "SH"): 10 * orders, ("B", "SH"): 10 * orders,
                           ("C", "GZ"): 10 * orders})
        drafts = [OrderDraft(channel="web", external_id=f"M-{i}", currency="CNY",
                             lines=[LineDraft("A", 2, Decimal("50.00"), Decimal("5.00")),
                                    LineDraft("B", 3, Decimal("10.00")),
                                    LineDraft("C", 1, Decimal("33.33"))],
                             shipping_address=SHANGHAI, shipping_fee=Decimal("12.00"))
                  for i in range(orders)]
        ids = [r.order_id for r in submit_orders(hub.uow, T, drafts, strategy=hub.strategy,
                                                 now=hub.clock(), actor="b",
                                                 presale_lock=hub.presale_lock)]
        for oid in ids:
            for st in (S.RELEASED, S.PICKED, S.PACKED):
                fulfilment.advance_order(hub.uow, T, oid, st, now=hub.clock(), actor="b")
        t0 = time.perf_counter()
        for oid in ids:
            with hub.read_uow() as uow:
                ships = [s.id for s in uow.orders.get(T, oid).shipments]
            for sid in ships:
                fulfilment.ship_order(hub.uow, T, oid, [sid], now=hub.clock(), actor="b")
            for st in (S.DELIVERED, S.INVOICED, S.PAID):
                fulfilment.advance_order(hub.uow, T, oid, st, now=hub.clock(), actor="b")
        steps = (time.perf_counter() - t0) / len(ids) * 1e3
        if not check:
            print(f"SQLite, {len(ids)} orders, the same steps WITHOUT the ledger: "
                  f"{steps:.1f} ms per order")
            hub.close()
            return
        t0 = time.perf_counter()
        for oid in ids:
            view = money.balance_view(hub.read_uow, T, oid)
            assert view["consistent"] and view["totals"]["outstanding"] == "0.00", view
        read = (time.perf_counter() - t0) / len(ids) * 1e3
        print(f"SQLite, {len(ids)} orders of 3 lines in 2 shipments: ship x2 + deliver + "
              f"invoice + pay {steps:.1f} ms per order (ledger included); balance read "
              f"{read:.1f} ms")
        hub.close()


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--orders", type=int, default=200)
    args = p.parse_args()
    pure()
    stored(args.orders)
    # The same steps with the ledger's booking switched off: what it adds (no balance then).
    book = money.book
    money.book = lambda *a, **k: []  # type: ignore[assignment]
    try:
        stored(args.orders, check=False)
    finally:
        money.book = book


if __name__ == "__main__":
    main()
