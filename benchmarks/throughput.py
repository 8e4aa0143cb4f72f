"""End-to-end intake throughput: generated orders through `submit_orders` on SQLite and
PostgreSQL, in batches and one order per transaction.

Run from the repository root:

    .venv/bin/python benchmarks/throughput.py [--orders 20000] [--backends sqlite,postgres]
    .venv/bin/python benchmarks/throughput.py --pii-compare [--backends sqlite]

`--pii-compare` measures what encrypting personal data at rest costs: batch mode with the
real cipher and with a null cipher injected here (the benchmark's own class: there is no
setting that turns encryption off), interleaved, and the decryption of a 1,000-order list
page.

See benchmarks/README.md for what is measured and how to read the figures.
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import gc
import json
import os
import platform
import pstats
import secrets
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy
from sqlalchemy import Engine, create_engine, func, make_url, select, text
from sqlalchemy.pool import NullPool

import orderhub.bootstrap
from orderhub.adapters.channels.base import ChannelLine, ChannelOrder
from orderhub.adapters.channels.registry import ADAPTERS, render, sign
from orderhub.adapters.china_address import complete_addresses
from orderhub.adapters.crypto.keyring import Keyring, PiiCipher
from orderhub.adapters.db import tables as t
from orderhub.adapters.db.engine import normalise_url
from orderhub.adapters.db.migrate import upgrade
from orderhub.bootstrap import Hub, bootstrap
from orderhub.config import get_settings
from orderhub.domain.lifecycle import OrderStatus
from orderhub.domain.order import Address
from orderhub.domain.privacy import PiiView
from orderhub.services.intake.drafts import OrderDraft
from orderhub.services.intake.submit import Outcome, ingest_channel_orders, submit_orders
from orderhub.services.orders import views
from orderhub.tools.demo import build_demo
from orderhub.tools.simulation import OrderGenerator, load_prices

sys.path.insert(0, str(Path(__file__).resolve().parent))
import intake_floor

TENANT = "default"
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
BACKENDS = ("sqlite", "postgres")


class PostgresUnavailable(RuntimeError):
    """The PostgreSQL server named by ORDERHUB_BENCH_PG_URL could not be reached."""


@dataclass
class RunResult:
    """The figures of one backend/mode run."""

    backend: str
    mode: str  # "batch" or "single"
    orders: int
    batch_size: int
    seconds: float
    orders_per_s: float
    latency_p50_ms: float
    latency_p99_ms: float
    latency_samples: int
    latency_basis: str
    allocated: int
    held: int
    other_status: int
    not_created: int
    events_written: int
    events_per_order: float
    setup_seconds: float
    db_check: str
    statuses: dict[str, int] = field(default_factory=dict)
    latencies_ms: list[float] = field(default_factory=list)  # per call, in submission order
    encryption: str = "on"  # "off": the benchmark's null cipher (--pii-compare only)
    list_page: dict[str, float] = field(default_factory=dict)  # --pii-compare only
    cpu_ms_per_order: float = 0.0  # this process's CPU time over the timed run
    floor: list[dict[str, Any]] = field(default_factory=list)  # batch mode with --floor
    bytes_per_order: dict[str, float] = field(default_factory=dict)  # by table (--floor)


class NullCipher(PiiCipher):
    """Benchmark only: personal data stored in the same columns and shape, without
    cryptography, to measure what AES-GCM and the blind-index HMACs cost. Not part of the
    package: nothing a user can set leads here."""

    def current_version(self, tenant_id: str) -> int:
        return 0

    def encrypt(self, tenant_id: str, field_name: str, plaintext: bytes) -> str:
        return "p0.0." + plaintext.decode()

    def decrypt(self, tenant_id: str, field_name: str, token: str) -> bytes:
        return token[5:].encode()

    def blind(self, tenant_id: str, kind: str, normalised: str | None, *,
              create: bool = True) -> str | None:
        return normalised


class NullKeyring(Keyring):
    def session(self, conn: Any) -> PiiCipher:
        return NullCipher(self, conn)


# --------------------------------------------------------------------------- helpers


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100), linearly interpolated between closest ranks."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def count_events(hub: Hub) -> int:
    """Rows in the outbox table (every event ever written in this database)."""
    with hub.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(t.outbox)).scalar_one())


def count_statuses(hub: Hub, prefix: str) -> Counter[str]:
    """Stored orders of this run by status, to cross-check the service's results."""
    c = t.orders.c
    query = (
        select(c.status, func.count())
        .where(c.tenant_id == TENANT, c.external_id.like(f"{prefix}-%"))
        .group_by(c.status)
    )
    with hub.engine.connect() as conn:
        return Counter({str(s): int(n) for s, n in conn.execute(query)})


