"""The order twin's costs: what keeping each order's twin costs intake, and how soon a
stalled step becomes an OrderStalled event with many open orders.

    .venv/bin/python benchmarks/twin.py [--orders 5000] [--backends sqlite,postgres]
                                        [--open 1000000] [--stalls 200] [--skip-alerts]

1. Intake alone, with the `twin` consumer running beside it in one process (as `orderhub
   serve` runs them), and with it in a process of its own (as `orderhub worker` runs it),
   interleaved, batches of 500; and the consumer's CPU per order against intake's (the
   relay runs in every arm).
2. PostgreSQL: `--open` twins of open orders whose steps are due later (rows written
   directly: the sweep reads the due-time index, whatever the rest hold), plus `--stalls`
   real released orders whose picking windows pass one after another over about twenty
   seconds while the `twin-alerts` job runs each second as the server runs it. Latency is
   from the moment a window passes to the OrderStalled event arriving on the bus.

Figures vary with this shared machine: compare the arms of one run, not runs.
"""

from __future__ import annotations

import argparse
import base64
import os
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("ORDERHUB_AUDIT_KEY", base64.b64encode(b"a" * 32).decode())

from orderhub.adapters.bus.envelope import Envelope
from orderhub.adapters.db.outbox_repository import OutboxRepository
from orderhub.bootstrap import Hub
from orderhub.domain.errors import Conflict
from orderhub.domain.lifecycle import OrderStatus
from orderhub.services import jobs
from orderhub.services.events.consumers import DurableConsumer
from orderhub.services.intake.submit import submit_orders
from orderhub.services.orders import fulfilment
from throughput import (
    DEFAULT_PG_URL,
    TENANT,
    fresh_hub,
    make_drafts,
    percentile,
    postgres_version,
)

BATCH = 500


def drain_twin(hub: Hub) -> None:
    consumer = hub.enable_twin()
    while consumer.process_once(wait=0):
        pass


def intake(hub: Hub, count: int, seed: int, prefix: str) -> float:
    """Orders per second for `count` orders in batches of 500."""
    drafts = make_drafts(hub, count, seed, prefix)
    started = time.perf_counter()
    for i in range(0, len(drafts), BATCH):
        submit_orders(hub.uow, TENANT, drafts[i:i + BATCH], strategy=hub.strategy,
                      now=hub.clock(), actor="bench", presale_lock=hub.presale_lock)
    return count / (time.perf_counter() - started)


def projection_cost(backend: str, orders: int, pg_url: str) -> dict[str, Any]:
    with fresh_hub(backend, pg_url) as (hub, _):
        intake(hub, BATCH, 1, "WARM")  # caches, JIT-free warm-up of the routing state
        hub.relay.drain()
        drain_twin(hub)
        cpu = time.process_time()
        rate = intake(hub, orders, 2, "CPU")
        intake_cpu = time.process_time() - cpu
        hub.relay.drain()
        cpu, wall = time.process_time(), time.perf_counter()
        drain_twin(hub)
        twin_cpu, twin_wall = time.process_time() - cpu, time.perf_counter() - wall

        hub.relay.start(poll_seconds=0.05)
        consumer = hub.enable_twin()
        arms: dict[str, list[float]] = {ALONE: [], IN_PROCESS: [], WORKER: []}
        for rnd in range(2):
            for arm in arms:
                tag = {ALONE: "A", IN_PROCESS: "T", WORKER: "W"}[arm]
                worker = start_worker(hub) if arm == WORKER else None
                if arm == IN_PROCESS:
                    consumer.start(wait=0.05)
                arms[arm].append(intake(hub, orders, 10 + rnd * 3 + len(arms[arm]),
                                        f"R{rnd}{tag}"))
                if arm != ALONE:
                    deadline = time.monotonic() + 300
                    while not caught_up(hub, consumer) and time.monotonic() < deadline:
                        time.sleep(0.1)
                if arm == IN_PROCESS:
                    consumer.stop()
                if worker is not None:
                    stop_worker(worker)
        with hub.engine.connect() as conn:
            twins = conn.execute(text("SELECT count(*) FROM order_twins")).scalar_one()
    alone = statistics.mean(arms[ALONE])
    return {"backend": backend, "orders": orders, "intake_orders_per_s": rate,
            "intake_cpu_ms_per_order": 1000 * intake_cpu / orders,
            "twin_cpu_ms_per_order": 1000 * twin_cpu / orders,
            "twin_orders_per_s": orders / twin_wall,
            "alone": arms[ALONE], "with_twin": arms[IN_PROCESS], "worker": arms[WORKER],
            "ratio": statistics.mean(arms[IN_PROCESS]) / alone,
            "worker_ratio": statistics.mean(arms[WORKER]) / alone, "twins": twins}


