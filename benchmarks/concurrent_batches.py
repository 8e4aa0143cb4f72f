"""Concurrent batch intake on PostgreSQL (issue 13 item 6): N clients, each a thread
submitting batches of 500 generated orders through `submit_orders` (one transaction per
batch, as `POST /v1/orders/batch` does in one API process), at 4 and 16 clients in the same
run, printing orders/s and p50/p99 per batch; and what the sessions waited on, sampled
every 100 ms from a separate connection during each arm: `pg_stat_activity` wait events of
the benchmark's active sessions (by wait_event_type/wait_event; "running" when none) and
ungranted `pg_locks` (by lock type, relation and the waiting statement's first words).

    .venv/bin/python benchmarks/concurrent_batches.py [--clients 4,16] [--batches 32]
        [--rounds 1] [--pg-url URL]

Every arm runs on a fresh database (migrated, the demo data set loaded) and submits the
same orders (`--batches` batches from one seed, split over its clients, after two warm-up
batches from one client), so arms differ only in how many clients run at once. Arms
alternate (4, 16, 4, 16, ... with `--rounds`). Run main's code with
`PYTHONPATH=/work/main/src` (the script prints which `orderhub` it imported). Figures vary
with the machine's load (printed before and after): compare the arms within one run.
"""

from __future__ import annotations

import argparse
import os
import platform
import secrets
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

import orderhub
from orderhub.bootstrap import Hub
from orderhub.services.intake.drafts import OrderDraft
from orderhub.services.intake.submit import submit_orders
from throughput import DEFAULT_PG_URL, TENANT, fresh_hub, make_drafts, percentile

BATCH = 500
APP = f"ohbench_{secrets.token_hex(3)}"

# The benchmark's sessions only (the database is shared with other work): by application_name.
_ACTIVITY = text("""
    SELECT coalesce(wait_event_type, 'running') AS t, coalesce(wait_event, '-') AS e
    FROM pg_stat_activity
    WHERE application_name = :app AND state = 'active'
""")
_LOCK_WAITS = text("""
    SELECT l.locktype, coalesce(c.relname, '-') AS rel, l.mode,
           left(regexp_replace(a.query, '\\s+', ' ', 'g'), 50) AS q,
           coalesce((SELECT string_agg(DISTINCT b.state || ': '
                                       || left(regexp_replace(b.query, '\\s+', ' ', 'g'), 40),
                                       ' / ')
                     FROM pg_stat_activity b
                     WHERE b.pid = ANY(pg_blocking_pids(l.pid))), '?') AS blocker
    FROM pg_locks l
    JOIN pg_stat_activity a ON a.pid = l.pid
    LEFT JOIN pg_class c ON c.oid = l.relation
    WHERE NOT l.granted AND a.application_name = :app
""")