def with_search_path(url: str, schema: str) -> str:
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}"


def admin_engine(url: str) -> Engine:
    """A pool-less engine for reachability checks and CREATE/DROP SCHEMA."""
    return create_engine(
        normalise_url(url),
        poolclass=NullPool,
        connect_args={"connect_timeout": 5},
        isolation_level="AUTOCOMMIT",
    )


def postgres_version(url: str) -> str:
    """The server version, or PostgresUnavailable with the driver's message."""
    engine = admin_engine(url)
    try:
        with engine.connect() as conn:
            return str(conn.execute(text("SHOW server_version")).scalar_one())
    except Exception as exc:  # any driver/connection failure means "not reachable"
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
        raise PostgresUnavailable(first_line) from exc
    finally:
        engine.dispose()


@contextmanager
def sqlite_database() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="orderhub-bench-") as tmp:
        yield f"sqlite:///{Path(tmp) / 'bench.db'}"


@contextmanager
def postgres_database(base_url: str) -> Iterator[str]:
    """A fresh schema `bench_<random>`, dropped with CASCADE afterwards."""
    schema = f"bench_{secrets.token_hex(4)}"
    admin = admin_engine(base_url)
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            yield with_search_path(base_url, schema)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    finally:
        admin.dispose()


DEFAULT_GC = gc.get_threshold()  # CPython's, as this process started
GC_DEFAULTS = False  # `--gc-defaults`


def settle_heap() -> None:
    """As `orderhub serve` does after start-up (`orderhub.bootstrap.settle_heap`): what
    start-up built leaves the collector's generations, so collections stay short, and
    young collections run less often. A tree from before that function (compared through
    PYTHONPATH) collects and freezes, as its server did. With `--gc-defaults`, CPython's
    default thresholds: to compare the code alone across trees."""
    settle = getattr(orderhub.bootstrap, "settle_heap", None)
    if settle is None:
        gc.collect()
        gc.freeze()
    else:
        settle()
    if GC_DEFAULTS:
        gc.set_threshold(*DEFAULT_GC)


@contextmanager
def fresh_hub(backend: str, pg_url: str) -> Iterator[tuple[Hub, float]]:
    """A migrated database with the demo data set loaded; yields (hub, setup seconds)."""
    database = sqlite_database() if backend == "sqlite" else postgres_database(pg_url)
    with database as url, ExitStack() as stack:
        started = time.perf_counter()
        # A throwaway database gets throwaway keys in a throwaway key dir: a fresh clone
        # runs the benchmark without `orderhub keys init`, and no real key is touched.
        keys = stack.enter_context(tempfile.TemporaryDirectory(prefix="orderhub-bench-keys-"))
        settings = get_settings().model_copy(update={
            "key_dir": keys,
            "master_key": base64.b64encode(secrets.token_bytes(32)).decode(),
            "audit_key": base64.b64encode(secrets.token_bytes(32)).decode()})
        hub = bootstrap(settings, database_url=url)
        try:
            upgrade(hub.engine)
            build_demo(hub, TENANT)
            settle_heap()
            yield hub, time.perf_counter() - started
        finally:
            hub.close()


def make_drafts(hub: Hub, count: int, seed: int, prefix: str) -> list[OrderDraft]:
    """All drafts up front, so generation is not part of the timed section."""
    gen = OrderGenerator(seed=seed, sku_prices=load_prices(hub, TENANT), prefix=prefix)
    return list(gen.stream(count, hub.clock()))


# --------------------------------------------------------------------------- one run


SHOPIFY_CHANNEL = "web"  # the demo's web shop reads Shopify webhooks
SHOPIFY_SECRET = "demo-web-secret"


