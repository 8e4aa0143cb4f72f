"""Reconciliation races in two processes on PostgreSQL (issue 17): a period's close
against an import for the same period, and two closes of it, started at the same moment.
Exactly one wins each time; the loser is refused with a Conflict and stores nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
from sqlalchemy import func, select

from orderhub.adapters.db import tables as t
from orderhub.bootstrap import Hub
from orderhub.services.reconciliation import settlement

BILL = "运单号,日期,运费\nSF1,2026-11-20,10.00\n"
LATER = BILL + "SF2,2026-11-21,5.00\n"

SCRIPT = """
import json, sys, time
from orderhub.bootstrap import bootstrap
from orderhub.config import Settings
from orderhub.domain.errors import DomainError
from orderhub.services.reconciliation import settlement
hub = bootstrap(Settings(database_url=sys.argv[1]))
what = sys.argv[2]
time.sleep(max(0.0, float(sys.argv[3]) - time.time()))
try:
    if what == "close":
        settlement.close(hub.uow, "default", "2026-11", scope="carrier:sf", now=hub.clock(),
                         actor=what)
    else:
        settlement.import_file(hub.uow, "default", sys.argv[4].encode(), "later.csv",
                               source="carrier:sf", now=hub.clock(), actor=what)
    print(json.dumps(what))
except DomainError as exc:
    print(json.dumps("refused: " + type(exc).__name__ + ": " + str(exc)))
hub.close()
"""


def _both(database_url: str, jobs: list[list[str]]) -> list[str]:
    start = str(time.time() + 4.0)  # after both have bootstrapped
    procs = [subprocess.Popen([sys.executable, "-c", SCRIPT, database_url, job[0], start,
                               *job[1:]], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, env=os.environ.copy()) for job in jobs]
    outs = [p.communicate(timeout=180) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err[-3000:] for _, err in outs]
    return [str(json.loads(out.strip().splitlines()[-1])) for out, _ in outs]


def _reconciled(hub: Hub, database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite serialises writers: the race needs PostgreSQL")
    now = hub.clock()
    settlement.import_file(hub.uow, "default", BILL.encode(), "a.csv", source="carrier:sf",
                           now=now, actor="fin")
    settlement.run(hub.uow, "default", "2026-11", now=now, actor="fin")


def _count(hub: Hub, table: t.Table) -> int:
    with hub.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_a_close_and_an_import_of_the_same_period_one_wins(hub: Hub,
                                                           database_url: str) -> None:
    _reconciled(hub, database_url)
    close, imported = _both(database_url, [["close"], ["import", LATER]])
    with hub.engine.connect() as conn:
        status = conn.execute(select(t.reconciliation_periods.c.status)).scalars().all()
    if close == "close":  # the close first: the import is refused, nothing of it stored
        assert imported.startswith("refused: Conflict") and "closed" in imported, imported
        assert status == ["closed"] and _count(hub, t.settlement_rows) == 1
    else:  # the import first: the close is refused until reconciliation runs again
        assert imported == "import", (close, imported)
        assert close.startswith("refused: Conflict") and "after the latest run" in close
        assert status == ["open"] and _count(hub, t.settlement_rows) == 3


def test_two_closes_of_the_same_period_one_wins(hub: Hub, database_url: str) -> None:
    _reconciled(hub, database_url)
    outcomes = sorted(_both(database_url, [["close"], ["close"]]))
    assert outcomes[0] == "close" and outcomes[1].startswith("refused: Conflict"), outcomes
    assert "already closed" in outcomes[1]
    with hub.engine.connect() as conn:
        closed = conn.execute(select(func.count()).select_from(t.outbox).where(
            t.outbox.c.type == "ReconciliationPeriodClosed")).scalar_one()
    assert closed == 1
