"""The console's pages with a million orders in PostgreSQL: server time of each page's
first render (p50/p95 over repeated requests, in-process through the ASGI app, signed in as
an operator) and of one dashboard tick (the figures the live stream pushes each second).

    .venv/bin/python benchmarks/console_pages.py [--orders 1000000] [--real 2000]
                                                 [--runs 30] [--pg-url URL]

`--real` orders go through intake (routing decisions, events, twins, holds); the rest are
copies of them written by SQL (ids below the real ones; the newest 120,000 in the minute
before the copy, as 2,000 orders/s would leave them, the others over the ~30 days before;
those older than the last 30,000 delivered with their shipments; 10,000 finished twins
for the on-time figure). The dashboard tick is timed twice: at the time of the timings
(an empty last minute) and at the copy's time (120,000 orders in the last minute). Copies
carry no personal data, so a phone search finds only the real orders among the million,
as it would. ANALYZE runs before the timings.

Figures vary with this shared machine: compare pages within one run.
"""

from __future__ import annotations

import argparse
import base64
import os
import re
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("ORDERHUB_AUDIT_KEY", base64.b64encode(b"a" * 32).decode())

from fastapi.testclient import TestClient

from orderhub.adapters.db import tables as t
from orderhub.api.app import create_app
from orderhub.bootstrap import Hub
from orderhub.services import dashboard
from orderhub.services.access import users
from orderhub.services.intake.submit import submit_orders
from throughput import DEFAULT_PG_URL, TENANT, fresh_hub, make_drafts, percentile

PASSWORD = "benchmark-password"
RECENT = 30_000  # copies younger than this many steps keep their template's status


def _columns(table: Any, override: dict[str, str], alias: str) -> tuple[str, str]:
    names = [c.name for c in table.columns]
    return ", ".join(names), ", ".join(override.get(n, f"{alias}.{n}") for n in names)


BURST = 120_000  # the newest copies: the last minute at 2,000 orders/s


def copy_orders(hub: Hub, count: int) -> tuple[float, datetime]:
    """`count` copies of the tenant's orders, their lines and shipments, in SQL; the
    newest BURST of them in the minute before the copy's `now` (returned)."""
    started = time.perf_counter()
    created = (f"CASE WHEN g <= {BURST} THEN now() - g * interval '0.5 milliseconds' "
               f"ELSE now() - interval '1 minute' - (g - {BURST}) * interval '2.5 seconds' END")
    gid = "'ord_00' || lpad((:n - g)::text, 24, '0')"  # older copies, lower ids
    old = f"g > {RECENT}"
    orders_cols, orders_sel = _columns(t.orders, {
        "id": gid, "external_id": "'BX-' || g", "pii": "''",
        "bidx_phone": "NULL", "bidx_customer_phone": "NULL", "bidx_email": "NULL",
        "status": f"CASE WHEN {old} THEN 'delivered' ELSE o.status END",
        "hold_reasons": f"CASE WHEN {old} THEN '[]'::jsonb ELSE o.hold_reasons END"
        if hub.engine.dialect.name == "postgresql" else "o.hold_reasons",
        "created_at": created, "updated_at": created}, "o")
    lines_cols, lines_sel = _columns(t.order_lines, {"order_id": gid}, "l")
    ship_cols, ship_sel = _columns(t.shipments, {
        "id": "'sc' || lpad(g::text, 8, '0') || right(s.id, 14)", "order_id": gid,
        "status": f"CASE WHEN {old} THEN 'delivered' ELSE s.status END"}, "s")
    twin_cols = ("order_id, tenant_id, status, stage, stage_entered_at, entries, health, "
                 "risk, reasons, finished_at, slack_seconds, updated_at")
    with hub.engine.begin() as conn:
        copied_at: datetime = conn.execute(text("SELECT now()")).scalar_one()
        conn.execute(text("CREATE TEMP TABLE tmpl AS SELECT id, row_number() OVER (ORDER BY id)"
                          " - 1 AS rn FROM orders WHERE tenant_id = :t"), {"t": TENANT})
        n_tmpl = conn.execute(text("SELECT count(*) FROM tmpl")).scalar_one()
        src = (f"FROM generate_series(1, :n) AS g JOIN tmpl ON tmpl.rn = g % {n_tmpl} ")
        conn.execute(text(f"INSERT INTO orders ({orders_cols}) SELECT {orders_sel} {src}"
                          "JOIN orders o ON o.id = tmpl.id"), {"n": count})
        conn.execute(text(f"INSERT INTO order_lines ({lines_cols}) SELECT {lines_sel} {src}"
                          "JOIN order_lines l ON l.order_id = tmpl.id"), {"n": count})
        conn.execute(text(f"INSERT INTO shipments ({ship_cols}) SELECT {ship_sel} {src}"
                          "JOIN shipments s ON s.order_id = tmpl.id"), {"n": count})
        conn.execute(text(
            f"INSERT INTO order_twins ({twin_cols}) SELECT {gid}, :t, 'delivered', 'delivered',"
            " now() - g * interval '2.5 seconds', '{}', 90, 0.1, '[]', "
            " now() - (g - 30000) * interval '5 seconds', (g % 7 - 1) * 3600, now() "
            "FROM generate_series(30001, 40000) AS g"), {"t": TENANT, "n": count})
    with hub.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))
    return time.perf_counter() - started, copied_at