def shopify_payloads(
    drafts: Sequence[OrderDraft], now: datetime
) -> list[tuple[bytes, dict[str, str]]]:
    """Each draft as a signed Shopify `orders/create` webhook (district in the street line,
    since Shopify addresses have no district field)."""
    out = []
    for d in drafts:
        lines = [
            ChannelLine(
                channel_sku=ln.sku,
                title=f"Item {ln.sku}",
                quantity=ln.quantity,
                unit_price=ln.unit_price,
                discount=ln.discount,
                tax=ln.tax,
            )
            for ln in d.lines
        ]
        a = d.shipping_address
        total = (
            sum((ln.unit_price * ln.quantity - ln.discount + ln.tax for ln in lines), Decimal(0))
            + d.shipping_fee
        )
        order = ChannelOrder(
            external_id=d.external_id,
            status="open",
            updated_at=now,
            currency=d.currency,
            lines=lines,
            customer=d.customer,
            shipping_address=replace(a, line1=a.district + a.line1),
            shipping_fee=d.shipping_fee,
            total=total,
            placed_at=now,
        )
        body = render("shopify", order)
        out.append((body, sign("shopify", body, SHOPIFY_SECRET)))
    return out


def run_mode(
    backend: str,
    mode: str,
    *,
    orders: int,
    batch_size: int,
    seed: int,
    pg_url: str,
    profiler: cProfile.Profile | None = None,
    encryption: bool = True,
    list_page: int = 0,
    floor: bool = False,
) -> RunResult:
    """One fresh database, `orders` drafts, submitted in batches or one per transaction;
    with `encryption` off, through the benchmark's null cipher; with `list_page`, then a
    list page of that many orders read back (timed)."""
    size = 1 if mode == "single" else batch_size
    prefix = f"BENCH{mode.upper()}"
    with fresh_hub(backend, pg_url) as (hub, setup_s):
        if not encryption:
            hub.keyring = NullKeyring(hub.keyring.provider)
        drafts = make_drafts(hub, orders, seed, prefix)
        chunks = [drafts[i : i + size] for i in range(0, len(drafts), size)]
        payloads = shopify_payloads(drafts, hub.clock()) if mode == "shopify" else []
        if mode == "shopify":  # a running server has paid these one-time costs long ago
            complete_addresses([Address(line1="浙江省杭州市西湖区文三路 1 号")])
        adapter = ADAPTERS["shopify"]
        events_before = count_events(hub)
        outcomes: Counter[str] = Counter()
        statuses: Counter[str] = Counter()
        latencies_ms: list[float] = []
        before = intake_floor.snapshot(hub.engine) if floor else None

        if profiler is not None:
            profiler.enable()
        cpu_started = time.process_time()
        started = time.perf_counter()
        for n, chunk in enumerate(chunks):
            t0 = time.perf_counter()
            if mode == "shopify":
                parsed = []
                for body, headers in payloads[n * size : (n + 1) * size]:
                    adapter.verify(body, headers, SHOPIFY_SECRET)
                    parsed.append(adapter.parse(body))
                ingested = ingest_channel_orders(
                    hub.uow,
                    TENANT,
                    SHOPIFY_CHANNEL,
                    parsed,
                    strategy=hub.strategy,
                    now=hub.clock(),
                    actor="bench",
                    presale_lock=hub.presale_lock,
                )
                for ir in ingested:
                    outcomes[ir.outcome] += 1
                    statuses[ir.status or "?"] += 1
            else:
                results = submit_orders(
                    hub.uow,
                    TENANT,
                    chunk,
                    strategy=hub.strategy,
                    now=hub.clock(),
                    actor="bench",
                    presale_lock=hub.presale_lock,
                    batch=mode == "batch",
                )
                for r in results:
                    outcomes[r.outcome.value] += 1
                    statuses[r.status or "?"] += 1
            latencies_ms.append((time.perf_counter() - t0) * 1000)
        seconds = time.perf_counter() - started
        cpu_seconds = time.process_time() - cpu_started
        if profiler is not None:
            profiler.disable()
        captured = (intake_floor.capture(hub.engine, before, len(drafts))
                    if before is not None else None)

        events = count_events(hub) - events_before
        stored = count_statuses(hub, prefix)
        page = time_list_page(hub, list_page) if list_page else {}

    floors = run_floor(backend, captured, size, pg_url) if captured is not None else []
    allocated = statuses[OrderStatus.ALLOCATED.value]
    held = statuses[OrderStatus.ON_HOLD.value]
    created = outcomes[Outcome.CREATED.value]
    db_check = "ok" if stored == statuses else f"MISMATCH: stored {dict(stored)}"
    basis = (
        "per batch call, submission to commit; every order in a batch waits this long"
        if mode == "batch"
        else "per order call, submission to commit"
    )
    return RunResult(
        backend=backend,
        mode=mode,
        orders=len(drafts),
        batch_size=size,
        seconds=seconds,
        orders_per_s=len(drafts) / seconds if seconds else 0.0,
        latency_p50_ms=percentile(latencies_ms, 50),
        latency_p99_ms=percentile(latencies_ms, 99),
        latency_samples=len(latencies_ms),
        latency_basis=basis,
        allocated=allocated,
        held=held,
        other_status=len(drafts) - allocated - held,
        not_created=len(drafts) - created,
        events_written=events,
        events_per_order=events / len(drafts) if drafts else 0.0,
        setup_seconds=setup_s,
        db_check=db_check,
        statuses=dict(sorted(statuses.items())),
        latencies_ms=[round(ms, 3) for ms in latencies_ms],
        encryption="on" if encryption else "off",
        list_page=page,
        cpu_ms_per_order=1000 * cpu_seconds / len(drafts) if drafts else 0.0,
        floor=floors,
        bytes_per_order={name: n / len(drafts) for name, n in
                         sorted(captured.bytes_written().items())} if captured else {},
    )


