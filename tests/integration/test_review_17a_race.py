"""Review 17a: on a prepaid order, an operator removing line 1 (the edit refunds what it had
paid) races a partial cancellation of the same units (which refunds them too), in two
processes on PostgreSQL: one wins, the line's money is refunded exactly once and its stock
released once."""

from __future__ import annotations

from decimal import Decimal

from orderhub.bootstrap import Hub
from orderhub.services.orders import money
from tests.factories import T
from tests.integration.test_order_money import STOCK, allocation, bal, entries, place
from tests.integration.test_order_money_races import CANCEL, _pg_only

EDIT = """
import json, sys, time
from orderhub.bootstrap import bootstrap
from orderhub.config import Settings
from orderhub.domain.errors import DomainError
from orderhub.services.orders import editing
hub = bootstrap(Settings(database_url=sys.argv[1]))
time.sleep(max(0.0, float(sys.argv[3]) - time.time()))
try:
    r = editing.change_order(hub.uow, "default", sys.argv[2], editing.EditRequest(
        reason="race", remove=(1,)), now=hub.clock(), actor="p", strategy=hub.strategy,
        presale_lock=hub.presale_lock)
    print(json.dumps("edited " + str(-r.money_difference)))
except DomainError as exc:
    print(json.dumps("refused: " + type(exc).__name__))
hub.close()
"""


def test_an_edit_and_a_cancellation_of_the_same_paid_line_refund_it_once(
        hub: Hub, database_url: str) -> None:
    _pg_only(database_url)
    oid = place(hub)
    line1 = allocation(hub, oid)[1]
    with hub.uow() as uow:
        order = uow.orders.get(T, oid, lock=True)
        money.record_payment(uow, order, source="checkout", now=hub.clock(), actor="tmall")
        uow.commit()
    a, b = _run_two(database_url, oid)
    outcomes = sorted(map(str, (a, b)))
    edited = [o for o in outcomes if o.startswith("edited ")]
    assert outcomes == ["['cancellation', 'refund']", "refused: InvalidInput"] or (
        len(edited) == 1 and "refused: InvalidInput" in outcomes), (a, b)
    # The cancellation refunds the line's allocated share (its part of the order's discount
    # and shipping goes with it); the edit refunds what the order's due fell by (the order's
    # discount and shipping stay with the lines left). Either way: one refund, once.
    expected = Decimal(edited[0].split()[1]) if edited else line1
    refunds = [amt for k, amt in entries(hub, oid) if k == "refund"]
    assert refunds == [expected], (refunds, outcomes)
    bl = bal(hub, oid)
    assert bl.totals.refunded == expected and bl.totals.outstanding == 0
    with hub.read_uow() as uow:
        assert uow.stock.level(T, "A", "SH").reserved == 0  # type: ignore[union-attr]
        assert uow.stock.level(T, "A", "SH").on_hand == STOCK[("A", "SH")]  # type: ignore[union-attr]


def _run_two(database_url: str, oid: str) -> list[object]:
    """The edit and the cancellation started at the same moment."""
    import json
    import os
    import subprocess
    import sys
    import time

    start = str(time.time() + 4.0)
    procs = [subprocess.Popen([sys.executable, "-c", script, database_url, oid, start],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=os.environ.copy()) for script in (EDIT, CANCEL)]
    outs = [p.communicate(timeout=180) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err[-3000:] for _, err in outs]
    return [json.loads(out.strip().splitlines()[-1]) for out, _ in outs]
