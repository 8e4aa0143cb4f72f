"""Reconciliation of a 100,000-row settlement file (issue 17 item 4): import + run time.

It creates the orders first (through `submit_orders`, the same path as the API; not timed),
then writes a Tmall/Taobao Alipay statement (账务明细 CSV) of `--rows` rows against them with
known problems injected: orders never settled, payments short or over, rows naming no order,
rows in a foreign currency and repeated rows (the same 业务流水号 twice). It times the import
(parse + store, `services.reconciliation.settlement.import_file`) and the run
(`settlement.run`: read, match, store every finding), prints rows/s and seconds, and checks
that every row is matched or flagged (none unaccounted) and that every injected problem was
found, exactly (exit 1 otherwise).

    .venv/bin/python benchmarks/reconcile.py [--rows 100000] [--backends sqlite,postgres]
"""

from __future__ import annotations

import argparse
import base64
import random
import secrets
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import create_engine, text

from orderhub.adapters.db.migrate import upgrade
from orderhub.bootstrap import Hub, bootstrap
from orderhub.config import get_settings
from orderhub.domain.inventory import Channel, Sku, Warehouse
from orderhub.domain.order import Address, Customer, Order, OrderLine, OrderType
from orderhub.services import catalog
from orderhub.services.intake.drafts import LineDraft, OrderDraft
from orderhub.services.intake.submit import submit_orders
from orderhub.services.inventory import stock_control
from orderhub.services.reconciliation import settlement, views

T = "default"
NOW = datetime(2026, 11, 15, 4, 0, tzinfo=UTC)
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
ADDRESS = Address(country="CN", province="上海市", city="上海市", district="浦东新区",
                  line1="世纪大道 1 号", name="李雷", phone="13800138000")
HEAD = ("账务流水号,业务流水号,商户订单号,发生时间,收入金额（+元）,支出金额（-元）,业务类型,"
        "业务基础订单号,币种\n")
FEES = [("软件服务费", Decimal("0.02")), ("佣金", Decimal("0.05")),
        ("淘宝客佣金", Decimal("0.03")), ("花呗服务费", Decimal("0.01"))]
# injected problems
UNSETTLED, SHORT, UNKNOWN, FOREIGN, DUPLICATES = 50, 100, 50, 20, 100


@contextmanager
def fresh_hub(backend: str) -> Iterator[Hub]:
    with tempfile.TemporaryDirectory(prefix="orderhub-reconcile-") as tmp:
        if backend == "sqlite":
            url = f"sqlite:///{tmp}/bench.db"
        else:
            schema = f"bench_rcn_{secrets.token_hex(4)}"
            admin = create_engine(PG_URL)
            with admin.begin() as conn:
                conn.execute(text(f"CREATE SCHEMA {schema}"))
            url = f"{PG_URL}?options=-csearch_path%3D{schema}"
        settings = get_settings().model_copy(update={
            "key_dir": tmp, "master_key": base64.b64encode(secrets.token_bytes(32)).decode(),
            "audit_key": base64.b64encode(secrets.token_bytes(32)).decode()})
        hub = bootstrap(settings, database_url=url, clock=lambda: NOW)
        try:
            upgrade(hub.engine)
            yield hub
        finally:
            hub.close()
            if backend != "sqlite":
                with admin.begin() as conn:
                    conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
                admin.dispose()