def run_floor(backend: str, captured: intake_floor.Captured, batch_size: int,
              pg_url: str) -> list[dict[str, Any]]:
    """The same rows written with the plain driver into a fresh database (same schema and
    demo data): sqlite3, or psycopg executemany and COPY."""
    out = []
    for mode in (("executemany",) if backend == "sqlite" else ("executemany", "copy")):
        with fresh_hub(backend, pg_url) as (hub, _):
            f = intake_floor.replay(hub.engine, captured, batch_size, mode)
        out.append({"driver": f.driver, "orders": f.orders, "seconds": f.seconds,
                    "orders_per_s": f.orders_per_s, "cpu_ms_per_order": f.cpu_ms_per_order,
                    "server_cpu_ms_per_order": (1000 * f.server_cpu_seconds / f.orders
                                                if f.server_cpu_seconds is not None
                                                else None)})
    return out


def time_list_page(hub: Hub, size: int, repeats: int = 5) -> dict[str, float]:
    """A list page of `size` orders (the read model: query, load, decrypt, shape), best of
    `repeats` with the keys cached as in a running server; and, with the real cipher, the
    decryption alone of those orders' ciphertexts."""
    views.list_orders(hub.read_uow, TENANT, limit=size, pii=PiiView.FULL)  # warm the caches
    best = min(_timed(lambda: views.list_orders(hub.read_uow, TENANT, limit=size,
                                                pii=PiiView.FULL)) for _ in range(repeats))
    out = {"orders": float(size), "page_ms": best * 1000}
    with hub.read_uow() as uow:
        rows = uow.conn.execute(select(t.orders.c.id, t.orders.c.pii).order_by(
            t.orders.c.id.desc()).limit(size)).all()
        pii = uow.pii
        out["decrypt_only_ms"] = 1000 * min(_timed(
            lambda: [pii.decrypt_doc(TENANT, f"orders.pii/{oid}", tok) for oid, tok in rows])
            for _ in range(repeats))
    return out


def _timed(fn: Any) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


# --------------------------------------------------------------------------- report


def header(args: argparse.Namespace, pg_version: str | None) -> dict[str, Any]:
    return {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "sqlalchemy": sqlalchemy.__version__,
        "sqlite": sqlite3.sqlite_version,
        "postgres_server": pg_version,
        "orders": args.orders,
        "batch_size": args.batch_size,
        "single_orders": args.single_orders,
        "seed": args.seed,
        "gc": "CPython defaults" if args.gc_defaults else "as orderhub serve",
    }


def print_header(meta: dict[str, Any]) -> None:
    print("orderhub intake throughput benchmark")
    print(f"  Python {meta['python']} ({meta['implementation']}) on {meta['platform']}")
    print(
        f"  CPUs: {meta['cpu_count']}   SQLAlchemy {meta['sqlalchemy']}   "
        f"SQLite {meta['sqlite']}   PostgreSQL server {meta['postgres_server'] or '-'}"
    )
    print(
        f"  batch mode: {meta['orders']} orders in batches of {meta['batch_size']}; "
        f"single mode: {meta['single_orders']} orders, one transaction each; "
        f"seed {meta['seed']}"
    )
    print(f"  collector thresholds: {meta['gc']}")
    print()


