"""The order money ledger raced by two real processes on PostgreSQL (the order's row lock
and the ledger's unique (tenant, order, seq) key keep them apart):

- two people cancelling the same units of a prepaid order at once: one wins; the stock is
  released once and the refund booked once;
- two refunds of 60% of what was paid each, at once: one is booked, the other refused."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from decimal import Decimal

import pytest

from orderhub.bootstrap import Hub
from orderhub.domain.lifecycle import OrderStatus as S
from orderhub.services.orders import fulfilment, money
from tests.factories import T
from tests.integration.test_order_money import STOCK, bal, entries, place

CANCEL = """
import json, sys, time
from datetime import datetime
from orderhub.bootstrap import bootstrap
from orderhub.config import Settings
from orderhub.domain.errors import DomainError
from orderhub.services.orders import money
hub = bootstrap(Settings(database_url=sys.argv[1]))
time.sleep(max(0.0, float(sys.argv[3]) - time.time()))
try:
    _, booked = money.cancel_units(hub.uow, "default", sys.argv[2], {1: 2}, "race",
                                   now=hub.clock(), actor="p")
    print(json.dumps([e.kind.value for e in booked]))
except DomainError as exc:
    print(json.dumps("refused: " + type(exc).__name__))
hub.close()
"""

REFUND = """
import json, sys, time
from decimal import Decimal
from orderhub.bootstrap import bootstrap
from orderhub.config import Settings
from orderhub.domain.errors import DomainError
from orderhub.services.orders import money
hub = bootstrap(Settings(database_url=sys.argv[1]))
time.sleep(max(0.0, float(sys.argv[4]) - time.time()))
try:
    with hub.uow() as uow:  # as the returns module will: the order locked, then the refund
        order = uow.orders.get("default", sys.argv[2], lock=True)
        money.record_refund(uow, order, amount=Decimal(sys.argv[3]), reason="race",
                            source="rma", now=hub.clock(), actor="p")
        uow.commit()
    print(json.dumps("booked"))
except DomainError as exc:
    print(json.dumps("refused: " + type(exc).__name__))
hub.close()
"""


def _run_both(script: str, args: list[list[str]]) -> list[object]:
    start = str(time.time() + 4.0)  # after both have imported and bootstrapped
    procs = [subprocess.Popen([sys.executable, "-c", script, *a, start],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=os.environ.copy()) for a in args]
    outs = [p.communicate(timeout=180) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err[-3000:] for _, err in outs]
    return [json.loads(out.strip().splitlines()[-1]) for out, _ in outs]


def _pg_only(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite serialises writers: the race needs PostgreSQL")


def test_two_cancellations_of_the_same_units(hub: Hub, database_url: str) -> None:
    _pg_only(database_url)
    oid = place(hub)
    with hub.uow() as uow:
        order = uow.orders.get(T, oid, lock=True)
        money.record_payment(uow, order, source="checkout", now=hub.clock(), actor="tmall")
        uow.commit()
    results = _run_both(CANCEL, [[database_url, oid], [database_url, oid]])
    assert sorted(map(str, results)) == ["['cancellation', 'refund']",
                                         "refused: InvalidInput"], results
    with hub.read_uow() as uow:
        assert uow.stock.level(T, "A", "SH").reserved == 0  # type: ignore[union-attr]
        assert uow.stock.level(T, "A", "SH").on_hand == STOCK[("A", "SH")]  # type: ignore[union-attr]
    kinds = [k for k, _ in entries(hub, oid)]
    assert kinds == ["ordered", "payment", "cancellation", "refund"]
    b = bal(hub, oid)
    assert b.lines[0].refunded == b.lines[0].ordered and b.totals.outstanding == 0


def test_two_refunds_above_what_was_paid_together(hub: Hub, database_url: str) -> None:
    _pg_only(database_url)
    oid = place(hub)
    for target in (S.RELEASED, S.PICKED, S.PACKED):
        fulfilment.advance_order(hub.uow, T, oid, target, now=hub.clock(), actor="t")
    fulfilment.ship_order(hub.uow, T, oid, None, now=hub.clock(), actor="wms")
    for target in (S.DELIVERED, S.INVOICED, S.PAID):
        fulfilment.advance_order(hub.uow, T, oid, target, now=hub.clock(), actor="t")
    paid = bal(hub, oid).totals.paid
    each = (paid * Decimal("0.6")).quantize(Decimal("0.01"))
    results = _run_both(REFUND, [[database_url, oid, str(each)],
                                 [database_url, oid, str(each)]])
    assert sorted(map(str, results)) == ["booked", "refused: InvalidInput"], results
    b = bal(hub, oid)
    assert b.totals.refunded == each <= paid and b.totals.outstanding == 0
