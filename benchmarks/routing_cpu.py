"""The router's CPU inside intake (issue 13): `plan_orders` alone, in µs per order, over
the batches that `benchmarks/throughput.py` submits (same generator, seed and batch size).

Run from the repository root:

    .venv/bin/python benchmarks/routing_cpu.py [--orders 5000] [--repeats 3]
                                               [--decisions PATH]

The batches are captured from a real SQLite `submit_orders` run (the hub's clock fixed,
so two checkouts capture the same batches): at each call of `pipeline.plan_orders` its
inputs are copied (the orders before intake changes them, the ATP levels, the batch's
network state and routing views). Each captured call is then replayed `--repeats` times,
timed, with no I/O: the best replay per batch is summed. `--decisions` writes every
replayed decision (sites, services, picks, promise, the stored explanation) as JSON, so
the decisions of two checkouts can be compared byte for byte:

    /work/main/.venv/bin/python benchmarks/routing_cpu.py --decisions /tmp/main.json
    .venv/bin/python benchmarks/routing_cpu.py --decisions /tmp/new.json
    cmp /tmp/main.json /tmp/new.json

Nothing here asserts on time; figures are printed.
"""

from __future__ import annotations

import argparse
import copy
import gc
import json
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import throughput
from orderhub.domain.allocation import AllocationStrategy
from orderhub.domain.inventory import StockLevel
from orderhub.domain.order import Order
from orderhub.services.intake import pipeline
from orderhub.services.intake.submit import submit_orders

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 in China, before every cut-off


@dataclass
class Captured:
    """One call of `plan_orders`, its inputs as they were."""

    batch: pipeline.Batch
    strategy: AllocationStrategy
    orders: list[Order]
    levels: dict[tuple[str, str], StockLevel]


def capture(orders: int, batch_size: int, seed: int) -> list[Captured]:
    """Submit `orders` generated drafts in batches on a fresh SQLite hub, recording every
    `plan_orders` call's inputs."""
    calls: list[Captured] = []
    original = pipeline.plan_orders

    def recording(
        batch: pipeline.Batch,
        strategy: AllocationStrategy,
        orders: Sequence[Order],
        levels: Mapping[tuple[str, str], StockLevel],
    ) -> pipeline.Plans:
        calls.append(
            Captured(
                replace(batch, routes=dict(batch.routes), audit=[]),
                strategy,
                copy.deepcopy(list(orders)),
                dict(levels),
            )
        )
        return original(batch, strategy, orders, levels)

    with throughput.fresh_hub("sqlite", "") as (hub, _):
        hub.clock = lambda: NOW
        drafts = throughput.make_drafts(hub, orders, seed, "BENCHBATCH")
        pipeline.plan_orders = recording  # type: ignore[assignment]
        try:
            for i in range(0, len(drafts), batch_size):
                submit_orders(
                    hub.uow,
                    throughput.TENANT,
                    drafts[i : i + batch_size],
                    strategy=hub.strategy,
                    now=NOW,
                    actor="bench",
                    presale_lock=hub.presale_lock,
                    batch=True,
                )
        finally:
            pipeline.plan_orders = original  # type: ignore[assignment]
    return calls


def intake_round(orders: int, batch_size: int, seed: int) -> tuple[float, float, int]:
    """One clean `submit_orders` run as throughput.py's batch mode does it (fresh SQLite
    hub, demo data, drafts made up front): (wall seconds, this process's CPU seconds,
    orders), the CPU including SQLite's, which runs in this process."""
    with throughput.fresh_hub("sqlite", "") as (hub, _):
        hub.clock = lambda: NOW
        drafts = throughput.make_drafts(hub, orders, seed, "BENCHBATCH")
        started, cpu = time.perf_counter(), time.process_time()
        for i in range(0, len(drafts), batch_size):
            submit_orders(
                hub.uow,
                throughput.TENANT,
                drafts[i : i + batch_size],
                strategy=hub.strategy,
                now=NOW,
                actor="bench",
                presale_lock=hub.presale_lock,
                batch=True,
            )
        return time.perf_counter() - started, time.process_time() - cpu, len(drafts)


