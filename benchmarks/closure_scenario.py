"""Scenario: a warehouse closes in the middle of the day's order stream.

    .venv/bin/python benchmarks/closure_scenario.py [--orders 4000] [--close SH-JD] [--seed 3]

Loads the demo data into a fresh SQLite store with the routing strategy, pushes the first
half of a generated order stream through intake (batches of 200), releases a share of the
allocated orders to their warehouses, closes one warehouse, then pushes the second half.
Reports how many open orders were re-routed at once, how many could not be and were held,
how many already-released orders were flagged for a decision, and whether the re-routed
orders kept their promised delivery date.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import date
from pathlib import Path

from orderhub.adapters.db.migrate import upgrade
from orderhub.bootstrap import bootstrap
from orderhub.config import Settings
from orderhub.demo import build_demo
from orderhub.domain.lifecycle import OrderStatus
from orderhub.services import fulfilment, network_events, views
from orderhub.services.ordering import submit_orders
from orderhub.simulation import OrderGenerator, load_prices

TENANT = "default"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--orders", type=int, default=4000)
    ap.add_argument("--close", default="SH-JD", help="warehouse to close mid-stream")
    ap.add_argument("--release-share", type=float, default=0.3,
                    help="share of allocated orders released to the warehouse before closing")
    ap.add_argument("--seed", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        hub = bootstrap(Settings(database_url=f"sqlite:///{Path(tmp) / 's.db'}",
                                 allocation_strategy="routing"))
        upgrade(hub.engine)
        build_demo(hub, TENANT)
        gen = OrderGenerator(seed=args.seed, sku_prices=load_prices(hub, TENANT),
                             prefix="SCN", unknown_sku_rate=0.0)
        rng = random.Random(args.seed)

        def push(n: int) -> list[str]:
            ids = []
            for _ in range(0, n, 200):
                now = hub.clock()
                results = submit_orders(hub.uow, TENANT, list(gen.stream(200, now)),
                                        strategy=hub.strategy, now=now, actor="scenario",
                                        presale_lock=hub.presale_lock)
                ids += [r.order_id for r in results
                        if r.order_id and r.status == OrderStatus.ALLOCATED.value]
            return ids

        first = push(args.orders // 2)
        released = 0
        for oid in first:
            if rng.random() < args.release_share:
                try:
                    fulfilment.advance_order(hub.uow, TENANT, oid, OrderStatus.RELEASED,
                                             now=hub.clock(), actor="wms")
                    released += 1
                except Exception:  # a pre-sale before its release date stays allocated
                    pass
        promised_before: dict[str, date | None] = {}
        for oid in first:
            o = views.get_order(hub.read_uow, TENANT, oid)
            if any(s["warehouse"] == args.close and s["status"] == "planned"
                   for s in o["shipments"]):
                promised_before[oid] = o["promised_delivery"]
        started = time.perf_counter()
        report = network_events.close_warehouse(
            hub.uow, TENANT, args.close, reason="scenario: typhoon", actor="ops",
            now=hub.clock(), strategy=hub.strategy, presale_lock=hub.presale_lock)
        close_s = time.perf_counter() - started
        kept = later = 0
        for oid in report.rerouted:
            after = views.get_order(hub.read_uow, TENANT, oid)["promised_delivery"]
            before = promised_before.get(oid)
            if before is not None and after is not None and after <= before:
                kept += 1
            else:
                later += 1
        second = push(args.orders - args.orders // 2)
        used_closed = sum(
            1 for oid in second
            if any(s["warehouse"] == args.close for s in
                   views.get_order(hub.read_uow, TENANT, oid)["shipments"]))
        hub.close()
    print(f"closure of {args.close} after {args.orders // 2} of {args.orders} orders "
          f"({released} released to warehouses beforehand)")
    print(f"  open orders at {args.close}:         {len(report.rerouted) + len(report.held)}")
    print(f"  re-routed at once:                {len(report.rerouted)} in {close_s:.2f} s")
    print(f"    promise kept or earlier:        {kept}")
    print(f"    promise later:                  {later}")
    print(f"  held (no stock elsewhere):        {len(report.held)}")
    print(f"  released there, flagged:          {len(report.flagged)}")
    print(f"  later orders routed to {args.close}: {used_closed} (must be 0)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