COLUMNS = [
    ("backend", 8, "{}"),
    ("mode", 6, "{}"),
    ("batch", 5, "{}"),
    ("orders", 7, "{}"),
    ("seconds", 8, "{:.2f}"),
    ("orders/s", 9, "{:,.0f}"),
    ("cpu ms/o", 8, "{:.3f}"),
    ("p50 ms", 8, "{:.2f}"),
    ("p99 ms", 8, "{:.2f}"),
    ("samples", 7, "{}"),
    ("allocated", 9, "{}"),
    ("held", 6, "{}"),
    ("other", 5, "{}"),
    ("events", 7, "{}"),
    ("ev/order", 8, "{:.2f}"),
]


def print_table(results: Sequence[RunResult]) -> None:
    print("  ".join(f"{name:>{w}}" for name, w, _ in COLUMNS))
    print("  ".join("-" * w for _, w, _ in COLUMNS))
    for r in results:
        values = [
            r.backend,
            r.mode,
            r.batch_size,
            r.orders,
            r.seconds,
            r.orders_per_s,
            r.cpu_ms_per_order,
            r.latency_p50_ms,
            r.latency_p99_ms,
            r.latency_samples,
            r.allocated,
            r.held,
            r.other_status,
            r.events_written,
            r.events_per_order,
        ]
        print(
            "  ".join(
                f"{fmt.format(v):>{w}}" for (_, w, fmt), v in zip(COLUMNS, values, strict=True)
            )
        )
    print()
    print("  p50/p99 ms: batch mode = latency of each batch call (submission to commit) over")
    print("  all batches, which is what every order in that batch waits; single mode = latency")
    print("  of each one-order call. events = outbox rows written by the timed run.")
    for r in results:
        problems = []
        if r.not_created:
            problems.append(f"{r.not_created} orders not created")
        if r.db_check != "ok":
            problems.append(r.db_check)
        if problems:
            print(f"  WARNING {r.backend}/{r.mode}: {'; '.join(problems)}")
    print()


def print_floor(results: Sequence[RunResult]) -> None:
    """The plain-driver floor of each batch run, and the run as a fraction of it."""
    runs = [r for r in results if r.floor]
    if not runs:
        return
    print("Plain-driver floor: the rows each batch run wrote, written again with the driver")
    print("alone (fresh database, same schema, indexes and demo data, same batches):")
    print(f"{'backend':>8}  {'driver':>20}  {'orders/s':>9}  {'cpu ms/o':>8}  "
          f"{'server ms/o':>11}  {'orderhub / floor':>16}  {'floor cpu / orderhub cpu':>24}")
    for r in runs:
        for f in r.floor:
            server = f["server_cpu_ms_per_order"]
            print(f"{r.backend:>8}  {f['driver']:>20}  {f['orders_per_s']:>9,.0f}  "
                  f"{f['cpu_ms_per_order']:>8.3f}  "
                  f"{(f'{server:.3f}' if server is not None else '-'):>11}  "
                  f"{r.orders_per_s / f['orders_per_s']:>16.2f}  "
                  f"{f['cpu_ms_per_order'] / r.cpu_ms_per_order:>24.2f}")
    print("  orderhub / floor: orders/s, the figure of record. floor cpu / orderhub cpu: this")
    print("  process's CPU per order, steadier on a busy machine (client side only: on")
    print("  PostgreSQL the server's share, shown for the floor, is in neither).")
    for r in runs:
        total = sum(r.bytes_per_order.values())
        top = sorted(r.bytes_per_order.items(), key=lambda kv: -kv[1])[:6]
        print(f"  {r.backend}: {total:,.0f} bytes written per order; "
              + ", ".join(f"{name} {n:,.0f}" for name, n in top))
    print()


def floor_ratios(results: Sequence[RunResult]) -> dict[str, float]:
    out: dict[str, float] = {}
    for r in results:
        for f in r.floor:
            out[f"{r.backend}: orderhub / {f['driver']} floor"] = (
                r.orders_per_s / f["orders_per_s"])
    return out