def decisions_of(plans: pipeline.Plans) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for o, outcome in plans.planned:
        out.append(
            {
                "order": o.external_id,
                "picks": [[p.line_no, p.sku, p.warehouse, p.quantity] for p in outcome.picks],
                "promised": outcome.promised.isoformat() if outcome.promised else None,
                "services": outcome.services,
                "warnings": outcome.warnings,
            }
        )
    for o, reasons in plans.failed:
        out.append({"order": o.external_id, "held": [[r.code.value, r.message] for r in reasons]})
    return out


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--orders", type=int, default=5000)
    p.add_argument("--batch-size", type=int, default=500)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument(
        "--intake-rounds",
        type=int,
        default=0,
        help="instead: time whole submit_orders runs (no capture), best of N",
    )
    p.add_argument("--profile", action="store_true", help="cProfile one replay of all")
    p.add_argument("--sort", default="tottime", help="profile sort key")
    p.add_argument("--decisions", type=Path, help="write the replayed decisions as JSON")
    args = p.parse_args(argv)

    if args.intake_rounds:
        rounds = [
            intake_round(args.orders, args.batch_size, args.seed) for _ in range(args.intake_rounds)
        ]
        n = rounds[0][2]
        wall, cpu = min(r[0] for r in rounds), min(r[1] for r in rounds)
        print(f"submit_orders, SQLite, batches of {args.batch_size}: best of {len(rounds)} rounds")
        print(
            f"  {n / wall:,.0f} orders/s wall, {cpu * 1000 / n:.3f} CPU-ms/order "
            f"(rounds: {', '.join(f'{n / r[0]:,.0f}/s {r[1] * 1000 / n:.3f}' for r in rounds)})"
        )
        return 0
    calls = capture(args.orders, args.batch_size, args.seed)
    planned = sum(len(c.orders) for c in calls)
    # As throughput.py does for the hub (and `orderhub serve` after start-up): what lives
    # long (here the captured batches) leaves the collector's generations.
    gc.collect()
    gc.freeze()
    best: list[float] = [float("inf")] * len(calls)
    best_cpu: list[float] = [float("inf")] * len(calls)
    results: list[pipeline.Plans] = []
    for r in range(args.repeats):
        for i, c in enumerate(calls):
            started, cpu = time.perf_counter(), time.process_time()
            plans = pipeline.plan_orders(c.batch, c.strategy, c.orders, c.levels)
            best_cpu[i] = min(best_cpu[i], time.process_time() - cpu)
            best[i] = min(best[i], time.perf_counter() - started)
            if r == 0:
                results.append(plans)
    total, total_cpu = sum(best), sum(best_cpu)
    print(
        f"plan_orders: {len(calls)} calls, {planned} orders planned, "
        f"best of {args.repeats} per call"
    )
    print(
        f"  {total * 1e6 / planned:8.1f} µs/order wall   ({planned / total:,.0f} orders/s, "
        f"{total * 1000:.1f} ms in all)"
    )
    print(f"  {total_cpu * 1e6 / planned:8.1f} µs/order CPU (this process)")
    allocated = sum(len(p.planned) for p in results)
    print(f"  allocated {allocated}, held {sum(len(p.failed) for p in results)}")
    if args.profile:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        prof.enable()
        for c in calls:
            pipeline.plan_orders(c.batch, c.strategy, c.orders, c.levels)
        prof.disable()
        pstats.Stats(prof).sort_stats(args.sort).print_stats(40)
    if args.decisions:  # by external id: the hub assigns order ids afresh in each run
        ext = {o.id: o.external_id for c in calls for o in c.orders}
        doc = [
            {
                "decisions": decisions_of(p),
                "explanations": {ext[oid]: e for oid, e in p.explanations.items()},
                "demand": sorted([list(k), v] for k, v in p.demand.items()),
            }
            for p in results
        ]
        args.decisions.write_text(
            json.dumps(doc, indent=1, ensure_ascii=False, default=str, sort_keys=True) + "\n"
        )
        print(f"wrote {args.decisions}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
