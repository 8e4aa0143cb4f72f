"""Commit -> subscriber latency of events, for the in-process bus and NATS JetStream, while
orders arrive at a steady rate (default 1,200 orders/s) on the embedded SQLite store.

Run from the repository root:

    .venv/bin/python benchmarks/event_latency.py [--rate 1200] [--seconds 10] [--bus inprocess,nats]

For each event the latency is the time from the commit of the transaction that wrote it to
the moment a subscriber held it: the in-process bus subscriber (called by the outbox relay),
or a durable JetStream consumer (`Hub.consumer`, pull-based, in its own thread) reading
from the stream the relay publishes to. Figures are p50 / p99 / max over every event of the
orders submitted during the run, plus the achieved order and event rates.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from orderhub.adapters.bus.envelope import Envelope
from orderhub.adapters.db import tables as t
from orderhub.adapters.db.migrate import upgrade
from orderhub.adapters.db.outbox_repository import OutboxRepository
from orderhub.bootstrap import Hub, bootstrap
from orderhub.config import Settings
from orderhub.services.intake.submit import submit_orders
from orderhub.services.unit_of_work import UnitOfWork
from orderhub.tools.demo import build_demo
from orderhub.tools.simulation import OrderGenerator, load_prices

TENANT = "default"


@dataclass
class Result:
    bus: str
    orders: int
    seconds: float
    events: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    missing: int

    @property
    def orders_per_s(self) -> float:
        return self.orders / self.seconds

    @property
    def events_per_s(self) -> float:
        return self.events / self.seconds


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _wait_for_empty_outbox(hub: Hub, limit: float = 30.0) -> None:
    deadline = time.time() + limit
    while time.time() < deadline:
        with hub.engine.connect() as conn:
            if OutboxRepository(conn).backlog() == 0:
                return
        time.sleep(0.05)
    raise RuntimeError("the outbox did not drain: is the relay running?")


def run(
    bus: str,
    rate: int,
    seconds: float,
    batch: int,
    nats_url: str,
    workdir: Path,
    warmup: float = 2.0,
) -> Result:
    """One bus. In-process: load, relay and subscriber share one process (the embedded
    default). NATS: the relay (`orderhub relay`) and the consumer run as their own processes,
    as they would in production, so their Python work is not serialised behind the load's."""
    db = workdir / f"{bus}.db"
    suffix = uuid.uuid4().hex[:8]
    env = {
        **os.environ,
        "ORDERHUB_DATABASE_URL": f"sqlite:///{db}",
        "ORDERHUB_NATS_URL": nats_url if bus == "nats" else "",
        "ORDERHUB_NATS_STREAM": f"BENCH{suffix.upper()}",
        "ORDERHUB_NATS_SUBJECT_PREFIX": f"bench{suffix}",
    }
    settings = Settings(
        database_url=env["ORDERHUB_DATABASE_URL"],
        nats_url=env["ORDERHUB_NATS_URL"] or None,
        nats_stream=env["ORDERHUB_NATS_STREAM"],
        nats_subject_prefix=env["ORDERHUB_NATS_SUBJECT_PREFIX"],
    )
    hub = bootstrap(settings)
    upgrade(hub.engine)
    build_demo(hub, TENANT)
    gen = OrderGenerator(
        seed=11, sku_prices=load_prices(hub, TENANT), prefix=f"LAT{suffix}", unknown_sku_rate=0.0
    )
    commit_at: list[float] = []
    received: list[tuple[str, float]] = []
    procs: list[subprocess.Popen[bytes]] = []
    probe_out = workdir / f"{bus}-probe.tsv"

    if bus == "nats":
        assert hub.nats is not None
        hub.nats.run(hub.nats.js())  # creates the stream
        probe = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("_latency_probe.py")), str(probe_out)],
            env=env,
            stdout=subprocess.PIPE,
        )
        assert probe.stdout is not None
        probe.stdout.readline()  # "ready"
        relay = subprocess.Popen(
            [sys.executable, "-m", "orderhub", "relay", "--poll", "0.005"],
            env=env,
            stdout=subprocess.DEVNULL,
        )
        procs = [relay, probe]

        def uow() -> UnitOfWork:
            return UnitOfWork(hub.engine, keyring=hub.keyring, audit_key=hub.audit_key,
                              network_cache=hub.network_cache,
                              on_commit=lambda _n: commit_at.append(time.time()))
    else:
        lock = threading.Lock()

        def on_event(e: Envelope) -> None:
            now = time.time()
            with lock:
                received.append((e.subject, now))

        hub.relay.drain()
        hub.bus.subscribe("*", on_event)
        hub.relay.start(poll_seconds=0.05)

        def uow() -> UnitOfWork:
            def committed(_n: int) -> None:
                commit_at.append(time.time())
                hub.relay.notify()

            return UnitOfWork(hub.engine, keyring=hub.keyring, audit_key=hub.audit_key,
                              network_cache=hub.network_cache, on_commit=committed)

    def load(duration: float) -> tuple[dict[str, float], float]:
        committed: dict[str, float] = {}
        interval = batch / rate
        started = time.perf_counter()
        for i in range(int(duration * rate / batch)):
            pause = started + i * interval - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            now = hub.clock()
            drafts = [gen.draft(now) for _ in range(batch)]
            results = submit_orders(
                uow,
                TENANT,
                drafts,
                strategy=hub.strategy,
                now=now,
                actor="bench",
                presale_lock=hub.presale_lock,
            )
            for r in results:
                if r.order_id:
                    committed[r.order_id] = commit_at[-1]
        return committed, time.perf_counter() - started

    def outbox_rows() -> int:
        with hub.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(t.outbox)).scalar_one())

    load(warmup)  # not measured: connections, statement caches and the WAL settle first
    before = outbox_rows()
    order_commit, elapsed = load(seconds)
    written = outbox_rows() - before

    _wait_for_empty_outbox(hub)
    time.sleep(1.0)  # let the last events reach the subscriber
    if bus == "nats":
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            p.wait(30)
        for line in probe_out.read_text().splitlines():
            subject, at = line.split("\t")
            received.append((subject, float(at)))
        assert hub.nats is not None

        async def drop() -> None:
            js = await hub.nats.js()  # type: ignore[union-attr]
            await js.delete_stream(hub.nats.stream)  # type: ignore[union-attr]

        hub.nats.run(drop())
    lat = [(at - order_commit[s]) * 1000 for s, at in received if s in order_commit]
    hub.close()
    return Result(
        bus,
        len(order_commit),
        elapsed,
        len(lat),
        statistics.median(lat),
        percentile(lat, 0.99),
        max(lat),
        max(0, written - len(lat)),
    )


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rate", type=int, default=1200, help="orders per second offered")
    ap.add_argument("--seconds", type=float, default=10.0, help="length of the load")
    ap.add_argument("--batch", type=int, default=50, help="orders per intake transaction")
    ap.add_argument(
        "--warmup",
        type=float,
        default=2.0,
        help="seconds of the same load before measuring (0: measure from cold)",
    )
    ap.add_argument("--bus", default="inprocess,nats", help="inprocess, nats or both")
    ap.add_argument(
        "--nats-url", default=os.environ.get("ORDERHUB_BENCH_NATS_URL", "nats://127.0.0.1:4222")
    )
    args = ap.parse_args(argv)
    print(
        f"event latency: {args.rate} orders/s offered for {args.seconds:.0f} s in batches "
        f"of {args.batch}; Python {sys.version.split()[0]}, {os.cpu_count()} CPUs"
    )
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for bus in [b.strip() for b in args.bus.split(",") if b.strip()]:
            print(f"running {bus} ...", flush=True)
            rows.append(
                run(bus, args.rate, args.seconds, args.batch, args.nats_url, Path(tmp), args.warmup)
            )
    print()
    print(
        f"{'bus':>10} {'orders':>7} {'orders/s':>9} {'events':>7} {'events/s':>9} "
        f"{'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} {'missing':>7}"
    )
    for r in rows:
        print(
            f"{r.bus:>10} {r.orders:>7} {r.orders_per_s:>9,.0f} {r.events:>7} "
            f"{r.events_per_s:>9,.0f} {r.p50_ms:>7.1f} {r.p99_ms:>7.1f} {r.max_ms:>7.1f} "
            f"{r.missing:>7}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
