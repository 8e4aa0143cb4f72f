"""Routing quality and speed on the deterministic demo network: the naive baseline,
streaming (`plan_order`, one order at a time) and batch (`plan_wave`, waves solved by
HiGHS), and the streaming decision inside intake through the store.

Run from the repository root:

    .venv/bin/python benchmarks/routing.py [--orders 10000] [--seed 1] [--wave 500]
                                           [--capacity 0.6] [--store-orders 2000]

The network is `orderhub demo-data`'s: its eight sites with their handling costs,
capabilities, cut-offs and opening stock, the demo carrier services and lane table, and
the demo routing rules. Daily picking capacity is scaled so that the whole network picks
`--capacity` x the run's orders a day (queues form and move orders, as at a peak). Orders
come from the simulator (`orderhub simulate`) and are reduced to routing's view by the
same code intake uses. All three methods route the same orders in the same sequence
against the same starting stock and queues, each on its own copy, and every plan is
priced by the same exact cost model (domain/routing/pricing.py). Nothing here asserts on
time; figures are printed.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from orderhub.domain.routing.baseline import naive_plan
from orderhub.domain.routing.batch import plan_wave
from orderhub.domain.routing.network import Network, RouteOrder
from orderhub.domain.routing.pricing import Candidate, PriceMemo
from orderhub.domain.routing.strategy import route_order, site_of
from orderhub.domain.routing.streaming import plan_order, take_stock
from orderhub.domain.rules.effects import by_priority
from orderhub.domain.rules.model import parse_rule
from orderhub.services.intake.drafts import build_order
from orderhub.services.rules.routing_rules import DEMO_RULES
from orderhub.tools.demo import demo_skus, demo_stock, demo_warehouses, handling_needs
from orderhub.tools.simulation import OrderGenerator

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 in China, before every cut-off
DEMO_SEED = 7  # the seed `orderhub demo-data` uses


def build_network(orders: int, capacity: float) -> Network:
    """The demo network, picking capacity scaled to `capacity` x `orders` a day."""
    rng = random.Random(DEMO_SEED)
    items = demo_skus("default", 2000, rng, random.Random(DEMO_SEED + 100))
    stock = {(sku, wh): qty for sku, wh, qty in demo_stock(2000, rng, handling_needs(items))}
    warehouses = demo_warehouses()
    total = sum(w.daily_capacity for w in warehouses)
    sites = [replace(site_of(w, 0), daily_capacity=max(1, round(
        w.daily_capacity * orders * capacity / total))) for w in warehouses]
    rules = by_priority([parse_rule(doc) for doc in DEMO_RULES])
    return Network(sites, stock=stock, rules=rules)


def build_orders(count: int, seed: int) -> tuple[list[RouteOrder], dict[str, str]]:
    """Simulated orders as intake's router sees them, and their pickup stores (none)."""
    catalog = {s.code: s for s in demo_skus("default", 2000, random.Random(DEMO_SEED),
                                              random.Random(DEMO_SEED + 100))}
    prices = {code: s.list_price or Decimal(0) for code, s in catalog.items()}
    gen = OrderGenerator(seed, prices, prefix="RT", unknown_sku_rate=0.0)
    out = []
    for draft in gen.stream(count, NOW):
        order = build_order(draft, "default", NOW, "bench", "")
        order.id = draft.external_id
        out.append(route_order(order, catalog))
    return out, {}


@dataclass
class Run:
    name: str
    plans: dict[str, Candidate] = field(default_factory=dict)
    unserved: int = 0
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    waves: list[dict[str, Any]] = field(default_factory=list)


def sequential(name: str, orders: Sequence[RouteOrder], network: Network,
               decide: Callable[[RouteOrder, Network], Candidate | None]) -> Run:
    run, work = Run(name), network.copy()
    start = time.perf_counter()
    for o in orders:
        t = time.perf_counter()
        chosen = decide(o, work)
        run.latencies_ms.append((time.perf_counter() - t) * 1000)
        if chosen is None:
            run.unserved += 1
        else:
            run.plans[o.id] = chosen
            take_stock(work, chosen)
    run.seconds = time.perf_counter() - start
    return run


