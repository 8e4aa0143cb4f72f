"""The exception desk raced by two real processes on PostgreSQL (the row locks are what
keep them apart, not anything in one process's memory):

- two `proposal-expiry` jobs over the same lapsed proposals: each proposal expires once
  (one RemedyProposalExpired, one audit entry), the audit chain intact;
- two people giving the last approval of the same recall_and_reroute at once: the recall
  is applied once (one RemedyApplied, one recall saga), its stock released once and taken
  once at the new site, the other approver refused."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text

from orderhub.bootstrap import Hub
from orderhub.domain.exceptions import ExceptionKind
from orderhub.domain.lifecycle import OrderStatus
from orderhub.services import audit
from orderhub.services.exceptions import desk
from orderhub.services.exceptions import views as exc_views
from orderhub.services.intake.submit import submit_orders
from tests.api import api_client
from tests.conftest import Clock
from tests.factories import T, draft, seed_network
from tests.sagas_support import install

# Each process imports, then waits for the same moment to start, so the two really overlap.
EXPIRE = """
import sys, time
from datetime import datetime
from orderhub.bootstrap import bootstrap
from orderhub.config import Settings
from orderhub.services.exceptions import desk
hub = bootstrap(Settings(database_url=sys.argv[1]))
now = datetime.fromisoformat(sys.argv[2])
time.sleep(max(0.0, float(sys.argv[3]) - time.time()))
total = 0
while True:  # the job's turns, in small batches, until nothing is left
    n = desk.expire_proposals(hub.uow, now=now, limit=3)
    total += n
    if n == 0:
        break
print(total)
hub.close()
"""

APPROVE = """
import json, sys, time
from datetime import datetime
from orderhub.bootstrap import bootstrap
from orderhub.config import Settings
from orderhub.domain.errors import DomainError
from orderhub.services.exceptions import desk
hub = bootstrap(Settings(database_url=sys.argv[1]))
now = datetime.fromisoformat(sys.argv[2])
actor = sys.argv[3]
work = json.loads(sys.argv[4])
time.sleep(max(0.0, float(sys.argv[5]) - time.time()))
out = {}
for exc_id, n in work:
    try:  # what POST .../approve does: decide, then void the recalled waybills
        done = desk.decide(hub.uow, "default", exc_id, n, approve_it=True, actor=actor,
                           reason="", now=now, presale_lock=hub.presale_lock)
        desk.void_recalled(hub.compensator, "default", done)
        out[exc_id] = done["outcome"]
    except DomainError as exc:
        out[exc_id] = "refused: " + type(exc).__name__
