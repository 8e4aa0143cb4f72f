"""Shipping documents (issue 19 part 4): how fast labels render, and what a wave costs.

1. Rendering alone (no database): labels per second as PDF (reportlab, Code128, CJK font)
   and as ZPL, one document per call, with a Chinese receiver.
2. The `labels` consumer on SQLite: shipments per second it produces documents for (label
   PDF + ZPL, packing list PDF, records, one event each), after N releases.
3. A wave of 500 released orders at one warehouse through `print_wave` (the service the
   API and CLI call: reads, renders, audit): seconds and bytes, PDF and ZPL.

Run: .venv/bin/python benchmarks/labels.py [--labels 500] [--wave 500]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime
from datetime import time as dtime
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from orderhub.adapters.labels import pdf, zpl
from orderhub.adapters.labels.builtin import builtin_layouts
from orderhub.domain.labels import (
    DocumentFormat,
    PackingLine,
    shipment_document,
)


def sample(i: int):  # type: ignore[no-untyped-def]
    return shipment_document(
        tenant_id="t", order_id=f"ord_{i:032x}", external_id=f"TM-{i}", channel="tmall",
        shipment_id=f"shp_{i:032x}", warehouse_code="HZ", carrier_service="ZTO:standard",
        waybill=f"7{i:012d}", sender_name="杭州钱塘仓", sender_address="浙江省杭州市",
        receiver={"name": "张三", "phone": "13800138000", "province": "浙江省",
                  "city": "杭州市", "district": "西湖区", "line1": f"文三路 {i % 500} 号"},
        lines=[PackingLine("SKU-00001", "婴儿奶粉 一段 800g", 2)],
        ordered_at=datetime(2026, 11, 24, tzinfo=UTC))


def render_rates(n: int) -> None:
    layout = builtin_layouts()["ZTO"]
    docs = [sample(i) for i in range(n)]
    pdf.labels([(layout, docs[0])])  # font registration, imports
    t0 = time.perf_counter()
    for d in docs:
        pdf.labels([(layout, d)])
    t_pdf = time.perf_counter() - t0
    t0 = time.perf_counter()
    for d in docs:
        zpl.label(layout, d)
    t_zpl = time.perf_counter() - t0
    t0 = time.perf_counter()
    for d in docs:
        pdf.packing_lists([d])
    t_pack = time.perf_counter() - t0
    print(f"render, one document per call, {n} documents:")
    print(f"  label PDF      {n / t_pdf:8.0f} labels/s  ({t_pdf / n * 1000:.2f} ms each)")
    print(f"  label ZPL      {n / t_zpl:8.0f} labels/s  ({t_zpl / n * 1000:.3f} ms each)")
    print(f"  packing PDF    {n / t_pack:8.0f} lists/s   ({t_pack / n * 1000:.2f} ms each)")


def service_figures(wave: int) -> None:
    from orderhub.bootstrap import bootstrap
    from orderhub.cli.common import upgrade_schema
    from orderhub.config import Settings
    from orderhub.domain.inventory import Channel, Sku, Warehouse
    from orderhub.domain.order import Address
    from orderhub.services import catalog
    from orderhub.services.intake.drafts import LineDraft, OrderDraft
    from orderhub.services.intake.submit import submit_orders
    from orderhub.services.inventory import stock_control
    from orderhub.services.labels import documents

    with tempfile.TemporaryDirectory() as d:
        hub = bootstrap(Settings(database_url=f"sqlite:///{d}/bench.db"))
        upgrade_schema(hub)
        now = hub.clock()
        catalog.ensure_tenant(hub.uow, "default", "Default", now)
        catalog.add_channels(hub.uow, [Channel("default", "web", "Web")])
        catalog.add_warehouses(hub.uow, [Warehouse(
            "default", "HZ", "杭州钱塘仓", 30.27, 120.15, city="杭州", province="浙江",
            region="east", cutoff=dtime(23, 59))], now)
        catalog.add_skus(hub.uow, [Sku("default", "A", "婴儿奶粉 一段 800g",
                                       Decimal("10.00"))], now)
        stock_control.receive_stock_many(hub.uow, "default", [("A", "HZ", wave * 2)],
                                         reference="bench", now=now, actor="bench")
        address = Address(country="CN", province="浙江省", city="杭州市", district="西湖区",
                          line1="文三路 100 号", name="张三", phone="13800138000")
        drafts = [OrderDraft(channel="web", external_id=f"B-{i}", currency="CNY",
                             lines=[LineDraft(sku="A", quantity=1,
                                              unit_price=Decimal("10.00"))],
                             shipping_address=address) for i in range(wave)]
        results = submit_orders(hub.uow, "default", drafts, strategy=hub.strategy, now=now,
                                actor="bench")
        ids = [r.order_id for r in results if r.status == "allocated" and r.order_id]
        consumer = hub.enable_labels()
        consumer.process_once(wait=0)  # its offset: from the start of the log
        t0 = time.perf_counter()
        for oid in ids:
            hub.waybills.release("default", oid, actor="bench")
        t_release = time.perf_counter() - t0
        hub.relay.drain()
        t0 = time.perf_counter()
        while consumer.process_once(wait=0):
            pass
        t_consumer = time.perf_counter() - t0
        print(f"SQLite, {wave} orders released one by one: {wave / t_release:.0f} releases/s "
              "(documents are not made inside a release)")
        print(f"  labels consumer: {wave / t_consumer:.0f} shipments/s (label PDF + ZPL, "
              f"packing list PDF, records, one event each; {t_consumer:.1f} s)")
        for fmt in (DocumentFormat.PDF, DocumentFormat.ZPL):
            t0 = time.perf_counter()
            printed = documents.print_wave(hub.uow, "default", "HZ", since=None, fmt=fmt,
                                           now=hub.clock(), actor="bench")
            dt = time.perf_counter() - t0
            print(f"  wave of {len(printed.shipments)} as {fmt.value.upper()}: {dt:.2f} s "
                  f"({len(printed.shipments) / dt:.0f} labels/s), "
                  f"{len(printed.content) / 1024:.0f} KiB, {printed.pages} pages")
        hub.close()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--labels", type=int, default=500)
    p.add_argument("--wave", type=int, default=500)
    args = p.parse_args()
    render_rates(args.labels)
    service_figures(args.wave)


if __name__ == "__main__":
    main()
