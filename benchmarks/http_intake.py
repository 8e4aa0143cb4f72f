"""One order per request over HTTP, N concurrent clients, through a real server (issue 13,
item 3: group commit).

    .venv/bin/python benchmarks/http_intake.py [--clients 4,16] [--seconds 6]
        [--backends sqlite,postgres] [--modes main,ungrouped,grouped] [--workers 1]
        [--rounds 1] [--baseline /work/main]

For each backend a fresh database (a temporary SQLite file, or a schema of its own on
PostgreSQL: ORDERHUB_BENCH_PG_URL, default postgresql://postgres@127.0.0.1:5432/test) with
the demo network (40 SKUs) and an API key. For each mode `orderhub serve` is started as its
own process, as production runs it (relay, webhook fan-out, twin consumer and sweeper in
the same process):

  grouped         group commit on (the default; services/intake/group_commit.py)
  ungrouped       ORDERHUB_INTAKE_GROUP_COMMIT=false: one transaction per request and the
                  order read back, as before issue 13
  grouped-nobg    group commit, `serve --no-background`: what the relay and consumers in
                  the same process cost
  ungrouped-nobg  the same without grouping
  main            the server of another checkout (`--baseline /work/main`: its .venv), e.g.
                  the code before issue 13, started the same way (one process)

Clients are asyncio tasks in this process (httpx), each POSTing one order at a time, no
think time, for `--seconds` after a warm-up. Prints orders/s, p50/p99 latency and the
server's CPU-ms per order (its processes' user+system time, from /proc). Every answer must
be 201; asserts nothing on time. The machine is shared: compare modes within one run
(with `--rounds R` the modes take turns R times and the best round of each is summarised).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import itertools
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import orjson
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("ORDERHUB_MASTER_KEY", base64.b64encode(b"m" * 32).decode())
os.environ.setdefault("ORDERHUB_AUDIT_KEY", base64.b64encode(b"a" * 32).decode())

from orderhub.adapters.db.engine import normalise_url  # noqa: E402
from orderhub.adapters.db.migrate import upgrade  # noqa: E402
from orderhub.bootstrap import bootstrap  # noqa: E402
from orderhub.config import Settings  # noqa: E402
from orderhub.services.access import credentials  # noqa: E402
from orderhub.tools.demo import build_demo  # noqa: E402

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
MODES = {
    "grouped": ({"ORDERHUB_INTAKE_GROUP_COMMIT": "true"}, True),
    "ungrouped": ({"ORDERHUB_INTAKE_GROUP_COMMIT": "false"}, True),
    "grouped-nobg": ({"ORDERHUB_INTAKE_GROUP_COMMIT": "true"}, False),
    "ungrouped-nobg": ({"ORDERHUB_INTAKE_GROUP_COMMIT": "false"}, False),
    "main": ({}, True),  # the server of another checkout (--baseline), as it is there
}
RUN = secrets.token_hex(3)
COUNTER = itertools.count()


def order_body() -> bytes:
    """A new customer each time (one phone and address for every order would make anomaly
    screening read an ever longer history of one key: not what a shop sends)."""
    n = next(COUNTER)
    return orjson.dumps(
        {
            "external_id": f"HTTP-{RUN}-{n}",
            "channel": "tmall",
            "currency": "CNY",
            "shipping_address": {
                "province": "浙江省",
                "city": "杭州市",
                "district": "西湖区",
                "line1": f"文三路 {n % 9000 + 1} 号 {n // 9000 % 900 + 1} 室",
                "name": f"客户{n}",
                "phone": f"139{secrets.randbelow(10**8):08d}",
            },
            "lines": [{"sku": f"SKU-{n % 40 + 1:05d}", "quantity": 1, "unit_price": "59.90"}],
        }
    )


@contextmanager
def database(backend: str, pg_url: str) -> Iterator[str]:
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="orderhub-http-") as tmp:
            yield f"sqlite:///{Path(tmp) / 'bench.db'}"
        return
    schema = f"bench_http_{secrets.token_hex(4)}"
    admin = create_engine(normalise_url(pg_url), poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        sep = "&" if "?" in pg_url else "?"
        yield f"{pg_url}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def prepare(url: str) -> str:
    """Schema, demo network with plenty of stock, and a tenant_admin API key."""
    hub = bootstrap(Settings(database_url=url))
    try:
        upgrade(hub.engine, default_tenant="default")
        build_demo(hub, "default", skus=40)
        return credentials.create_key(
            hub.uow,
            "default",
            name="http-bench",
            role="tenant_admin",
            granter=None,
            actor="bench",
            now=hub.clock(),
        ).token
    finally:
        hub.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def tree_cpu_seconds(pid: int) -> float:
    """User + system seconds of `pid` and its live descendants (the API workers)."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(d.name)] = int(fields[1])
        times[int(d.name)] = (int(fields[11]) + int(fields[12])) / tick
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        total += times.get(p, 0.0)
        todo.extend(c for c, pp in parents.items() if pp == p)
    return total