print(json.dumps(out))
hub.close()
"""


def _run_both(script: str, args: list[list[str]]) -> list[str]:
    start = str(time.time() + 4.0)  # after both have imported and bootstrapped
    procs = [subprocess.Popen([sys.executable, "-c", script, *a, start],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=os.environ.copy()) for a in args]
    outs = [p.communicate(timeout=180) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err[-3000:] for _, err in outs]
    return [out.strip().splitlines()[-1] for out, _ in outs]


def _count(hub: Hub, sql: str, **params: Any) -> int:
    with hub.engine.connect() as conn:
        return int(conn.execute(text(sql), params).scalar_one())


def _remedy_n(hub: Hub, exc_id: str, kind: str) -> int:
    rec = exc_views.get_exception(hub.read_uow, T, exc_id)
    return next(int(r["n"]) for r in rec["remedies"] if r["kind"] == kind)


def test_two_expiry_jobs_expire_each_proposal_once(hub: Hub, clock: Clock,
                                                   database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite serialises writers: the race needs PostgreSQL")
    seed_network(hub, {})  # no stock: every order is held, on the desk
    submit_orders(hub.uow, T, [draft(f"XR-{i}") for i in range(12)], strategy=hub.strategy,
                  now=clock.now, actor="test", presale_lock=hub.presale_lock)
    desk.sync_holds(hub.uow, T, now=clock.now)
    items = exc_views.list_exceptions(hub.read_uow, T, limit=100)["items"]
    assert len(items) == 12
    proposals = []
    for item in items:  # two L2 proposals on each: contact the customer, cancel
        for kind in ("contact_customer", "cancel_and_refund"):
            out = desk.apply_remedy(hub.uow, T, item["id"], _remedy_n(hub, item["id"], kind),
                                    actor="key:ops-lily", reason="x", now=clock.now)
            assert out["outcome"] == "proposed", out
            proposals.append(out["proposal"]["id"])
    later = (clock.now + timedelta(hours=25)).isoformat()
    totals = _run_both(EXPIRE, [[database_url, later], [database_url, later]])
    assert sum(map(int, totals)) == len(proposals) == 24, totals
    events = _count(hub, "SELECT count(*) FROM outbox WHERE type = 'RemedyProposalExpired'")
    distinct = _count(hub, "SELECT count(DISTINCT data->>'proposal_id') FROM outbox "
                           "WHERE type = 'RemedyProposalExpired'")
    assert (events, distinct) == (24, 24)
    states = _count(hub, "SELECT count(*) FROM exception_proposals WHERE state = 'expired'")
    assert states == 24
    expired = _count(hub, "SELECT count(*) FROM audit_log WHERE kind = 'exception_remedy' "
                          "AND detail->>'action' = 'expired'")
    assert expired == 24
    verdict = audit.verify_chain(hub.read_uow, T)
    assert verdict.ok, verdict


def test_two_last_approvals_apply_a_recall_once(hub: Hub, clock: Clock,
                                                database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite serialises writers: the race needs PostgreSQL")
    install(hub)  # waybills booked at release (the fake carrier's), voided by the saga
    seed_network(hub, {("A", "SH"): 10, ("A", "BJ"): 10})
    results = submit_orders(hub.uow, T, [draft(f"RR-{i}") for i in range(5)],
                            strategy=hub.strategy, now=clock.now, actor="test",
                            presale_lock=hub.presale_lock)
    work: list[tuple[str, int]] = []
    for r in results:
        oid = str(r.order_id)
        with api_client(hub) as admin:  # released as the API does: a waybill booked
            got = admin.post(f"/v1/orders/{oid}/release").json()
        assert [(s["warehouse"], bool(s["waybill"])) for s in got["shipments"]] == [
            ("SH", True)], got
        with hub.uow() as uow:
            exc_id = desk.open_exception(uow, tenant_id=T, order_id=oid,
                                         kind=ExceptionKind.STALLED, source=f"alert:{oid}",
                                         reason="pick late at SH", now=clock.now,
                                         actor="system", details={"stage": "released"})
            uow.commit()
        n = _remedy_n(hub, exc_id, "recall_and_reroute")
        out = desk.apply_remedy(hub.uow, T, exc_id, n, actor="key:ops-lily",
                                reason="SH backlogged", now=clock.now)
        assert out["outcome"] == "proposed" and out["proposal"]["tier"] == "L2", out
        out = desk.decide(hub.uow, T, exc_id, n, approve_it=True, actor="key:wang",
                          reason="", now=clock.now)
        assert out["outcome"] == "approved", out
        work.append((exc_id, n))
    with hub.read_uow() as uow:
        before = {wh: (lv.on_hand, lv.reserved) for (_, wh), lv in
                  uow.stock.levels(T, ["A"]).items()}
    assert before == {"SH": (10, 5), "BJ": (10, 0)}

    now = clock.now.isoformat()
    outs = [json.loads(o) for o in _run_both(APPROVE, [
        [database_url, now, "key:zhao", json.dumps(work)],
        [database_url, now, "key:li", json.dumps(work)]])]
    for exc_id, _ in work:
        got = sorted(o[exc_id] for o in outs)
        assert got[0] == "applied" and got[1].startswith("refused"), got
    applied = _count(hub, "SELECT count(*) FROM outbox WHERE type = 'RemedyApplied'")
    assert applied == 5
    sagas = _count(hub, "SELECT count(*) FROM sagas WHERE kind = 'recalled'")
    assert sagas == 5
    for r in results:  # released from SH once, reserved at BJ once
        per = {t: _count(hub, "SELECT count(*) FROM outbox WHERE order_id = :o AND type = :t",
                         o=str(r.order_id), t=t)
               for t in ("InventoryReleased", "InventoryReserved", "OrderCompensated")}
        assert per["InventoryReleased"] == 1 and per["InventoryReserved"] == 2, per
    with hub.read_uow() as uow:
        after = {wh: (lv.on_hand, lv.reserved) for (_, wh), lv in
                 uow.stock.levels(T, ["A"]).items()}
        orders = uow.orders.get_many(T, [str(r.order_id) for r in results])
    assert after == {"SH": (10, 0), "BJ": (10, 5)}, after
    assert all(o.status == OrderStatus.ALLOCATED for o in orders)
    assert all(sorted((s.warehouse, s.status.value) for s in o.shipments)
               == [("BJ", "planned"), ("SH", "cancelled")] for o in orders)
