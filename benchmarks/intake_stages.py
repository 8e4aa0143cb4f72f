"""What the pipeline's stages before planning cost per order: `load_batch`,
`validate_orders` and `screen_anomalies` (with the anomaly detector's own parts), timed
around the very functions `run_pipeline` calls, over generated orders submitted through
`submit_orders` in batches of 500 (routing on, validation, audit and outbox included).

    .venv/bin/python benchmarks/intake_stages.py [--orders 5000] [--backends sqlite]
                                                 [--rounds 1] [--history 0]

The detector scores with the model in `<key_dir>/anomaly-models/` when one is current
(none in a fresh checkout: the rules score). `--history N` submits N more batches of 500
before the timed ones (not timed), so the reads meet a longer history; `--no-gc` turns the
cyclic GC off while timing (a full collection lands in whichever stage allocates when it
falls due, which moves a stage's figure by tens of ms a batch). Prints µs per order
(wall, no profiler) of each stage and of the whole batch call, and each stage's share of
the whole. To compare
two versions of the code in one run, run this script twice in the same shell with
PYTHONPATH pointing at each `src` (interleave with `--rounds`).
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from orderhub.services.anomaly import detection
from orderhub.services.intake import pipeline
from orderhub.services.intake.submit import submit_orders
from throughput import DEFAULT_PG_URL, TENANT, fresh_hub, make_drafts

BATCH = 500
STAGES = ("load_batch", "validate_orders", "screen_anomalies")
SCREEN_PARTS = ("key_facts", "recent", "assess", "record", "record_detections")


def timed(name: str, fn: Callable[..., Any], totals: dict[str, float]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        t0, c0 = time.perf_counter(), time.thread_time()
        try:
            return fn(*args, **kwargs)
        finally:
            totals[name] += time.perf_counter() - t0
            totals[f"{name} cpu"] += time.thread_time() - c0

    return wrapper


def install(totals: dict[str, float]) -> Callable[[], None]:
    """Wrap the stages (module globals `run_pipeline` looks up) and the detector's parts;
    returns the function that undoes it."""
    undo: list[tuple[Any, str, Any]] = []

    def wrap(owner: Any, attr: str, name: str) -> None:
        original = getattr(owner, attr)
        undo.append((owner, attr, original))
        setattr(owner, attr, timed(name, original, totals))

    for stage in STAGES:
        wrap(pipeline, stage, stage)
    if hasattr(detection, "assess"):
        wrap(detection, "assess", "screen.assess")
    repo_cls = _anomaly_repository_class()
    for part in ("key_facts", "recent", "record", "record_detections"):
        if hasattr(repo_cls, part):
            wrap(repo_cls, part, f"screen.{part}")

    def restore() -> None:
        for owner, attr, original in reversed(undo):
            setattr(owner, attr, original)

    return restore


def _anomaly_repository_class() -> Any:
    from orderhub.adapters.db.anomaly_repository import AnomalyRepository

    return AnomalyRepository


def one_run(
    backend: str, orders: int, seed: int, pg_url: str, history: int = 0, no_gc: bool = False
) -> dict[str, float]:
    totals: dict[str, float] = defaultdict(float)
    with fresh_hub(backend, pg_url) as (hub, _):
        warm = make_drafts(hub, BATCH * (1 + history), seed + 1000, "WARMUP")
        for i in range(0, len(warm), BATCH):
            submit_orders(
                hub.uow,
                TENANT,
                warm[i : i + BATCH],
                strategy=hub.strategy,
                now=hub.clock(),
                actor="bench",
                presale_lock=hub.presale_lock,
            )
        drafts = make_drafts(hub, orders, seed, "STAGES")
        restore = install(totals)
        if no_gc:
            gc.collect()
            gc.disable()
        try:
            started, cpu = time.perf_counter(), time.thread_time()
            for i in range(0, len(drafts), BATCH):
                submit_orders(
                    hub.uow,
                    TENANT,
                    drafts[i : i + BATCH],
                    strategy=hub.strategy,
                    now=hub.clock(),
                    actor="bench",
                    presale_lock=hub.presale_lock,
                )
            totals["whole batch call"] = time.perf_counter() - started
            totals["whole batch call cpu"] = time.thread_time() - cpu
        finally:
            gc.enable()
            restore()
    return {k: v / orders * 1e6 for k, v in totals.items()}


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--orders", type=int, default=5000)
    p.add_argument("--backends", default="sqlite")
    p.add_argument("--rounds", type=int, default=1)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--label", default="", help="a label printed with the figures")
    p.add_argument(
        "--no-gc",
        action="store_true",
        help="the cyclic GC off while timing: a full collection (tens of ms on this heap) "
        "otherwise lands in whichever stage allocates when it falls due",
    )
    p.add_argument(
        "--history", type=int, default=0, help="batches of 500 submitted before the timed ones"
    )
    args = p.parse_args(argv)
    pg_url = os.environ.get("ORDERHUB_BENCH_PG_URL", DEFAULT_PG_URL)
    for backend in args.backends.split(","):
        runs = [
            one_run(backend, args.orders, args.seed, pg_url, args.history, args.no_gc)
            for _ in range(args.rounds)
        ]
        names = sorted(
            {k for r in runs for k in r if not k.endswith(" cpu")},
            key=lambda k: (k == "whole batch call", k.startswith("screen."), k),
        )
        print(
            f"\n{args.label} {backend}: {args.orders} orders, batches of {BATCH}, after "
            f"{1 + args.history} batches of history; µs per order, wall and CPU (this "
            f"thread), best of {args.rounds} rounds{', GC off' if args.no_gc else ''}"
        )
        whole = min(r["whole batch call"] for r in runs)
        whole_cpu = min(r["whole batch call cpu"] for r in runs)
        own = own_cpu = 0.0
        for k in names:
            wall = min(r.get(k, 0.0) for r in runs)
            cpu = min(r.get(f"{k} cpu", 0.0) for r in runs)
            if k in STAGES:
                own, own_cpu = own + wall, own_cpu + cpu
            print(
                f"  {k:<24} wall {wall:8.1f} ({wall / whole:6.1%})   "
                f"CPU {cpu:8.1f} ({cpu / whole_cpu:6.1%})"
            )
        print(
            f"  {'load+validate+screen':<24} wall {own:8.1f} ({own / whole:6.1%})   "
            f"CPU {own_cpu:8.1f} ({own_cpu / whole_cpu:6.1%})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
