"""What group-buy pooling costs intake (issue 18 item 5, docs/pools.md): batches of
group-buy orders through `submit_orders` with the pooling policy off (each routed as it
arrives) and on (pooled, threshold 30: a pool that fills closes and is routed inside the
batch's transaction), orders/s for each arm, interleaved; then the `pool-close` job's
time per pool for the pools left open when their window ends.

    .venv/bin/python benchmarks/pools.py [--orders 600] [--batch 50] [--rounds 2]
                                         [--backends sqlite,postgres]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
import uuid
from dataclasses import replace
from datetime import time as dtime
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.factories import SHANGHAI, T, seed_network

from orderhub.bootstrap import Hub, bootstrap
from orderhub.config import Settings
from orderhub.domain.inventory import Channel, Warehouse
from orderhub.services import catalog
from orderhub.services.intake.drafts import LineDraft, OrderDraft
from orderhub.services.intake.submit import submit_orders
from orderhub.services.pools import closing, policy

STORES = [Warehouse(T, f"PU{i}", f"pickup {i}", 31.20 + 0.03 * i, 121.50 + 0.02 * i,
                    city="上海", province="上海", kind="store", cutoff=dtime(18),
                    capabilities=frozenset({"pickup"})) for i in range(4)]


def drafts(n: int, seed: int, prefix: str) -> list[OrderDraft]:
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        s = rnd.choice(STORES)
        at = replace(SHANGHAI, lat=s.lat + rnd.uniform(-0.02, 0.02),
                     lon=s.lon + rnd.uniform(-0.02, 0.02))
        out.append(OrderDraft(channel="tuan", external_id=f"{prefix}-{i}", currency="CNY",
                              lines=[LineDraft("A", rnd.randint(1, 3), Decimal("9.90"))],
                              shipping_address=at))
    return out


def hub_for(backend: str, tmp: str) -> Hub:
    if backend == "sqlite":
        url = f"sqlite:///{tmp}/bench-{uuid.uuid4().hex[:6]}.db"
    else:
        schema = f"bench_pools_{uuid.uuid4().hex[:8]}"
        base = os.environ.get("ORDERHUB_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
        from sqlalchemy import create_engine, text

        with create_engine(base).begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        url = f"{base}?options=-csearch_path%3D{schema}"
    hub = bootstrap(Settings(database_url=url))  # keys: `orderhub keys init`
    from orderhub.adapters.db.migrate import upgrade

    upgrade(hub.engine)
    seed_network(hub, {("A", "SH"): 100_000, ("A", "BJ"): 100_000})
    catalog.add_channels(hub.uow, [Channel(T, "tuan", "group buy")])
    catalog.add_warehouses(hub.uow, STORES, hub.clock())
    return hub


def arm(backend: str, tmp: str, pooled: bool, orders: int, batch: int, seed: int) -> None:
    hub = hub_for(backend, tmp)
    if pooled:
        policy.set_policy(hub.uow, T, {"channels": {"tuan": {
            "radius_km": 5, "window_minutes": 120, "threshold": 30}}},
            reason="bench", now=hub.clock(), actor="bench")
    todo = drafts(orders, seed, "P" if pooled else "N")
    start, cpu = time.perf_counter(), time.process_time()
    for i in range(0, len(todo), batch):
        submit_orders(hub.uow, T, todo[i:i + batch], strategy=hub.strategy, now=hub.clock(),
                      actor="bench", presale_lock=hub.presale_lock)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    line = (f"  {backend:8} pooling {'on ' if pooled else 'off'}: {orders / wall:7.0f} "
            f"orders/s, {1000 * cpu / orders:5.2f} CPU-ms/order")
    if pooled:
        with hub.read_uow() as uow:
            pools = uow.pools.search(T, limit=10_000)
        full = sum(1 for p in pools if p.close_reason == "threshold")
        left = [p for p in pools if p.status == "open"]
        start = time.perf_counter()
        done = closing.close_due(hub.uow, hub.clock() + timedelta(minutes=121),
                                 hub.presale_lock, limit=10_000)
        took = time.perf_counter() - start
        members = sum(p.member_count for p in left)
        line += (f"; {full} pools closed at the threshold inside intake; pool-close job: "
                 f"{done} pools ({members} orders) in {took * 1000:.0f} ms "
                 f"({took * 1000 / max(done, 1):.1f} ms/pool)")
    print(line, flush=True)
    hub.close()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--orders", type=int, default=600)
    p.add_argument("--batch", type=int, default=50)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--backends", default="sqlite")
    a = p.parse_args()
    print(f"pools: {a.orders} group-buy orders in batches of {a.batch}, 4 pickup points, "
          f"threshold 30 (load average {os.getloadavg()[0]:.2f})")
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(a.rounds):
            for backend in a.backends.split(","):
                for pooled in (False, True) if r % 2 == 0 else (True, False):
                    arm(backend, tmp, pooled, a.orders, a.batch, seed=r)


if __name__ == "__main__":
    main()
