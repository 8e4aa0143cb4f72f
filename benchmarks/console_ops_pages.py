"""Server time of the console's held-orders, exception-desk and inventory pages (first
render of each, then p50/p95 of repeats) on PostgreSQL: the demo network (its SKUs in
every warehouse: the stock table), `--orders` simulated orders of which every fifth is
short of stock and held, the desk synced. Times are of the whole request in process
(FastAPI TestClient: routing, session check, read models, template), no network.

    .venv/bin/python benchmarks/console_ops_pages.py [--orders 5000] [--skus 2000] [--repeat 20]
"""

from __future__ import annotations

import argparse
import base64
import os
import re
import secrets
import statistics
import time
from dataclasses import replace
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from orderhub.adapters.db.engine import make_engine, normalise_url
from orderhub.adapters.db.migrate import upgrade
from orderhub.api.app import create_app
from orderhub.bootstrap import bootstrap
from orderhub.config import Settings
from orderhub.services.access import users
from orderhub.services.exceptions import desk
from orderhub.services.exceptions import views as exc_views
from orderhub.services.intake.submit import submit_orders
from orderhub.services.inventory import stock_control
from orderhub.tools.demo import build_demo
from orderhub.tools.simulation import OrderGenerator, load_prices

T = "default"
NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
PG_URL = os.environ.get("ORDERHUB_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
PASSWORD = "bench-console-password"


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def pg_schema(schema: str, *, drop: bool = False) -> str:
    admin = create_engine(normalise_url(PG_URL), connect_args={"connect_timeout": 3})
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE' if drop
                          else f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options=-csearch_path%3D{schema}"


def run(url: str, args: argparse.Namespace) -> None:
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    def key() -> str:  # a throwaway database's keys
        return base64.b64encode(secrets.token_bytes(32)).decode()

    hub = bootstrap(Settings(database_url=url, master_key=key(), audit_key=key()),
                    clock=lambda: NOW)
    try:
        t0 = time.perf_counter()
        build_demo(hub, T, skus=args.skus, now=NOW)
        gen = OrderGenerator(seed=11, sku_prices=load_prices(hub, T), prefix="BCO")
        drafts = [replace(d, lines=[replace(ln, quantity=ln.quantity * 400)
                                    for ln in d.lines]) if i % 5 == 0 else d
                  for i, d in enumerate(gen.stream(args.orders, NOW))]
        for start in range(0, len(drafts), 500):
            submit_orders(hub.uow, T, drafts[start:start + 500], strategy=hub.strategy,
                          now=NOW, actor="bench", presale_lock=hub.presale_lock)
        with hub.read_uow() as uow:
            rows = uow.stock.page(T, limit=10_000_000)
        for lv in rows[::50]:  # one row in 50 with ATP below its safety stock
            stock_control.set_safety_stock(hub.uow, T, lv.sku, lv.warehouse,
                                           max(1, lv.on_hand), reason="bench", now=NOW,
                                           actor="bench")
        while desk.sync_holds(hub.uow, T, now=NOW, limit=500) != (0, 0):
            pass  # every held order on the desk, as the exception-sync job leaves it
        users.create_user(hub.uow, T, login="bench", role="tenant_admin", password=PASSWORD,
                          granter=None, actor="bench", now=NOW)
        stock_rows = len(rows)
        held = exc_views.list_exceptions(hub.read_uow, T, limit=1)["items"]
        print(f"postgres: {args.orders} orders, {stock_rows} stock rows, set up in "
              f"{time.perf_counter() - t0:.0f} s")
        c = TestClient(create_app(hub), follow_redirects=False)
        form = c.get("/console/sign-in")
        csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert csrf
        r = c.post("/console/sign-in", data={"tenant": T, "login": "bench",
                                             "password": PASSWORD, "csrf": csrf.group(1)})
        assert r.status_code == 303, r.text
        first_held = re.search(r'href="/console/held/(ord_[^"]+)"', c.get("/console/held").text)
        paths = ["/console/held", "/console/held?hold=backorder",
                 f"/console/held/{first_held.group(1)}" if first_held else "",
                 "/console/exceptions", f"/console/exceptions/{held[0]['id']}" if held else "",
                 "/console/inventory", "/console/inventory?low=1",
                 f"/console/inventory?warehouse={rows[0].warehouse}&low=1"]
        for path in filter(None, paths):
            times = []
            for _ in range(args.repeat + 1):
                t1 = time.perf_counter()
                resp = c.get(path)
                times.append((time.perf_counter() - t1) * 1000)
                assert resp.status_code == 200, (path, resp.status_code)
            first, rest = times[0], times[1:]
            print(f"  {path:<48} first {first:7.1f} ms  p50 {statistics.median(rest):7.1f} ms"
                  f"  p95 {pct(rest, 95):7.1f} ms")
    finally:
        hub.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--orders", type=int, default=5000)
    ap.add_argument("--skus", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()
    schema = f"bench_console_{secrets.token_hex(4)}"
    url = pg_schema(schema)
    try:
        run(url, args)
    finally:
        pg_schema(schema, drop=True)


if __name__ == "__main__":
    main()