def create_orders(hub: Hub, count: int, rng: random.Random, *, intake: bool = False
                  ) -> dict[str, Decimal]:
    """`count` Tmall orders of one line each; external id -> grand total. By default they
    are stored as `Order.create` makes them (the aggregate and its `OrderCreated` event,
    through `uow.orders`, 5,000 a transaction): what reconciliation reads of an order is
    its channel, external id, currency, grand total, status and time, which routing does
    not change. `--intake` sends them through `submit_orders` instead (validated, routed,
    reserved; much slower to set up)."""
    catalog.add_channels(hub.uow, [Channel(T, "tmall", "天猫 Tmall")])
    catalog.add_warehouses(hub.uow, [Warehouse(T, "SH", "Shanghai DC", 31.23, 121.47,
                                               region="east", city="上海", province="上海")],
                           NOW)
    catalog.add_skus(hub.uow, [Sku(T, f"S{i}", f"Item {i}", Decimal("10.00"))
                               for i in range(20)], NOW)
    stock_control.receive_stock_many(hub.uow, T, [(f"S{i}", "SH", 10_000_000)
                                                  for i in range(20)],
                                     reference="bench", now=NOW, actor="bench")
    totals: dict[str, Decimal] = {}
    drafts = []
    for i in range(count):
        ext = f"TM{i:07d}"
        price = Decimal(rng.randint(500, 50_000)) / 100
        qty = rng.randint(1, 3)
        drafts.append(OrderDraft(channel="tmall", external_id=ext, currency="CNY",
                                 lines=[LineDraft(f"S{i % 20}", qty, price)],
                                 shipping_address=ADDRESS, placed_at=NOW))
        totals[ext] = price * qty
    step = 2000 if intake else 5000
    for start in range(0, len(drafts), step):
        part = drafts[start:start + step]
        if intake:
            submit_orders(hub.uow, T, part, strategy=hub.strategy, now=NOW, actor="bench")
        else:
            with hub.uow() as uow:
                for d in part:
                    uow.orders.add(Order.create(
                        tenant_id=T, channel=d.channel, external_id=d.external_id,
                        order_type=OrderType.B2C, currency=d.currency,
                        lines=[OrderLine(1, ln.sku, ln.quantity, ln.unit_price)
                               for ln in d.lines],
                        customer=Customer(), address=d.shipping_address, now=NOW,
                        actor="bench", placed_at=d.placed_at))
                uow.commit()
        print(f"  orders created: {min(start + step, count):,}", end="\r", flush=True)
    print()
    return totals


