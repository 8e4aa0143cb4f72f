"""What open live dashboards cost intake: generated orders through `submit_orders` in
batches of 500 (as benchmarks/throughput.py's batch mode), in rounds with and without two
dashboard streams (`/console/dashboard/stream`, server-sent events) open against the same
app, interleaved (without, with, without, with, ...), printing orders/s of each arm and
their ratio; and how often the streams got an update while intake ran (events per stream
per second, the longest gap between two events).

    .venv/bin/python benchmarks/console_cost.py [--backend sqlite|postgres]
        [--rounds 4] [--batches 10] [--pg-url URL]

The app runs in this process under uvicorn (a thread, a free port), as `orderhub serve`
would, with the hub the intake uses: the streams' figure queries and intake share the
process, its GIL and the database. Two httpx clients signed in as an operator read the
streams. Figures vary with the machine's load, which is printed (1-minute load average
before and after); compare the arms within one run.
"""

from __future__ import annotations

import argparse
import base64
import itertools
import os
import platform
import re
import socket
import sys
import threading
import time
from pathlib import Path
from statistics import median

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("ORDERHUB_AUDIT_KEY", base64.b64encode(b"a" * 32).decode())

import httpx
import uvicorn

from orderhub.api.app import create_app
from orderhub.bootstrap import Hub
from orderhub.services.access import users
from orderhub.services.intake.drafts import OrderDraft
from orderhub.services.intake.submit import submit_orders
from throughput import DEFAULT_PG_URL, TENANT, fresh_hub, make_drafts

PASSWORD = "benchmark-password"
BATCH = 500


class Stream(threading.Thread):
    """One signed-in dashboard reading its stream; records when each `figures` event came."""

    def __init__(self, base: str) -> None:
        super().__init__(daemon=True)
        self.client = httpx.Client(base_url=base, timeout=30)
        sign_in(self.client)
        self.times: list[float] = []
        self.stop = threading.Event()
        self.first = threading.Event()

    def run(self) -> None:
        with self.client.stream("GET", "/console/dashboard/stream") as r:
            assert r.status_code == 200, r.status_code
            for line in r.iter_lines():
                if line.startswith("event: figures"):
                    self.times.append(time.perf_counter())
                    self.first.set()
                if self.stop.is_set():
                    break
        self.client.close()

    def during(self, start: float, end: float) -> list[float]:
        return [t for t in self.times if start <= t <= end]


def sign_in(client: httpx.Client) -> None:
    form = client.get("/console/sign-in").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form)
    assert csrf
    r = client.post("/console/sign-in", data={"tenant": TENANT, "login": "bench",
                                              "password": PASSWORD, "csrf": csrf.group(1)})
    assert r.status_code == 303, r.status_code


def serve(hub: Hub) -> tuple[str, uvicorn.Server, threading.Thread]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(hub), host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the app did not start")
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server, thread


def intake(hub: Hub, drafts: list[OrderDraft], batches: int,
           offset: int) -> tuple[float, int]:
    chunk = drafts[offset:offset + batches * BATCH]
    started = time.perf_counter()
    for i in range(0, len(chunk), BATCH):
        submit_orders(hub.uow, TENANT, chunk[i:i + BATCH], strategy=hub.strategy,
                      now=hub.clock(), actor="bench", presale_lock=hub.presale_lock)
    return time.perf_counter() - started, len(chunk)


def _tick_seconds() -> float:
    """The tree's own tick (1 s before it became a constant the stream is scheduled by)."""
    from orderhub.console.pages import dashboard

    return float(getattr(dashboard, "TICK_SECONDS", 1.0))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    p.add_argument("--rounds", type=int, default=4, help="rounds per arm")
    p.add_argument("--batches", type=int, default=10, help="batches of 500 per round")
    p.add_argument("--pg-url", default=os.environ.get("ORDERHUB_BENCH_PG_URL", DEFAULT_PG_URL))
    args = p.parse_args()
    load_before = os.getloadavg()[0]
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}  {platform.node()}  "
          f"{os.cpu_count()} CPUs  load(1 min) before {load_before:.2f}  backend {args.backend}")
    with fresh_hub(args.backend, args.pg_url) as (hub, _):
        per_round = args.batches * BATCH
        drafts = make_drafts(hub, per_round * (2 * args.rounds + 1), 17, "CC")
        users.create_user(hub.uow, TENANT, login="bench", role="operations",
                          password=PASSWORD, granter=None, actor="bench", now=hub.clock())
        base, server, thread = serve(hub)
        offset = 0
        _, n = intake(hub, drafts, args.batches, offset)  # warm-up, not counted
        offset += n
        rates: dict[str, list[float]] = {"without": [], "with": []}
        order: list[float] = []  # every round's rate, in order (arms alternate)
        per_second: list[float] = []
        gaps: list[float] = []
        for k in range(2 * args.rounds):
            arm = "without" if k % 2 == 0 else "with"
            streams: list[Stream] = []
            if arm == "with":
                streams = [Stream(base) for _ in range(2)]
                for s in streams:
                    s.start()
                for s in streams:
                    assert s.first.wait(15), "no figures from the stream"
            start = time.perf_counter()
            seconds, n = intake(hub, drafts, args.batches, offset)
            end = time.perf_counter()
            offset += n
            rates[arm].append(n / seconds)
            order.append(n / seconds)
            for s in streams:
                got = s.during(start, end)
                per_second.append(len(got) / (end - start))
                edges = [start, *got, end]
                gaps.append(max(b - a for a, b in itertools.pairwise(edges)))
                s.stop.set()
            for s in streams:
                s.join(5)
            print(f"round {k + 1:2d} {arm:7s} {n / seconds:8.0f} orders/s  ({seconds:.2f} s)")
        server.should_exit = True
        thread.join(15)
    without, with_ = median(rates["without"]), median(rates["with"])
    print(f"\nintake, median orders/s: without streams {without:.0f}, with two streams "
          f"{with_:.0f}; ratio with/without {with_ / without:.2f}")
    # Each "with" round against the mean of the "without" rounds either side of it: the
    # database grows and the machine's load drifts over the run, which this cancels.
    pairs = [order[i] / ((order[i - 1] + order[i + 1]) / 2 if i + 1 < len(order)
                         else order[i - 1]) for i in range(1, len(order), 2)]
    print("ratio of each 'with' round to its neighbours: "
          + ", ".join(f"{x:.2f}" for x in pairs) + f"; median {median(pairs):.2f}")
    print(f"stream updates during intake: {median(per_second):.2f} per stream per second "
          f"(median; min {min(per_second):.2f}), longest gap {max(gaps):.2f} s "
          f"(the server ticks every {_tick_seconds()} s)")
    print(f"load(1 min) after {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