def batched(orders: Sequence[RouteOrder], network: Network, wave: int,
            time_limit: float) -> Run:
    run, work = Run("batch"), network.copy()
    start = time.perf_counter()
    for i in range(0, len(orders), wave):
        result = plan_wave(orders[i: i + wave], work, NOW, time_limit=time_limit)
        run.waves.append({"seconds": result.seconds, "gap": result.gap,
                          "method": result.method, "objective": result.objective,
                          "bound": result.dual_bound, "start": result.streaming_objective,
                          "columns": result.model_size.get("columns", 0)})
        run.unserved += len(result.unserved)
        for oid, plan in result.plans.items():
            run.plans[oid] = plan
            take_stock(work, plan)
    run.seconds = time.perf_counter() - start
    return run


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def report(runs: list[Run], orders: Sequence[RouteOrder]) -> None:
    due = {o.id: o.requested_by for o in orders}
    header = (f"{'method':<10}{'served':>8}{'unserved':>9}{'total CNY':>14}{'per order':>11}"
              f"{'split %':>9}{'on time %':>10}{'seconds':>9}")
    print(header)
    print("-" * len(header))
    for r in runs:
        served = len(r.plans)
        total = sum((c.total for c in r.plans.values()), Decimal(0))
        splits = sum(1 for c in r.plans.values() if len(c.shipments) > 1)
        on_time = sum(1 for oid, c in r.plans.items() if (d := due[oid]) and c.promised <= d)
        print(f"{r.name:<10}{served:>8}{r.unserved:>9}{total:>14,.2f}"
              f"{total / max(served, 1):>11.2f}{100 * splits / max(served, 1):>9.1f}"
              f"{100 * on_time / max(served, 1):>10.1f}{r.seconds:>9.2f}")
    print()
    by = {r.name: r for r in runs}
    s = by["streaming"]
    print(f"streaming decision latency: p50 {pct(s.latencies_ms, 0.5):.3f} ms, "
          f"p99 {pct(s.latencies_ms, 0.99):.3f} ms, max {max(s.latencies_ms):.3f} ms")
    b = by["batch"]
    gaps = [w["gap"] for w in b.waves if w["gap"] is not None]
    secs = [w["seconds"] for w in b.waves]
    fallbacks = sum(1 for w in b.waves if w["method"] != "mip")
    bound_gap = [(w["objective"] - w["bound"]) / max(abs(w["objective"]), 1e-9)
                 for w in b.waves if w["objective"] is not None and w["bound"] is not None]
    saved = [(w["start"] - w["objective"]) for w in b.waves
             if w["objective"] is not None and w["start"] is not None]
    print(f"batch: {len(b.waves)} waves, {statistics.mean(w['columns'] for w in b.waves):,.0f} "
          f"plan columns per wave, seconds per wave mean {statistics.mean(secs):.2f} max "
          f"{max(secs):.2f}; solver gap max {max(gaps, default=0.0):.4%}, objective vs "
          f"bound max {max(bound_gap, default=0.0):.4%}; fallbacks {fallbacks}; objective "
          f"below the streaming start by {sum(saved):,.2f} in all")
    print()
    common = set.intersection(*(set(r.plans) for r in runs))
    same = {r.name: sum((r.plans[o].total for o in common), Decimal(0)) for r in runs}
    print(f"on the {len(common)} orders all three served (cost per order): "
          + ", ".join(f"{n} {t / max(len(common), 1):.2f}" for n, t in same.items()))
    on_time = {r.name: sum(1 for o in common if (d := due[o]) and r.plans[o].promised <= d)
               for r in runs}
    print("  on time: " + ", ".join(f"{n} {100 * v / max(len(common), 1):.1f}%"
                                    for n, v in on_time.items()))
    if same["naive"]:
        print(f"streaming / naive cost: {same['streaming'] / same['naive']:.4f}")
    if same["streaming"]:
        print(f"batch / streaming cost: {same['batch'] / same['streaming']:.4f}")
    print("(the batch also serves the orders it can; compare the unserved column too)")


def through_store(count: int, seed: int) -> None:
    """Streaming inside intake: one order per transaction on SQLite (demo data), timing
    each `strategy.plan` call (network state, site and order views, the decision)."""
    from orderhub.bootstrap import bootstrap
    from orderhub.config import Settings
    from orderhub.services.intake.submit import submit_orders
    from orderhub.tools.demo import build_demo

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        hub = bootstrap(Settings(database_url=url, outbox_dispatch=False))
        from orderhub.adapters.db.migrate import upgrade

        upgrade(hub.engine)
        build_demo(hub, now=NOW)
        timings: list[float] = []
        inner = hub.strategy.plan

        def timed(*a: Any, **kw: Any) -> Any:
            t = time.perf_counter()
            try:
                return inner(*a, **kw)
            finally:
                timings.append((time.perf_counter() - t) * 1000)

        hub.strategy.plan = timed  # type: ignore[method-assign]
        catalog = {s.code: s.list_price or Decimal(0)
                   for s in demo_skus("default", 2000, random.Random(DEMO_SEED),
                                      random.Random(DEMO_SEED + 100))}
        gen = OrderGenerator(seed, catalog, prefix="ST", unknown_sku_rate=0.0)
        whole: list[float] = []
        for draft in gen.stream(count, NOW):
            t = time.perf_counter()
            submit_orders(hub.uow, "default", [draft], strategy=hub.strategy, now=NOW,
                          actor="bench", presale_lock=hub.presale_lock, batch=False)
            whole.append((time.perf_counter() - t) * 1000)
        hub.close()
    print(f"through the store (SQLite, {count} orders, one per transaction): routing decision "
          f"p50 {pct(timings, 0.5):.3f} ms, p99 {pct(timings, 0.99):.3f} ms; whole intake "
          f"transaction p50 {pct(whole, 0.5):.2f} ms, p99 {pct(whole, 0.99):.2f} ms")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--orders", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--wave", type=int, default=500)
    parser.add_argument("--capacity", type=float, default=0.6,
                        help="network picking capacity per day, as a share of the orders")
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds per wave")
    parser.add_argument("--store-orders", type=int, default=2000,
                        help="orders through intake on SQLite (0: skip)")
    args = parser.parse_args(argv)
    network = build_network(args.orders, args.capacity)
    orders, _ = build_orders(args.orders, args.seed)
    print(f"{len(orders)} orders, {len(network.sites)} sites (capacity "
          f"{sum(s.daily_capacity for s in network.sites):,}/day), {len(network.stock)} stock "
          f"rows, {len(network.rules)} rules, seed {args.seed}, waves of {args.wave}\n")
    memo = PriceMemo()
    runs = [
        sequential("naive", orders, network, lambda o, n: naive_plan(o, n, NOW)),
        # As intake's context does for a batch: one memo of distances, zones and lanes.
        sequential("streaming", orders, network,
                   lambda o, n: plan_order(o, n, NOW, memo=memo).chosen),
        batched(orders, network, args.wave, args.time_limit),
    ]
    report(runs, orders)
    if args.store_orders:
        print()
        through_store(args.store_orders, args.seed)


if __name__ == "__main__":
    main()
