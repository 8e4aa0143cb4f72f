"""Replayable scenarios on a scratch copy of the demo network (never on live data): a
warehouse closes in the middle of the day's order stream.

`orderhub scenario closure` runs it: the demo data in a fresh SQLite file, the first half
of a generated order stream through intake, a share of the allocated orders released to
their warehouses, one warehouse closed, then the second half. The report says how many
open orders were re-routed at once, how many kept their promised date, how many were held
(no stock elsewhere) and how many already-released orders were flagged for a person; and
that no later order went to the closed warehouse.
"""

from __future__ import annotations

import random
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from orderhub.adapters.db.migrate import upgrade
from orderhub.bootstrap import bootstrap
from orderhub.config import Settings
from orderhub.domain.errors import DomainError
from orderhub.domain.lifecycle import OrderStatus
from orderhub.services.intake.submit import submit_orders
from orderhub.services.network import incidents
from orderhub.services.orders import fulfilment
from orderhub.tools.demo import build_demo
from orderhub.tools.simulation import OrderGenerator, load_prices

TENANT = "default"


@dataclass
class ClosureReport:
    warehouse: str
    orders: int
    released_before: int
    open_at_closure: int
    rerouted: int
    promises_kept: int
    promises_later: int
    held: int
    flagged: int
    later_orders_to_closed: int
    seconds: float
    warnings: list[str]


def closure(*, orders: int = 4000, close: str = "SH-JD", release_share: float = 0.3,
            seed: int = 3, batch: int = 200) -> ClosureReport:
    with tempfile.TemporaryDirectory() as tmp:
        hub = bootstrap(Settings(database_url=f"sqlite:///{Path(tmp) / 'scenario.db'}",
                                 allocation_strategy="routing", outbox_dispatch=False))
        try:
            upgrade(hub.engine)
            build_demo(hub, TENANT)
            with hub.read_uow() as uow:
                if uow.catalog.warehouse(TENANT, close) is None:
                    codes = ", ".join(w.code for w in uow.catalog.warehouses(TENANT))
                    raise ValueError(f"unknown warehouse '{close}'; the demo has: {codes}")
            gen = OrderGenerator(seed=seed, sku_prices=load_prices(hub, TENANT),
                                 prefix="SCN", unknown_sku_rate=0.0)
            rng = random.Random(seed)

            def push(n: int) -> list[str]:
                ids: list[str] = []
                for start in range(0, n, batch):
                    now = hub.clock()
                    drafts = list(gen.stream(min(batch, n - start), now))
                    results = submit_orders(hub.uow, TENANT, drafts, strategy=hub.strategy,
                                            now=now, actor="scenario",
                                            presale_lock=hub.presale_lock)
                    ids += [r.order_id for r in results
                            if r.order_id and r.status == OrderStatus.ALLOCATED.value]
                return ids

            first = push(orders // 2)
            released = 0
            for oid in first:
                if rng.random() < release_share:
                    try:
                        fulfilment.advance_order(hub.uow, TENANT, oid, OrderStatus.RELEASED,
                                                 now=hub.clock(), actor="wms")
                        released += 1
                    except DomainError:  # a pre-sale before its release day stays allocated
                        pass
            started = time.perf_counter()
            report = incidents.close_warehouse(
                hub.uow, TENANT, close, reason="scenario: typhoon", actor="ops",
                now=hub.clock(), strategy=hub.strategy, presale_lock=hub.presale_lock)
            seconds = time.perf_counter() - started
            second = push(orders - orders // 2)
            with hub.read_uow() as uow:
                later = sum(1 for o in uow.orders.get_many(TENANT, second)
                            if any(s.warehouse == close for s in o.shipments))
        finally:
            hub.close()
    return ClosureReport(close, orders, released, len(report.rerouted) + len(report.held),
                         len(report.rerouted), report.promises_kept,
                         len(report.promises_later), len(report.held), len(report.flagged),
                         later, seconds, report.warnings)
