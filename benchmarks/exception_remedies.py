"""Remedies for one exception: how long computing them takes (issue 14: p99 under 50 ms).

    .venv/bin/python benchmarks/exception_remedies.py [--backends sqlite,postgres]
        [--exceptions 300] [--orders 3000]

On the demo network (9 sites, 2,000 SKUs, demo carriers and rules) with a stream of
simulated orders taken in first (so sites have queues), it times, per exception:

  service  `services.exceptions.desk.compute_remedies` in a unit of work: the reads (network
           state, substitutions, stock levels, SKUs, sites) plus the router's pricing
  pure     `domain.exceptions.plan_remedies` alone on the same inputs

for held orders (short of stock: bulk lines) and for allocated orders (as `at_risk`: they
get switch / split / upgrade candidates), and prints p50 / p99 / max in milliseconds and
how many candidates each got. Nothing asserts on time.
"""

from __future__ import annotations

import argparse
import base64
import os
import secrets
import statistics
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import create_engine, text

from orderhub.adapters.db.engine import make_engine, normalise_url
from orderhub.adapters.db.migrate import upgrade
from orderhub.bootstrap import bootstrap
from orderhub.config import Settings
from orderhub.domain.exceptions import DeskInput, ExceptionKind, Substitution, plan_remedies
from orderhub.domain.exceptions.remedies import own_reservations
from orderhub.domain.lifecycle import OrderStatus
from orderhub.domain.privacy import PiiView
from orderhub.services.exceptions.desk import compute_remedies, load_policy
from orderhub.services.intake.submit import submit_orders
from orderhub.services.orders import views
from orderhub.tools.demo import build_demo, sku_code
from orderhub.tools.simulation import OrderGenerator, load_prices

T = "default"
NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
PG_URL = os.environ.get("ORDERHUB_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def line(label: str, ms: list[float], counts: list[int]) -> str:
    return (f"  {label:<28} n={len(ms):>4}  p50={statistics.median(ms):6.2f} ms  "
            f"p99={pct(ms, 99):6.2f} ms  max={max(ms):6.2f} ms  candidates: "
            f"min {min(counts)}, mean {statistics.mean(counts):.1f}, "
            f">=3 in {sum(c >= 3 for c in counts)}/{len(counts)}")


def pg_schema(schema: str, *, drop: bool = False) -> str | None:
    """A scratch schema's URL (created), or None when PostgreSQL cannot be reached."""
    try:
        admin = create_engine(normalise_url(PG_URL), connect_args={"connect_timeout": 3})
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE' if drop
                              else f'CREATE SCHEMA "{schema}"'))
        admin.dispose()
    except Exception as exc:  # reported, then skipped
        print(f"postgres: skipped ({type(exc).__name__}: {exc})")
        return None
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options=-csearch_path%3D{schema}"


def run(url: str, label: str, args: argparse.Namespace) -> None:
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    throwaway = {k: base64.b64encode(secrets.token_bytes(32)).decode()
                 for k in ("master_key", "audit_key")}  # a throwaway database's keys
    hub = bootstrap(Settings(database_url=url, **throwaway), clock=lambda: NOW)
    try:
        build_demo(hub, T, now=NOW)
        gen = OrderGenerator(seed=5, sku_prices=load_prices(hub, T), prefix="BEX")
        drafts = list(gen.stream(args.orders, NOW))
        # every tenth order in bulk: short of stock, held
        drafts = [replace(d, lines=[replace(ln, quantity=ln.quantity * 400)
                                    for ln in d.lines]) if i % 10 == 0 else d
                  for i, d in enumerate(drafts)]
        for start in range(0, len(drafts), 500):
            submit_orders(hub.uow, T, drafts[start:start + 500], strategy=hub.strategy,
                          now=NOW, actor="bench", presale_lock=hub.presale_lock)
        with hub.uow() as uow:  # a substitute for each of the first 300 SKUs
            for i in range(1, 301):
                uow.exceptions.put_substitution(
                    T, Substitution(sku_code(i), sku_code(i + 300), Decimal(1)), "bench", NOW)
            uow.commit()
        with hub.read_uow() as uow:
            held = uow.orders.held_for(T, {"backorder"})[:args.exceptions]
        page = views.list_orders(hub.read_uow, T, status=OrderStatus.ALLOCATED,
                                 limit=min(args.exceptions, 500), pii=PiiView.MASKED)
        alloc_ids = [str(o["id"]) for o in page["items"]]
        print(f"{label}: {len(held)} held and {len(alloc_ids)} allocated orders timed")
        for kind, ids in ((ExceptionKind.HELD, held), (ExceptionKind.AT_RISK, alloc_ids)):
            service_ms: list[float] = []
            pure_ms: list[float] = []
            counts: list[int] = []
            for oid in ids:
                with hub.read_uow() as uow:
                    order = uow.orders.get(T, oid)
                    policy = load_policy(uow, T)
                    t0 = time.perf_counter()
                    remedies = compute_remedies(uow, T, order, kind, NOW, policy)
                    service_ms.append((time.perf_counter() - t0) * 1000)
                    counts.append(len(remedies))
                    # the same inputs, loaded once more, for the pure planner alone
                    network = uow.network.state(T)
                    assert network is not None
                    skus = {ln.sku for ln in order.lines if ln.sku}
                    subs = uow.exceptions.substitutions(T, skus)
                    every = sorted(skus | {s.substitute for s in subs})
                    atp = {k: lv.atp for k, lv in uow.stock.levels(T, every).items()}
                    for k, q in own_reservations(order).items():
                        atp[k] = atp.get(k, 0) + q
                    inp = DeskInput(order, kind, network, uow.catalog.skus_by_code(T, every),
                                    uow.catalog.warehouses(T), atp, NOW, policy, subs)
                t0 = time.perf_counter()
                plan_remedies(inp)
                pure_ms.append((time.perf_counter() - t0) * 1000)
            if ids:
                print(line(f"{kind.value}: service", service_ms, counts))
                print(line(f"{kind.value}: pure planner", pure_ms, counts))
    finally:
        hub.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backends", default="sqlite,postgres")
    ap.add_argument("--exceptions", type=int, default=300)
    ap.add_argument("--orders", type=int, default=3000)
    args = ap.parse_args()
    print(f"orderhub exception remedies, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
          f"{os.cpu_count()} CPUs")
    for backend in args.backends.split(","):
        if backend == "sqlite":
            with tempfile.TemporaryDirectory() as tmp:
                run(f"sqlite:///{Path(tmp) / 'bench.db'}", "sqlite", args)
        elif backend == "postgres":
            schema = f"bench_exc_{int(time.time())}"
            url = pg_schema(schema)
            if url is not None:
                try:
                    run(url, "postgres", args)
                finally:
                    pg_schema(schema, drop=True)
        else:
            raise SystemExit(f"unknown backend {backend}")


if __name__ == "__main__":
    main()
