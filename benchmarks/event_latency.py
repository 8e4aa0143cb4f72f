"""Commit -> consumer latency of events, for the in-process bus and NATS JetStream, while
orders arrive at a steady rate on the embedded SQLite store; and how fast the relay drains a
backlog to NATS. Exits 1 when any event is missing or was delivered twice (by id).

Run from the repository root:

    .venv/bin/python benchmarks/event_latency.py [--rate 2000] [--seconds 10]
        [--bus inprocess,nats] [--source intake|outbox] [--relays 1] [--drain 20000]

For each event the latency is the time from the commit of the transaction that wrote it to
the moment a subscriber held it: the in-process bus subscriber (called by the outbox relay
in the load's process), or a durable JetStream consumer (`Hub.consumer`, the way the
webhook fan-out reads, in a process of its own) reading from the stream that the relay
(`orderhub relay`, its own process; `--relays 2` starts a standby too) publishes to.

`--source intake` (default) writes orders through `submit_orders` (routing, audit, outbox:
the path the API uses), so the offered rate is capped by intake's own speed on this
machine; `--source outbox` writes the same events (4 per order) straight into the outbox in
transactions of `--batch` orders, which isolates the event path at rates intake cannot
reach here. Figures are p50 / p99 / max over every event of the measured window, the
achieved order and event rates, and the events missing or duplicated at the consumer
(duplicates counted before the consumer's inbox drops them, and in the stream).
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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

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
EVENTS_PER_ORDER = 4  # what one routed order writes (created, routed, reserved, allocated)


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
    duplicates: int

    @property
    def orders_per_s(self) -> float:
        return self.orders / self.seconds

    @property
    def events_per_s(self) -> float:
        return self.events / self.seconds


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def _backlog(hub: Hub) -> int:
    with hub.engine.connect().execution_options(sqlite_begin="DEFERRED") as conn:
        return OutboxRepository(conn).backlog()


def _wait_for_empty_outbox(hub: Hub, limit: float = 60.0) -> None:
    deadline = time.time() + limit
    while time.time() < deadline:
        if _backlog(hub) == 0:
            return
        time.sleep(0.05)
    raise RuntimeError("the outbox did not drain: is the relay running?")


def _database(db: Path, pg_url: str) -> str:
    """A fresh SQLite file, or a fresh schema of the PostgreSQL database at `pg_url`."""
    if not pg_url:
        return f"sqlite:///{db}"
    from sqlalchemy import create_engine, text

    from orderhub.adapters.db.engine import normalise_url

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(normalise_url(pg_url))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    _SCHEMAS.append(schema)
    return f"{pg_url}{'&' if '?' in pg_url else '?'}options=-csearch_path%3D{schema}"


_SCHEMAS: list[str] = []


def _drop_schemas(pg_url: str) -> None:
    from sqlalchemy import create_engine, text

    from orderhub.adapters.db.engine import normalise_url

    admin = create_engine(normalise_url(pg_url))
    with admin.begin() as conn:
        for schema in _SCHEMAS:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def _settings(db: Path, nats_url: str, pg_url: str = "") -> tuple[Settings, dict[str, str]]:
    suffix = uuid.uuid4().hex[:8]
    env = {
        **os.environ,
        "ORDERHUB_DATABASE_URL": _database(db, pg_url),
        "ORDERHUB_NATS_URL": nats_url,
        "ORDERHUB_NATS_STREAM": f"BENCH{suffix.upper()}",
        "ORDERHUB_NATS_SUBJECT_PREFIX": f"bench{suffix}",
    }
    settings = Settings(
        database_url=env["ORDERHUB_DATABASE_URL"],
        nats_url=nats_url or None,
        nats_stream=env["ORDERHUB_NATS_STREAM"],
        nats_subject_prefix=env["ORDERHUB_NATS_SUBJECT_PREFIX"],
    )
    return settings, env


def _drop_stream(hub: Hub) -> int:
    """Delete the run's stream; returns how many messages it held."""
    nats = hub.nats
    assert nats is not None

    async def drop() -> int:
        js = await nats.js()
        messages = int((await js.stream_info(nats.stream)).state.messages)
        await js.delete_stream(nats.stream)
        return messages

    return nats.run(drop())


def _outbox_rows(hub: Hub) -> int:
    with hub.engine.connect().execution_options(sqlite_begin="DEFERRED") as conn:
        return int(conn.execute(select(func.count()).select_from(t.outbox)).scalar_one())