def settlement_file(totals: dict[str, Decimal], rows: int, rng: random.Random
                    ) -> tuple[bytes, dict[str, set[str]]]:
    """The statement and the injected problems (kind -> external ids or serials)."""
    ids = list(totals)
    rng.shuffle(ids)
    unsettled = set(ids[:UNSETTLED])
    short = set(ids[UNSETTLED:UNSETTLED + SHORT])
    foreign = set(ids[UNSETTLED + SHORT:UNSETTLED + SHORT + FOREIGN])
    settled = [e for e in ids if e not in unsettled]
    body: list[str] = []
    serial = 0

    def add(ext: str, amount: Decimal, kind: str = "交易付款", currency: str = "CNY") -> str:
        nonlocal serial
        serial += 1
        sn = f"2026111522{serial:09d}"
        income, expense = (f"{amount:.2f}", "") if amount >= 0 else ("", f"{amount:.2f}")
        body.append(f"A{sn},{sn},T200P{ext},2026-11-20 10:00:00,{income},{expense},{kind},"
                    f"{ext},{currency}\n")
        return sn

    for ext in settled:
        amount = totals[ext] + (Decimal("1.00") if ext in short else 0)
        add(ext, amount, currency="USD" if ext in foreign else "CNY")
    unknown = {f"TX{i:06d}" for i in range(UNKNOWN)}
    for ext in sorted(unknown):
        add(ext, Decimal("9.90"))
    # The rest: fees and commissions, as an Alipay statement lists them per trade.
    fees_for = [e for e in settled if e not in short and e not in foreign]
    room = rows - len(body) - DUPLICATES
    if room < 0 or room > len(fees_for) * len(FEES):
        raise SystemExit(f"--rows {rows} does not fit {len(totals)} orders")
    for i in range(room):
        ext, (fee, rate) = fees_for[i % len(fees_for)], FEES[i // len(fees_for)]
        add(ext, -(totals[ext] * rate).quantize(Decimal("0.01")), fee)
    dupes = rng.sample(range(len(body)), DUPLICATES)
    dup_serials = {body[i].split(",")[1] for i in dupes}
    body.extend(body[i] for i in dupes)
    data = ("#支付宝账务明细查询\n" + HEAD + "".join(body)).encode()
    return data, {"unsettled_order": unsettled, "amount_mismatch": short,
                  "currency_mismatch": foreign, "unmatched_row": unknown,
                  "duplicate": dup_serials}


def found_in(hub: Hub, run_id: str) -> dict[str, set[str]]:
    with hub.read_uow() as uow:
        findings = uow.reconciliation.findings(T, run_id)
    out: dict[str, set[str]] = {}
    for f in findings:
        key = f.reference if f.code.value == "duplicate" else f.external_id
        out.setdefault(f.code.value, set()).add(key)
    return out


def bench(backend: str, rows: int, orders: int, seed: int, intake: bool) -> dict[str, Any]:
    rng = random.Random(seed)
    with fresh_hub(backend) as hub:
        started = time.perf_counter()
        totals = create_orders(hub, orders, rng, intake=intake)
        print(f"  {orders:,} orders created in {time.perf_counter() - started:.1f} s "
              "(not timed below)")
        data, injected = settlement_file(totals, rows, rng)
        t0 = time.perf_counter()
        doc = settlement.import_file(hub.uow, T, data, "alipay-2026-11.csv", source="tmall",
                                     period="2026-11", now=NOW, actor="bench")
        t1 = time.perf_counter()
        [run] = settlement.run(hub.uow, T, "2026-11", scope="tmall", now=NOW, actor="bench")
        t2 = time.perf_counter()
        csv_bytes, _, _ = views.export(hub.read_uow, T, "2026-11", "csv", scope="tmall")
        t3 = time.perf_counter()
        summary = run.summary
        found = found_in(hub, run.id)
        problems = []
        if doc["rows"] != rows or summary["rows"] != rows:
            problems.append(f"rows imported {doc['rows']}, run read {summary['rows']}")
        if summary["rows_unaccounted"] != 0:
            problems.append(f"{summary['rows_unaccounted']} rows neither matched nor flagged")
        for kind, expected in injected.items():
            if found.get(kind, set()) != expected:
                missing = len(expected - found.get(kind, set()))
                extra = len(found.get(kind, set()) - expected)
                problems.append(f"{kind}: {missing} injected not found, {extra} unexpected")
        others = set(found) - set(injected) - {"matched"}
        problems += [f"unexpected findings: {k} ({len(found[k])})" for k in others]
        return {"backend": backend, "rows": rows, "orders": orders,
                "import_s": t1 - t0, "run_s": t2 - t1, "total_s": t2 - t0,
                "rows_per_s": rows / (t2 - t0), "export_csv_s": t3 - t2,
                "export_bytes": len(csv_bytes), "summary": summary, "problems": problems}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--orders", type=int, default=30_000, help="orders created (the "
                        "file holds a payment for each and up to 4 fee rows)")
    parser.add_argument("--backends", default="sqlite")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--intake", action="store_true", help="create the orders through "
                        "submit_orders (routed and reserved) instead of the repository")
    args = parser.parse_args()
    failed = False
    for backend in args.backends.split(","):
        print(f"== {backend}: {args.rows:,}-row Alipay statement against {args.orders:,} "
              "orders")
        r = bench(backend, args.rows, args.orders, args.seed, args.intake)
        s = r["summary"]
        print(f"  import (parse + store): {r['import_s']:.2f} s")
        print(f"  run (read, match, store findings): {r['run_s']:.2f} s")
        print(f"  import + run: {r['total_s']:.2f} s = {r['rows_per_s']:,.0f} rows/s")
        print(f"  export CSV of every finding: {r['export_csv_s']:.2f} s "
              f"({r['export_bytes']:,} bytes)")
        print(f"  rows {s['rows']:,}: matched {s['rows_matched']:,}, flagged "
              f"{s['rows_flagged']:,}, unaccounted {s['rows_unaccounted']}")
        print("  findings: " + ", ".join(f"{k} {v:,}" for k, v in s["counts"].items() if v))
        if r["problems"]:
            failed = True
            print("  CHECK FAILED: " + "; ".join(r["problems"]))
        else:
            print("  check: every row matched or flagged; every injected problem found "
                  f"({UNSETTLED} unsettled, {SHORT} short, {UNKNOWN} unknown orders, "
                  f"{FOREIGN} foreign currency, {DUPLICATES} duplicates)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
