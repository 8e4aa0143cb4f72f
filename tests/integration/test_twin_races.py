"""Two processes sweep the same due twins on PostgreSQL at once: each stalled step is
raised once (one alert, one OrderStalled event per order), whoever gets there first."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import text

from orderhub.bootstrap import Hub
from orderhub.domain.lifecycle import OrderStatus
from orderhub.services.intake.submit import submit_orders
from orderhub.services.orders import fulfilment
from tests.conftest import Clock
from tests.factories import T, draft, seed_network

SWEEP = """
import sys
from datetime import datetime
from orderhub.bootstrap import bootstrap
from orderhub.config import Settings
from orderhub.services.twin import alerts
hub = bootstrap(Settings(database_url=sys.argv[1]))
print(alerts.raise_stalls(hub.uow, datetime.fromisoformat(sys.argv[2])))
hub.close()
"""


def test_two_sweeping_processes_raise_each_stall_once(hub: Hub, clock: Clock,
                                                      database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite serialises writers: the race needs PostgreSQL")
    seed_network(hub, {("A", "SH"): 100})
    results = submit_orders(hub.uow, T, [draft(f"RACE-{i}") for i in range(20)],
                            strategy=hub.strategy, now=clock.now, actor="test",
                            presale_lock=hub.presale_lock)
    for r in results:
        fulfilment.advance_order(hub.uow, T, str(r.order_id), OrderStatus.RELEASED,
                                 now=clock.now, actor="wms")
    hub.relay.drain()
    consumer = hub.enable_twin()
    while consumer.process_once(wait=0):
        pass
    later = (clock.now + timedelta(hours=3)).isoformat()
    procs = [subprocess.Popen([sys.executable, "-c", SWEEP, database_url, later],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=os.environ.copy()) for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err[-2000:] for _, err in outs]
    raised = sum(int(out.strip().splitlines()[-1]) for out, _ in outs)
    with hub.engine.connect() as conn:
        events = conn.execute(text("SELECT count(*) FROM outbox WHERE type = 'OrderStalled'")
                              ).scalar_one()
        rows = conn.execute(text("SELECT count(*) FROM order_alerts WHERE kind = 'stalled'")
                            ).scalar_one()
    # one alert and one event per order: the row locks make the second sweeper skip, and
    # the unique key per stage pass (an event only for an alert actually stored) backs it
    assert (raised, events, rows) == (20, 20, 20)
