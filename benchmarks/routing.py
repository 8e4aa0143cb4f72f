"""Routing quality and speed: the naive baseline, streaming (`plan_order` one order at a
time) and batch (`plan_wave` in waves), on the demo warehouses and generated orders.

Run from the repository root:

    .venv/bin/python benchmarks/routing.py [--orders 10000] [--seed 1] [--wave 500]

All three route the same orders in the same sequence against the same starting stock and
picking capacity, each on its own copy; costs are exact (streaming's pricing). Nothing here
asserts on time.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from orderhub.demo import CATEGORIES, WAREHOUSES, demo_catalog
from orderhub.domain.geo import locate
from orderhub.domain.routing.baseline import naive_plan
from orderhub.domain.routing.batch import plan_wave
from orderhub.domain.routing.network import Network, RouteLine, RouteOrder, Site
from orderhub.domain.routing.streaming import Candidate, plan_order, take_stock
from orderhub.simulation import OrderGenerator

TODAY = date(2026, 3, 2)
CITY_PROVINCE = {"上海": "上海", "北京": "北京", "广州": "广东", "成都": "四川",
                 "武汉": "湖北", "西安": "陕西", "沈阳": "辽宁", "杭州": "浙江"}
# (per order, per unit) handling, CNY: big DCs cheapest, the front store dearest.
HANDLING = {"dc": (Decimal("1.80"), Decimal("0.25")), "regional": (Decimal("2.40"),
            Decimal("0.35")), "front": (Decimal("4.50"), Decimal("0.60"))}
UNIT_KG = {"FORMULA": "1.0", "SNACK": "0.3", "BEAUTY": "0.2", "ELEC": "0.8", "HOME": "1.5",
           "APPAREL": "0.4", "DRINK": "1.2", "BOOK": "0.5"}
_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市")


def province_key(name: str) -> str:
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def build_network(orders: int, seed: int, skus: int = 2000) -> Network:
    """The demo warehouses, with today's picking capacity scaled to the run (about 1.5x
    the orders in all) and stock drawn the way `build_demo` draws it."""
    total_cap = sum(w[6] for w in WAREHOUSES)
    sites = []
    for code, _name, city, _region, lat, lon, cap, cut in WAREHOUSES:
        kind = "front" if code == "HZ-QT" else "dc" if cap >= 35000 else "regional"
        per_order, per_unit = HANDLING[kind]
        sites.append(Site(code, lat, lon, CITY_PROVINCE[city], per_order, per_unit,
                          math.ceil(cap * orders * 1.5 / total_cap), cut))
    rng = random.Random(seed + 7)
    codes = [w[0] for w in WAREHOUSES]
    stock: dict[tuple[str, str], int] = {}
    for i in range(1, skus + 1):
        rank = i / skus
        depth = 7.0 if rank <= 0.02 else 6.0 if rank <= 0.1 else 5.0 if rank <= 0.3 else 3.8
        where = rng.sample(codes[:7], rng.randint(4, 7) if rank <= 0.3 else rng.randint(2, 5))
        if rank <= 0.2:
            where.append("HZ-QT")
        for wh in where:
            qty = int(rng.lognormvariate(depth, 0.6))
            if qty > 0:
                stock[(f"SKU-{i:05d}", wh)] = qty
    return Network(sites, stock=stock)


def build_orders(count: int, seed: int) -> list[RouteOrder]:
    """Generated drafts reduced to what routing needs; due in 2 to 4 days."""
    catalog = demo_catalog()
    prices = {s.code: s.list_price or Decimal(0) for s in catalog}
    kg = {s.code: Decimal(UNIT_KG[CATEGORIES[int(s.code[4:]) % len(CATEGORIES)][0]])
          for s in catalog}
    gen = OrderGenerator(seed, prices, prefix="RT", unknown_sku_rate=0.0)
    rng = random.Random(seed + 1)
    now = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    out = []
    for draft in gen.stream(count, now):
        addr = draft.shipping_address
        coords = locate(addr) if addr else None
        if addr is None or coords is None:
            continue
        lines = tuple(RouteLine(ln.sku, ln.quantity, kg[ln.sku]) for ln in draft.lines)
        out.append(RouteOrder(draft.external_id, province_key(addr.province), coords[0],
                              coords[1], lines, TODAY + timedelta(days=rng.randint(2, 4))))
    return out


def copy(network: Network) -> Network:
    return Network(list(network.sites), list(network.services), dict(network.stock))


@dataclass
class Run:
    name: str
    plans: dict[str, Candidate] = field(default_factory=dict)
    unserved: int = 0
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    waves: list[tuple[float, float | None, str]] = field(default_factory=list)  # s, gap, how


def sequential(name: str, orders: Sequence[RouteOrder], network: Network,
               decide: Callable[[RouteOrder, Network], Candidate | None]) -> Run:
    run, work = Run(name), copy(network)
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
    run, work = Run("batch"), copy(network)
    start = time.perf_counter()
    for i in range(0, len(orders), wave):
        result = plan_wave(orders[i: i + wave], work, TODAY, time_limit=time_limit)
        run.waves.append((result.seconds, result.gap, result.method))
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
    totals: dict[str, Decimal] = {}
    for r in runs:
        served = len(r.plans)
        total = sum((c.total for c in r.plans.values()), Decimal(0))
        totals[r.name] = total
        splits = sum(1 for c in r.plans.values() if len(c.shipments) > 1)
        on_time = sum(1 for oid, c in r.plans.items() if (d := due[oid]) and c.promised <= d)
        print(f"{r.name:<10}{served:>8}{r.unserved:>9}{total:>14,.2f}"
              f"{total / max(served, 1):>11.2f}{100 * splits / max(served, 1):>9.1f}"
              f"{100 * on_time / max(served, 1):>10.1f}{r.seconds:>9.2f}")
    print()
    for r in runs:
        if r.name == "streaming":
            print(f"streaming decision latency: p50 {pct(r.latencies_ms, 0.5):.3f} ms, "
                  f"p99 {pct(r.latencies_ms, 0.99):.3f} ms")
        if r.name == "batch" and r.waves:
            gaps = [g for _, g, _ in r.waves if g is not None]
            secs = [s for s, _, _ in r.waves]
            fallbacks = sum(1 for _, _, how in r.waves if how != "mip")
            print(f"batch: {len(r.waves)} waves, seconds per wave mean "
                  f"{statistics.mean(secs):.2f} max {max(secs):.2f}; MIP gap max "
                  f"{max(gaps, default=0.0):.4%} mean {statistics.mean(gaps or [0.0]):.4%}; "
                  f"fallbacks {fallbacks}")
    print()
    common = set.intersection(*(set(r.plans) for r in runs))
    same = {r.name: sum((r.plans[o].total for o in common), Decimal(0)) for r in runs}
    print(f"on the {len(common)} orders all three served:")
    print("  " + ", ".join(f"{n} {t:,.2f} ({t / max(len(common), 1):.2f}/order)"
                           for n, t in same.items()))
    if totals.get("naive") and same["naive"]:
        print(f"streaming / naive cost: {totals['streaming'] / totals['naive']:.4f} "
              f"(common orders {same['streaming'] / same['naive']:.4f})")
    if totals.get("streaming") and same["streaming"]:
        print(f"batch / streaming cost: {totals['batch'] / totals['streaming']:.4f} "
              f"(common orders {same['batch'] / same['streaming']:.4f})")
    print("(totals cover served orders only; compare the unserved column too)")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--orders", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--wave", type=int, default=500)
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds per wave")
    args = parser.parse_args(argv)
    network = build_network(args.orders, args.seed)
    orders = build_orders(args.orders, args.seed)
    print(f"{len(orders)} orders, {len(network.sites)} sites, {len(network.stock)} stock rows, "
          f"seed {args.seed}, waves of {args.wave}\n")
    runs = [
        sequential("naive", orders, network, lambda o, n: naive_plan(o, n, TODAY)),
        sequential("streaming", orders, network,
                   lambda o, n: plan_order(o, n, TODAY).chosen),
        batched(orders, network, args.wave, args.time_limit),
    ]
    report(runs, orders)


if __name__ == "__main__":
    main()