def ratios(results: Sequence[RunResult]) -> dict[str, float]:
    """Within-run comparisons: batch vs single per backend, postgres vs sqlite per mode."""
    by = {(r.backend, r.mode): r for r in results}
    out: dict[str, float] = {}
    for backend in BACKENDS:
        b, s = by.get((backend, "batch")), by.get((backend, "single"))
        if b and s and s.orders_per_s:
            out[f"{backend}: batch / single orders/s"] = b.orders_per_s / s.orders_per_s
    for mode in ("batch", "single"):
        p, q = by.get(("postgres", mode)), by.get(("sqlite", mode))
        if p and q and q.orders_per_s:
            out[f"{mode}: postgres / sqlite orders/s"] = p.orders_per_s / q.orders_per_s
    return out


def print_ratios(values: dict[str, float]) -> None:
    if not values:
        return
    print("Ratios (same machine, same run):")
    for name, value in values.items():
        print(f"  {name:<48} {value:6.2f}x")
    print()


def print_profile(profiler: cProfile.Profile, result: RunResult) -> None:
    print(
        f"cProfile: sqlite batch mode, {result.orders} orders in batches of "
        f"{result.batch_size}, {result.seconds:.2f} s under the profiler "
        f"({result.orders_per_s:,.0f} orders/s; profiling overhead included)"
    )
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.sort_stats(pstats.SortKey.CUMULATIVE).print_stats(30)


# --------------------------------------------------------------------------- encryption


def pii_compare(args: argparse.Namespace, backends: list[str], pg_url: str,
                meta: dict[str, Any]) -> int:
    """Batch mode with encryption off and on, interleaved round by round (the shared
    machine's drift hits both alike); the best round of each is compared."""
    results: list[RunResult] = []
    for backend in backends:
        for round_no in range(args.pii_rounds):
            for encryption in (False, True):
                label = "on" if encryption else "off"
                print(f"running {backend}/batch, encryption {label}, round {round_no + 1}: "
                      f"{args.orders} orders ...", flush=True)
                results.append(run_mode(backend, "batch", orders=args.orders,
                                        batch_size=args.batch_size, seed=args.seed,
                                        pg_url=pg_url, encryption=encryption,
                                        list_page=min(1000, args.orders)))
    print()
    print(f"{'backend':>8}  {'encrypt':>7}  {'round':>5}  {'orders/s':>9}  "
          f"{'list page ms':>12}  {'decrypt ms':>10}")
    rounds: dict[tuple[str, str], list[RunResult]] = {}
    for r in results:
        rounds.setdefault((r.backend, r.encryption), []).append(r)
        n = len(rounds[(r.backend, r.encryption)])
        dec = r.list_page.get("decrypt_only_ms")
        print(f"{r.backend:>8}  {r.encryption:>7}  {n:>5}  {r.orders_per_s:>9,.0f}  "
              f"{r.list_page.get('page_ms', 0):>12.1f}  "
              f"{(f'{dec:.1f}' if r.encryption == 'on' and dec else '-'):>10}")
    print()
    compared: dict[str, float] = {}
    for backend in backends:
        on = max(r.orders_per_s for r in rounds[(backend, "on")])
        off = max(r.orders_per_s for r in rounds[(backend, "off")])
        compared[f"{backend}: intake orders/s encryption on / off"] = on / off
        page_on = min(r.list_page["page_ms"] for r in rounds[(backend, "on")])
        page_off = min(r.list_page["page_ms"] for r in rounds[(backend, "off")])
        compared[f"{backend}: 1,000-order list page ms, on / off"] = page_on / page_off
        compared[f"{backend}: decrypting 1,000 orders, ms"] = min(
            r.list_page["decrypt_only_ms"] for r in rounds[(backend, "on")])
    print("Encryption at rest (best round of each, same machine, same run):")
    for name, value in compared.items():
        print(f"  {name:<48} {value:8.3f}")
    print()
    if args.json:
        args.json.write_text(json.dumps({"meta": meta, "runs": [asdict(r) for r in results],
                                         "ratios": compared}, indent=2,
                                        ensure_ascii=False) + "\n")
        print(f"wrote {args.json}")
    return 0