@contextmanager
def server(
    url: str, mode: str, workers: int, key_dir: Path, baseline: Path
) -> Iterator[tuple[str, int]]:
    env_extra, background = MODES[mode]
    port = free_port()
    env = {
        **os.environ,
        **env_extra,
        "ORDERHUB_KEY_DIR": str(key_dir),
        "ORDERHUB_RATE_LIMIT_KEY_PER_SECOND": "1000000000",
        "ORDERHUB_RATE_LIMIT_KEY_BURST": "1000000000",
        "ORDERHUB_RATE_LIMIT_TENANT_PER_SECOND": "1000000000",
        "ORDERHUB_RATE_LIMIT_TENANT_BURST": "1000000000",
    }
    python = str(baseline / ".venv/bin/python") if mode == "main" else sys.executable
    cmd = [python, "-m", "orderhub", "serve", "--database-url", url, "--port", str(port)]
    if mode != "main":
        cmd += ["--workers", str(workers)]
    cmd.append("--background" if background else "--no-background")
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(
            cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                if proc.poll() is not None:
                    log.seek(0)
                    raise SystemExit(f"server exited:\n{log.read().decode()[-3000:]}")
                try:
                    if httpx.get(f"{base}/healthz", timeout=1).status_code < 500:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise SystemExit("server did not answer within 60 s")
                time.sleep(0.2)
            yield base, proc.pid
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


@dataclass
class Figures:
    orders: int
    seconds: float
    p50_ms: float
    p99_ms: float
    cpu_ms: float

    @property
    def rate(self) -> float:
        return self.orders / self.seconds


async def load(base: str, token: str, clients: int, seconds: float, pid: int) -> Figures:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    latencies: list[float] = []
    bad: dict[int, str] = {}
    async with httpx.AsyncClient(
        base_url=base, headers=headers, limits=limits, timeout=30
    ) as client:

        async def one(until: float, record: bool) -> None:
            while time.perf_counter() < until:
                t0 = time.perf_counter()
                r = await client.post("/v1/orders", content=order_body())
                if r.status_code != 201:
                    bad[r.status_code] = r.text[:300]
                if record:
                    latencies.append(time.perf_counter() - t0)

        warm = time.perf_counter() + 1.5
        await asyncio.gather(*(one(warm, False) for _ in range(clients)))
        cpu0, t0 = tree_cpu_seconds(pid), time.perf_counter()
        await asyncio.gather(*(one(t0 + seconds, True) for _ in range(clients)))
        elapsed, cpu = time.perf_counter() - t0, tree_cpu_seconds(pid) - cpu0
    if bad:
        raise SystemExit(f"unexpected answers: {bad}")
    latencies.sort()
    n = len(latencies)
    return Figures(
        n,
        elapsed,
        latencies[n // 2] * 1e3,
        latencies[min(n - 1, int(n * 0.99))] * 1e3,
        cpu / n * 1e3,
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", default="4,16")
    ap.add_argument("--seconds", type=float, default=6.0)
    ap.add_argument("--backends", default="sqlite,postgres")
    ap.add_argument("--modes", default="main,ungrouped,grouped")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--baseline", type=Path, default=Path("/work/main"), help="mode `main`")
    args = ap.parse_args()
    pg_url = os.environ.get("ORDERHUB_BENCH_PG_URL", DEFAULT_PG_URL)
    clients = [int(c) for c in args.clients.split(",")]
    modes = args.modes.split(",")
    rows: list[tuple[str, str, int, Figures]] = []
    print(
        f"POST /v1/orders, one order per request, {args.seconds:.0f} s per figure, "
        f"{args.workers} API process(es), {os.cpu_count()} CPUs"
    )
    print(
        f"{'backend':<9} {'mode':<15} {'clients':>7} {'orders/s':>9} {'p50 ms':>7} "
        f"{'p99 ms':>7} {'CPU-ms/order':>13}"
    )
    for backend in args.backends.split(","):
        # A database per mode: each starts from the same state, and `main`'s server may
        # migrate its own further than this checkout knows.
        with contextlib.ExitStack() as stack:
            keys = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="orderhub-k-")))
            dbs: dict[str, tuple[str, str]] = {}
            for mode in modes:
                url = stack.enter_context(database(backend, pg_url))
                dbs[mode] = (url, prepare(url))
            for _ in range(args.rounds):  # modes take turns: the machine's noise is shared
                for mode in modes:
                    url, token = dbs[mode]
                    with server(url, mode, args.workers, keys, args.baseline) as (base, pid):
                        for c in clients:
                            f = asyncio.run(load(base, token, c, args.seconds, pid))
                            rows.append((backend, mode, c, f))
                            print(
                                f"{backend:<9} {mode:<15} {c:>7} {f.rate:>9.0f} "
                                f"{f.p50_ms:>7.1f} {f.p99_ms:>7.1f} {f.cpu_ms:>13.2f}",
                                flush=True,
                            )
    best: dict[tuple[str, str, int], Figures] = {}
    for b, m, c, f in rows:
        if (b, m, c) not in best or f.rate > best[(b, m, c)].rate:
            best[(b, m, c)] = f
    print(f"best of {args.rounds} round(s):")
    for (b, m, c), f in best.items():
        print(
            f"{b:<9} {m:<15} {c:>7} {f.rate:>9.0f} {f.p50_ms:>7.1f} {f.p99_ms:>7.1f} "
            f"{f.cpu_ms:>13.2f}"
        )
    for (b, m, c), f in best.items():
        if m == "grouped" and (b, "main", c) in best:
            print(f"{b}, {c} clients: grouped / main = {f.rate / best[(b, 'main', c)].rate:.2f}x")
        if m.startswith("grouped") and (b, "un" + m, c) in best:
            print(
                f"{b}, {c} clients: {m} / un{m} = {f.rate / best[(b, 'un' + m, c)].rate:.2f}x "
                "orders/s"
            )


if __name__ == "__main__":
    main()