def run(
    bus: str,
    source: str,
    rate: int,
    seconds: float,
    batch: int,
    nats_url: str,
    workdir: Path,
    warmup: float = 2.0,
    relays: int = 1,
    pg_url: str = "",
) -> Result:
    """One bus. In-process: load, relay and subscriber share one process (the embedded
    default). NATS: the relay (`orderhub relay`) and the consumer run as their own processes,
    as they would in production, so their Python work is not serialised behind the load's."""
    settings, env = _settings(
        workdir / f"{bus}-{source}.db", nats_url if bus == "nats" else "", pg_url
    )
    hub = bootstrap(settings)
    upgrade(hub.engine)
    build_demo(hub, TENANT)
    commit_at: list[float] = []
    received: dict[str, list[float]] = {}
    procs: list[subprocess.Popen[bytes]] = []
    probe_out = workdir / f"{bus}-{source}-probe.tsv"
    lock = threading.Lock()
    notify: Callable[[], None] = lambda: None  # noqa: E731

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
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "orderhub", "relay", "--poll", "0.005"],
                env=env,
                stdout=subprocess.DEVNULL,
            )
            for _ in range(relays)
        ]
        procs.append(probe)
    else:

        def on_event(e: Envelope) -> None:
            now = time.time()
            with lock:
                received.setdefault(e.id, []).append(now)

        hub.relay.drain()
        hub.bus.subscribe("*", on_event)
        hub.relay.start(poll_seconds=0.05)
        notify = hub.relay.notify

    def uow() -> UnitOfWork:
        def committed(_n: int) -> None:
            commit_at.append(time.time())
            notify()

        return UnitOfWork(
            hub.engine,
            keyring=hub.keyring,
            audit_key=hub.audit_key,
            network_cache=hub.network_cache,
            on_commit=committed,
        )

    gen = OrderGenerator(
        seed=11,
        sku_prices=load_prices(hub, TENANT),
        prefix=f"LAT{uuid.uuid4().hex[:6]}",
        unknown_sku_rate=0.0,
    )

    def write_intake() -> dict[str, float]:
        now = hub.clock()
        drafts = [gen.draft(now) for _ in range(batch)]
        results = submit_orders(
            uow, TENANT, drafts, strategy=hub.strategy, now=now, actor="bench",
            presale_lock=hub.presale_lock,
        )  # fmt: skip
        return {r.order_id: commit_at[-1] for r in results if r.order_id}

    def write_outbox() -> dict[str, float]:
        now = datetime.now(UTC)
        rows: list[dict[str, Any]] = []
        for _ in range(batch):
            order_id = f"ord_{uuid.uuid4().hex[:20]}"
            for seq, etype in enumerate(("OrderCreated", "OrderRouted", "StockReserved",
                                         "OrderAllocated"), 1):  # fmt: skip
                rows.append({
                    "event_id": f"evt_{uuid.uuid4().hex[:20]}", "tenant_id": TENANT,
                    "order_id": order_id, "seq": seq, "type": etype, "status": "allocated",
                    "actor": "bench", "reason": "",
                    "data": {"channel": "web", "warehouse": "WH-SH", "lines": [
                        {"sku": "SKU-1", "qty": 2, "price": "19.90"}]},
                    "occurred_at": now,
                })  # fmt: skip
        with hub.engine.begin() as conn:
            conn.execute(t.outbox.insert(), rows)
        at = time.time()
        commit_at.append(at)
        notify()
        return {r["order_id"]: at for r in rows}

    write = write_intake if source == "intake" else write_outbox

    def load(duration: float) -> tuple[dict[str, float], float]:
        committed: dict[str, float] = {}
        interval = batch / rate
        started = time.perf_counter()
        for i in range(int(duration * rate / batch)):
            pause = started + i * interval - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            committed.update(write())
        return committed, time.perf_counter() - started

    load(warmup)  # not measured: connections, statement caches and the WAL settle first
    _wait_for_empty_outbox(hub)  # and the relay process is up
    order_commit, elapsed = load(seconds)
    with hub.engine.connect().execution_options(sqlite_begin="DEFERRED") as conn:
        expected = {
            event_id: order_commit[order_id]
            for event_id, order_id in conn.execute(
                select(t.outbox.c.event_id, t.outbox.c.order_id).where(
                    t.outbox.c.order_id.in_(list(order_commit))
                )
            )
        }
    _wait_for_empty_outbox(hub)

    def read_probe() -> None:
        if probe_out.exists():
            received.clear()
            for line in probe_out.read_text().splitlines():
                event_id, _, at = line.partition("\t")
                if at:
                    received.setdefault(event_id, []).append(float(at))

    deadline = time.time() + 30
    while time.time() < deadline:  # the last events reach the consumer
        if bus == "nats":
            read_probe()
        with lock:
            if all(e in received for e in expected):
                break
        time.sleep(0.2)
    time.sleep(0.5)  # a late duplicate would show now
    duplicates = 0
    if bus == "nats":
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            p.wait(30)
        read_probe()
        raw = Path(f"{probe_out}.raw")
        lines = [ln.partition("\t") for ln in raw.read_text().splitlines() if ln]
        fetched = {k: int(n) for k, _, n in lines}
        duplicates = sum(n - 1 for k, n in fetched.items() if k in expected and n > 1)
        in_stream = _drop_stream(hub)
        duplicates += max(0, in_stream - _outbox_rows(hub))  # a stored copy twice by id
    else:
        hub.relay.stop()
    duplicates += sum(len(v) - 1 for k, v in received.items() if k in expected and len(v) > 1)
    lat = [(received[e][0] - at) * 1000 for e, at in expected.items() if e in received]
    missing = sum(1 for e in expected if e not in received)
    hub.close()
    return Result(
        bus,
        len(order_commit),
        elapsed,
        len(lat),
        statistics.median(lat) if lat else float("nan"),
        percentile(lat, 0.99),
        max(lat, default=float("nan")),
        missing,
        duplicates,
    )