# --------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument(
        "--backends",
        default="sqlite,postgres",
        help="comma-separated: sqlite, postgres (default: both)",
    )
    p.add_argument("--orders", type=int, default=20000, help="orders in batch mode")
    p.add_argument("--batch-size", type=int, default=500, help="orders per batch call")
    p.add_argument(
        "--single-orders",
        type=int,
        default=1000,
        help="orders in single-order mode, one transaction each (0: skip)",
    )
    p.add_argument(
        "--shopify-orders",
        type=int,
        default=10000,
        help="orders as signed Shopify webhooks through the adapter and channel intake, "
        "in batches of --batch-size (0: skip)",
    )
    p.add_argument("--seed", type=int, default=42, help="order generator seed")
    p.add_argument(
        "--pii-compare",
        action="store_true",
        help="only compare personal-data encryption on vs off (batch mode, --pii-rounds "
        "interleaved rounds per backend) and time a 1,000-order list page",
    )
    p.add_argument("--pii-rounds", type=int, default=2, help="rounds of on/off (default 2)")
    p.add_argument(
        "--require-postgres",
        action="store_true",
        help="fail (exit 2) instead of skipping when PostgreSQL is unreachable",
    )
    p.add_argument(
        "--no-floor",
        dest="floor",
        action="store_false",
        help="skip the plain-driver floor (by default each batch run's rows are written "
        "again with sqlite3 / psycopg executemany and COPY, and the ratio printed)",
    )
    p.add_argument(
        "--gc-defaults",
        action="store_true",
        help="run with CPython's default collector thresholds instead of the server's "
        "(orderhub.bootstrap.settle_heap): to compare the code alone across trees",
    )
    p.add_argument("--json", type=Path, metavar="PATH", help="also write the figures as JSON")
    p.add_argument(
        "--profile",
        action="store_true",
        help="extra run: SQLite batch mode under cProfile, top 30 by cumulative",
    )
    args = p.parse_args(argv)
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = sorted(set(args.backends) - set(BACKENDS))
    if unknown or not args.backends:
        p.error(f"unknown backend(s) {unknown}; choose from {', '.join(BACKENDS)}")
    if args.orders < 1 or args.batch_size < 1 or args.single_orders < 0:
        p.error("--orders and --batch-size must be >= 1, --single-orders >= 0")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    global GC_DEFAULTS
    GC_DEFAULTS = args.gc_defaults
    pg_url = os.environ.get("ORDERHUB_BENCH_PG_URL", DEFAULT_PG_URL)
    backends: list[str] = list(args.backends)
    skipped: list[dict[str, str]] = []
    pg_version: str | None = None
    if "postgres" in backends:
        try:
            pg_version = postgres_version(pg_url)
        except PostgresUnavailable as exc:
            shown = make_url(pg_url).render_as_string(hide_password=True)
            msg = (
                f"PostgreSQL at {shown} is unreachable ({exc}); set ORDERHUB_BENCH_PG_URL "
                "to benchmark it"
            )
            if args.require_postgres:
                print(f"error: {msg}", file=sys.stderr)
                return 2
            print(f"note: {msg}. Skipping the postgres backend.\n")
            skipped.append({"backend": "postgres", "reason": str(exc)})
            backends.remove("postgres")

    meta = header(args, pg_version)
    print_header(meta)
    if args.pii_compare:
        return pii_compare(args, backends, pg_url, meta)
    modes = (
        [("batch", args.orders)]
        + ([("single", args.single_orders)] if args.single_orders else [])
        + ([("shopify", args.shopify_orders)] if args.shopify_orders else [])
    )
    results: list[RunResult] = []
    for backend in backends:
        for mode, count in modes:
            print(f"running {backend}/{mode}: {count} orders ...", flush=True)
            results.append(
                run_mode(
                    backend,
                    mode,
                    orders=count,
                    batch_size=args.batch_size,
                    seed=args.seed,
                    pg_url=pg_url,
                    floor=args.floor and mode == "batch",
                )
            )
    print()
    if results:
        print_table(results)
    print_floor(results)
    compared = ratios(results) | floor_ratios(results)
    print_ratios(compared)

    profiled: RunResult | None = None
    if args.profile:
        print(f"running sqlite/batch under cProfile: {args.orders} orders ...", flush=True)
        profiler = cProfile.Profile()
        profiled = run_mode(
            "sqlite",
            "batch",
            orders=args.orders,
            batch_size=args.batch_size,
            seed=args.seed,
            pg_url=pg_url,
            profiler=profiler,
        )
        print()
        print_profile(profiler, profiled)

    if args.json:
        doc = {
            "meta": meta,
            "runs": [asdict(r) for r in results],
            "ratios": compared,
            "skipped": skipped,
            "profiled_run": asdict(profiled) if profiled else None,
        }
        args.json.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