def timed(client: TestClient, url: str, runs: int,
          pause: float = 0.0) -> tuple[float, float, int]:
    for _ in range(3):
        r = client.get(url)
        assert r.status_code == 200, (url, r.status_code, r.text[:300])
    spent = []
    for _ in range(runs):
        time.sleep(pause)
        started = time.perf_counter()
        r = client.get(url)
        spent.append((time.perf_counter() - started) * 1000)
    rows = len(re.findall(r"<tr data-order=", r.text))
    return percentile(spent, 50), percentile(spent, 95), rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--orders", type=int, default=1_000_000)
    p.add_argument("--real", type=int, default=2000)
    p.add_argument("--runs", type=int, default=30)
    p.add_argument("--pg-url", default=os.environ.get("ORDERHUB_BENCH_PG_URL", DEFAULT_PG_URL))
    args = p.parse_args()
    with fresh_hub("postgres", args.pg_url) as (hub, _):
        drafts = make_drafts(hub, args.real, 11, "CON")
        for i in range(0, len(drafts), 500):
            submit_orders(hub.uow, TENANT, drafts[i:i + 500], strategy=hub.strategy,
                          now=hub.clock(), actor="bench", presale_lock=hub.presale_lock)
        copy_s, copied_at = copy_orders(hub, args.orders - args.real)
        with hub.read_uow() as uow:
            total = sum(n for _, _, n in uow.dashboard.intake(
                TENANT, hub.clock().replace(year=2000)))
        users.create_user(hub.uow, TENANT, login="bench", role="operations",
                          password=PASSWORD, granter=None, actor="bench", now=hub.clock())
        client = TestClient(create_app(hub), follow_redirects=False)
        form = client.get("/console/sign-in").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', form)
        assert csrf
        assert client.post("/console/sign-in", data={
            "tenant": TENANT, "login": "bench", "password": PASSWORD,
            "csrf": csrf.group(1)}).status_code == 303
        with hub.read_uow() as uow:
            real = uow.orders.search_ids(TENANT, limit=1)[0]
            held = uow.orders.search_ids(TENANT, status=None, hold_code="unknown_sku", limit=1)
            sku = uow.orders.get(TENANT, real).lines[0].sku
            phone = uow.orders.get(TENANT, real).shipping_address.phone
            channel = uow.orders.get(TENANT, real).channel
        first = client.get("/console/orders").text
        cursor = re.search(r"cursor=([A-Za-z0-9_-]+)", first)
        assert cursor
        day = hub.clock().date()
        pages = [
            ("dashboard", "/console/dashboard"),
            ("orders, no filter", "/console/orders"),
            ("orders, next page (keyset)", f"/console/orders?cursor={cursor.group(1)}"),
            ("orders, channel", f"/console/orders?channel={channel}"),
            ("orders, status held", "/console/orders?status=on_hold"),
            ("orders, hold reason", "/console/orders?hold=unknown_sku"),
            ("orders, held + reason", "/console/orders?status=on_hold&hold=unknown_sku"),
            ("orders, SKU", f"/console/orders?sku={sku}"),
            ("orders, warehouse", "/console/orders?warehouse=SH-JD"),
            ("orders, date range (1 day)", f"/console/orders?date_from={day}&date_to={day}"),
            ("orders, external id", "/console/orders?external_id=BX-500000"),
            ("orders, phone (blind index)", f"/console/orders?phone={phone}"),
            ("order page", f"/console/orders/{real}"),
        ]
        if held:
            pages.append(("order page, held", f"/console/orders/{held[0]}"))
        print(f"PostgreSQL, {total:,} orders ({args.real:,} through intake, the rest copied "
              f"in {copy_s:.0f} s); {args.runs} timed requests per page after 3 warm-ups")
        print(f"{'page':34} {'p50 ms':>8} {'p95 ms':>8} {'rows':>5}")
        for name, url in pages:
            # the dashboard's figures are shared for a tick: wait it out, so each render
            # computes them as a first visit does
            p50, p95, rows = timed(client, url, args.runs,
                                   pause=1.0 if name == "dashboard" else 0.0)
            print(f"{name:34} {p50:8.1f} {p95:8.1f} {rows:5d}")
        for label, at in (("dashboard tick (figures only)", hub.clock()),
                          ("tick, 120,000 orders in the minute", copied_at)):
            ticks = []
            for _ in range(args.runs):
                started = time.perf_counter()
                figures = dashboard.figures(hub.read_uow, TENANT, at)
                ticks.append((time.perf_counter() - started) * 1000)
            print(f"{label:34} {percentile(ticks, 50):8.1f} {percentile(ticks, 95):8.1f}"
                  f"  ({figures['intake']['per_minute']:,.0f} orders/min counted)")


if __name__ == "__main__":
    main()