def drain_rate(events: int, nats_url: str, workdir: Path) -> float:
    """Events per second the relay publishes from a backlog of `events` to NATS (one
    relay, in this process, batches of the configured size, acknowledgements awaited)."""
    settings, _ = _settings(workdir / "drain.db", nats_url)
    hub = bootstrap(settings)
    upgrade(hub.engine)
    now = datetime.now(UTC)
    rows = [
        {
            "event_id": f"evt_{uuid.uuid4().hex[:20]}", "tenant_id": TENANT,
            "order_id": f"ord_{i // EVENTS_PER_ORDER:020d}", "seq": i % EVENTS_PER_ORDER,
            "type": "OrderAllocated", "status": "allocated", "actor": "bench", "reason": "",
            "data": {"channel": "web", "warehouse": "WH-SH",
                     "lines": [{"sku": "SKU-1", "qty": 2, "price": "19.90"}]},
            "occurred_at": now,
        }
        for i in range(events)
    ]  # fmt: skip
    with hub.engine.begin() as conn:
        conn.execute(t.outbox.insert(), rows)
    assert hub.nats is not None
    hub.nats.run(hub.nats.js())
    started = time.perf_counter()
    published = hub.relay.drain()
    elapsed = time.perf_counter() - started
    in_stream = _drop_stream(hub)
    hub.close()
    if published != events or in_stream != events:
        raise RuntimeError(f"drained {published}, stream holds {in_stream}, wrote {events}")
    return events / elapsed


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--rate", type=int, default=1200, help="orders per second offered")
    ap.add_argument("--seconds", type=float, default=10.0, help="length of the load")
    ap.add_argument("--batch", type=int, default=50, help="orders per transaction")
    ap.add_argument(
        "--warmup",
        type=float,
        default=2.0,
        help="seconds of the same load before measuring (0: measure from cold)",
    )
    ap.add_argument("--bus", default="inprocess,nats", help="inprocess, nats or both")
    ap.add_argument("--source", default="intake", choices=["intake", "outbox"])
    ap.add_argument("--relays", type=int, default=1, help="relay processes (NATS; one active)")
    ap.add_argument(
        "--drain", type=int, default=0, help="also time the relay draining this many events"
    )
    ap.add_argument(
        "--pg",
        default="",
        metavar="URL",
        help="run on PostgreSQL (a fresh schema of this database) instead of SQLite",
    )
    ap.add_argument(
        "--nats-url", default=os.environ.get("ORDERHUB_BENCH_NATS_URL", "nats://127.0.0.1:4222")
    )
    args = ap.parse_args(argv)
    print(
        f"event latency: {args.rate} orders/s offered for {args.seconds:.0f} s in batches "
        f"of {args.batch}, source {args.source}, {'PostgreSQL' if args.pg else 'SQLite'}; "
        f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs"
    )
    rows = []
    drained = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for bus in [b.strip() for b in args.bus.split(",") if b.strip()]:
            print(f"running {bus} ...", flush=True)
            rows.append(
                run(
                    bus, args.source, args.rate, args.seconds, args.batch, args.nats_url,
                    Path(tmp), args.warmup, args.relays, args.pg,
                )
            )  # fmt: skip
        if args.drain:
            drained = drain_rate(args.drain, args.nats_url, Path(tmp))
    if args.pg:
        _drop_schemas(args.pg)
    print()
    print(
        f"{'bus':>10} {'orders':>7} {'orders/s':>9} {'events':>7} {'events/s':>9} "
        f"{'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} {'missing':>7} {'dup':>5}"
    )
    for r in rows:
        print(
            f"{r.bus:>10} {r.orders:>7} {r.orders_per_s:>9,.0f} {r.events:>7} "
            f"{r.events_per_s:>9,.0f} {r.p50_ms:>7.1f} {r.p99_ms:>7.1f} {r.max_ms:>7.1f} "
            f"{r.missing:>7} {r.duplicates:>5}"
        )
    if args.drain:
        print(f"\nrelay -> NATS JetStream, backlog of {args.drain:,}: {drained:,.0f} events/s")
    bad = [r.bus for r in rows if r.missing or r.duplicates]
    if bad:
        print(f"FAILED: events missing or duplicated on {', '.join(bad)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