class Sampler(threading.Thread):
    """Samples wait events and lock waits every `period` seconds until stopped."""

    def __init__(self, url: str, period: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.engine = create_engine(url, poolclass=NullPool)
        self.period = period
        self.stop = threading.Event()
        self.samples = 0
        self.sessions = 0  # active session-samples
        self.waits: Counter[tuple[str, str]] = Counter()
        self.locks: Counter[tuple[str, str, str, str]] = Counter()
        self.blockers: Counter[str] = Counter()  # what the waiters' blockers were doing

    def run(self) -> None:
        with self.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT")
            while not self.stop.is_set():
                for t, e in conn.execute(_ACTIVITY, {"app": APP}):
                    self.waits[(t, e)] += 1
                    self.sessions += 1
                for row in conn.execute(_LOCK_WAITS, {"app": APP}):
                    self.locks[(row[0], row[1], row[2], row[3])] += 1
                    for b in str(row[4]).split(" / "):
                        self.blockers[b] += 1
                self.samples += 1
                self.stop.wait(self.period)
        self.engine.dispose()

    def report(self, top: int = 10) -> None:
        n = max(self.samples, 1)
        print(f"  {self.samples} samples; active sessions per sample {self.sessions / n:.1f}")
        print("  wait events (share of active session-samples, mean sessions per sample):")
        for (t, e), c in self.waits.most_common(top):
            print(f"    {t:>10s} {e:<24s} {100 * c / max(self.sessions, 1):5.1f}%  {c / n:5.2f}")
        if not self.locks:
            print("  lock waits: none sampled")
            return
        print("  ungranted locks (mean waiters per sample): type relation mode | statement")
        for (lt, rel, mode, q), c in self.locks.most_common(top):
            print(f"    {c / n:5.2f}  {lt} {rel} {mode} | {q}")
        print("  the waiters' blockers (state: statement; mean per sample):")
        for b, c in self.blockers.most_common(6):
            print(f"    {c / n:5.2f}  {b}")


@contextmanager
def tagged(url: str) -> Iterator[str]:
    """The URL with this run's application_name, so the sampler sees only our sessions."""
    sep = "&" if "?" in url else "?"
    yield f"{url}{sep}application_name={APP}"


class LockedReplans:
    """Counts batches whose optimistic reservation failed (stock moved since their snapshot)
    and which planned again from row-locked levels (`StockRepository.levels(lock=True)`,
    intake/pipeline.py's `reserve_stock`): each holds every stock row of its SKUs until
    it commits. Patched on the repository class, so main's code is counted too."""

    def __init__(self) -> None:
        from orderhub.adapters.db.stock_repository import StockRepository

        self.count = 0
        self._lock = threading.Lock()
        self._cls = StockRepository
        self._levels = original = StockRepository.levels
        counter = self

        def levels(repo: Any, tenant_id: str, skus: Any, *, lock: bool = False) -> Any:
            if lock:
                with counter._lock:
                    counter.count += 1
            return original(repo, tenant_id, skus, lock=lock)

        StockRepository.levels = levels  # type: ignore[method-assign,assignment]

    def close(self) -> None:
        self._cls.levels = self._levels  # type: ignore[method-assign]


def run_arm(
    hub: Hub, drafts: list[OrderDraft], clients: int, batches: int, url: str
) -> dict[str, float]:
    """`batches` batches over `clients` threads, all started together."""
    chunks = [drafts[i : i + BATCH] for i in range(0, batches * BATCH, BATCH)]
    per_client = [chunks[k::clients] for k in range(clients)]
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    errors: list[BaseException] = []
    lock = threading.Lock()
    go = threading.Barrier(clients + 1)

    def client(mine: list[list[OrderDraft]]) -> None:
        go.wait()
        for batch in mine:
            t0 = time.perf_counter()
            try:
                results = submit_orders(
                    hub.uow,
                    TENANT,
                    batch,
                    strategy=hub.strategy,
                    now=hub.clock(),
                    actor="bench",
                    presale_lock=hub.presale_lock,
                )
            except BaseException as exc:  # reported after the arm
                with lock:
                    errors.append(exc)
                return
            with lock:
                latencies.append(time.perf_counter() - t0)
                statuses.update(str(r.status) for r in results)

    threads = [threading.Thread(target=client, args=(m,)) for m in per_client]
    for th in threads:
        th.start()
    sampler = Sampler(url)
    replans = LockedReplans()
    sampler.start()
    go.wait()
    started = time.perf_counter()
    for th in threads:
        th.join()
    seconds = time.perf_counter() - started
    sampler.stop.set()
    sampler.join()
    replans.close()
    if errors:
        raise RuntimeError(f"{len(errors)} batches failed; first: {errors[0]!r}")
    n = len(latencies) * BATCH
    print(
        f"{clients:3d} clients  {n / seconds:7.0f} orders/s  batch p50 "
        f"{1000 * percentile(latencies, 50):6.0f} ms  p99 {1000 * percentile(latencies, 99):6.0f}"
        f" ms  ({len(latencies)} batches, {seconds:.1f} s)"
    )
    print(
        "  orders: "
        + ", ".join(f"{k} {v}" for k, v in statuses.most_common())
        + f"; batches re-planned under stock row locks: {replans.count}"
    )
    sampler.report()
    return {"rate": n / seconds, "p50": percentile(latencies, 50)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--clients", default="4,16", help="comma-separated client counts")
    p.add_argument("--batches", type=int, default=32, help="batches of 500 per arm")
    p.add_argument("--rounds", type=int, default=1, help="times each arm runs (alternating)")
    p.add_argument("--pg-url", default=os.environ.get("ORDERHUB_BENCH_PG_URL", DEFAULT_PG_URL))
    args = p.parse_args()
    counts = [int(x) for x in args.clients.split(",")]
    print(
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}  {platform.node()}  "
        f"{os.cpu_count()} CPUs  load(1 min) before {os.getloadavg()[0]:.2f}"
    )
    print(f"orderhub from {Path(orderhub.__file__).parent}")
    rates: dict[int, list[float]] = {c: [] for c in counts}
    with tagged(args.pg_url) as url:
        for _ in range(args.rounds):
            for c in counts:
                # Each arm on a fresh database (the demo's stock, the same orders): the
                # demo's best sellers run low as orders accumulate, and a later arm would
                # otherwise plan against less stock than an earlier one.
                with fresh_hub("postgres", url) as (hub, _setup):
                    hub_url = hub.engine.url.render_as_string(hide_password=False)
                    drafts = make_drafts(hub, BATCH * (args.batches + 2), 23, "CB")
                    for i in range(2):  # warm-up, one client, not counted
                        submit_orders(
                            hub.uow,
                            TENANT,
                            drafts[i * BATCH : (i + 1) * BATCH],
                            strategy=hub.strategy,
                            now=hub.clock(),
                            actor="bench",
                            presale_lock=hub.presale_lock,
                        )
                    arm = run_arm(hub, drafts[2 * BATCH :], c, args.batches, hub_url)
                    rates[c].append(arm["rate"])
    base = max(rates[counts[0]])
    print(
        "\nbest orders/s per arm: "
        + ", ".join(
            f"{c} clients {max(r):.0f} ({max(r) / base:.2f}x of {counts[0]})"
            for c, r in rates.items()
        )
    )
    print(f"load(1 min) after {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