def caught_up(hub: Hub, consumer: DurableConsumer) -> bool:
    """Every event published and consumed (the consumer's `pending` counts only what the
    relay has published: right after a burst of intake that can read 0)."""
    with hub.engine.connect() as conn:
        if OutboxRepository(conn).backlog():
            return False
    return consumer.source.pending() == 0


ALONE, IN_PROCESS, WORKER = "intake alone", "twin consumer in process", "twin in a worker"

# The `twin` consumer in a process of its own, as `orderhub worker` runs it beside the API.
WORKER_CODE = """
import sys
from orderhub.bootstrap import bootstrap
hub = bootstrap(database_url=sys.argv[1])
consumer = hub.enable_twin()
consumer.start(wait=0.05)
print("ready", flush=True)
sys.stdin.read()
consumer.stop()
hub.close()
"""


def start_worker(hub: Hub) -> subprocess.Popen[str]:
    env = {**os.environ, "ORDERHUB_MASTER_KEY": hub.settings.master_key or ""}
    url = hub.engine.url.render_as_string(hide_password=False)
    worker = subprocess.Popen([sys.executable, "-c", WORKER_CODE, url], env=env, text=True,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert worker.stdout is not None
    if worker.stdout.readline().strip() != "ready":
        raise RuntimeError("the twin worker did not start")
    return worker


def stop_worker(worker: subprocess.Popen[str]) -> None:
    assert worker.stdin is not None
    worker.stdin.close()
    worker.wait(timeout=60)


def fill_open_twins(hub: Hub, count: int, now: datetime) -> float:
    """`count` twins of open orders with steps due one to thirty days from now."""
    started = time.perf_counter()
    with hub.engine.begin() as conn:
        conn.execute(text("""
            INSERT INTO order_twins (order_id, tenant_id, status, stage, stage_entered_at,
                entries, warehouse, next_stage, next_due_at, watch_at, team, health, risk,
                reasons, policy_version, updated_at)
            SELECT 'ord_fill' || lpad(g::text, 9, '0'), :tenant, 'released', 'released', :now,
                '{}'::jsonb, 'WH-SH', 'picked', :now + (g % 2592000 + 86400) * interval '1 s',
                :now + (g % 2592000 + 86400) * interval '1 s', 'warehouse', 100, 0.1,
                '[]'::jsonb, 0, :now
            FROM generate_series(1, :n) AS g"""), {"tenant": TENANT, "now": now, "n": count})
        conn.execute(text("ANALYZE order_twins"))
    return time.perf_counter() - started


def alert_latency(open_twins: int, stalls: int, pg_url: str,
                  every: float | None) -> dict[str, Any]:
    with fresh_hub("postgres", pg_url) as (hub, _):
        results = submit_orders(hub.uow, TENANT, make_drafts(hub, stalls, 5, "STALL"),
                                strategy=hub.strategy, now=hub.clock(), actor="bench",
                                presale_lock=hub.presale_lock)
        ids = [r.order_id for r in results if r.order_id and r.status == "allocated"]
        released = []
        for oid in ids:
            try:
                fulfilment.advance_order(hub.uow, TENANT, oid, OrderStatus.RELEASED,
                                         now=hub.clock(), actor="bench")
                released.append(oid)
            except Conflict:  # a pre-sale before its release date stays allocated
                pass
        ids = released
        hub.relay.drain()
        drain_twin(hub)
        fill_seconds = fill_open_twins(hub, open_twins, hub.clock())

        # nothing due: what one sweep costs over all those open orders
        empty = []
        for _ in range(20):
            t0 = time.perf_counter()
            jobs.twin_alerts(hub.uow, 1.0).run_once(hub.clock())
            empty.append(time.perf_counter() - t0)

        received: dict[str, float] = {}
        lock = threading.Lock()

        def on_event(env: Envelope) -> None:
            if env.type == "OrderStalled":
                with lock:
                    received[env.data["alert_id"]] = time.time()
                    due[env.data["alert_id"]] = datetime.fromisoformat(
                        env.data["due_at"]).timestamp()

        due: dict[str, float] = {}
        hub.bus.subscribe("*", on_event)
        start = datetime.now(UTC) + timedelta(seconds=3)
        with hub.engine.begin() as conn:  # windows pass one after another over ~20 s
            for i, oid in enumerate(ids):
                conn.execute(text("UPDATE order_twins SET watch_at = :at WHERE order_id = :o"),
                             {"at": start + timedelta(seconds=20 * i / max(1, len(ids))),
                              "o": oid})
        hub.relay.start(poll_seconds=0.05)
        every = every or hub.settings.twin_sweep_seconds
        scheduler = jobs.Scheduler([jobs.twin_alerts(hub.uow, every)], lambda: datetime.now(UTC))
        scheduler.start()
        deadline = time.monotonic() + 60
        while len(received) < len(ids) and time.monotonic() < deadline:
            time.sleep(0.2)
        scheduler.stop()
        latencies = sorted(received[a] - due[a] for a in received)
    return {"open_twins": open_twins, "stalls": len(ids), "raised": len(latencies),
            "every": every,
            "fill_seconds": fill_seconds,
            "empty_sweep_ms": (percentile(empty, 50) * 1000, percentile(empty, 99) * 1000),
            "latency_s": (percentile(latencies, 50), percentile(latencies, 99),
                          latencies[-1]) if latencies else None}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--orders", type=int, default=5000)
    p.add_argument("--backends", default="sqlite,postgres")
    p.add_argument("--open", type=int, default=1_000_000)
    p.add_argument("--stalls", type=int, default=200)
    p.add_argument("--pg-url", default=DEFAULT_PG_URL)
    p.add_argument("--skip-intake", action="store_true", help="only the alert latency")
    p.add_argument("--skip-alerts", action="store_true", help="only the intake arms")
    p.add_argument("--sweep-seconds", type=float, default=None,
                   help="the twin-alerts job's interval (default: the setting's)")
    args = p.parse_args(argv)
    backends = [b for b in args.backends.split(",") if b]
    if "postgres" in backends:
        print(f"PostgreSQL {postgres_version(args.pg_url)}")
    print(f"1. intake with and without the twin consumer ({args.orders} orders per arm, "
          f"batches of {BATCH}, two rounds interleaved)")
    for backend in [] if args.skip_intake else backends:
        r = projection_cost(backend, args.orders, args.pg_url)
        print(f"  {backend:8} intake {r['intake_orders_per_s']:7.0f} orders/s, "
              f"{r['intake_cpu_ms_per_order']:.2f} CPU-ms/order; twin consumer "
              f"{r['twin_cpu_ms_per_order']:.2f} CPU-ms/order "
              f"({r['twin_cpu_ms_per_order'] / r['intake_cpu_ms_per_order']:.0%} of intake), "
              f"{r['twin_orders_per_s']:.0f} orders/s")
        print(f"  {'':8} intake alone {[round(x) for x in r['alone']]} orders/s, "
              f"with the twin consumer running {[round(x) for x in r['with_twin']]}: "
              f"ratio {r['ratio']:.2f}; with it in a worker process "
              f"{[round(x) for x in r['worker']]}: ratio {r['worker_ratio']:.2f} "
              f"({r['twins']} twins kept)")
    if "postgres" in backends and not args.skip_alerts:
        r = alert_latency(args.open, args.stalls, args.pg_url, args.sweep_seconds)
        print(f"2. stalled-step alerts, PostgreSQL, {r['open_twins']:,} open twins "
              f"(written in {r['fill_seconds']:.0f} s) + {r['stalls']} stalling orders, "
              f"sweep every {r['every']} s")
        print(f"  one sweep with nothing due: p50 {r['empty_sweep_ms'][0]:.1f} ms, "
              f"p99 {r['empty_sweep_ms'][1]:.1f} ms")
        if r["latency_s"]:
            p50, p99, worst = r["latency_s"]
            print(f"  window passed -> OrderStalled on the bus: p50 {p50:.2f} s, "
                  f"p99 {p99:.2f} s, max {worst:.2f} s ({r['raised']}/{r['stalls']} raised)")
        else:
            print("  no alert arrived")
    return 0


if __name__ == "__main__":
    sys.exit(main())
