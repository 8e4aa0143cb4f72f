"""Channel cut-over in shadow mode, end to end (issue 16): a shadow channel's orders are
validated and routed but reserve nothing; the report finds each kind of difference against
a crafted legacy export; promotion is refused below the bar and accepted above it; then the
channel's new orders reserve stock. Through the API and the CLI, on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from orderhub.adapters.db import tables as t
from orderhub.bootstrap import Hub
from orderhub.cli.app import app as cli
from tests.api import api_client, auth_headers
from tests.factories import ADDRESS_JSON, seed_network

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "channels"
SECRET = "tmall-webhook-secret"
runner = CliRunner()


@pytest.fixture
def client(hub: Hub) -> Iterator[TestClient]:
    seed_network(hub)
    with api_client(hub) as c:
        yield c


def draft(external_id: str, sku: str = "A", qty: int = 1, channel: str = "web",
          price: str = "10.00") -> dict[str, Any]:
    return {"channel": channel, "external_id": external_id,
            "lines": [{"sku": sku, "quantity": qty, "unit_price": price}],
            "shipping_address": ADDRESS_JSON, "currency": "CNY"}


def atp(client: TestClient, sku: str) -> dict[str, int]:
    doc = client.get(f"/v1/inventory/{sku}").json()
    return {w["warehouse"]: w["atp"] for w in doc["warehouses"]}


def count(hub: Hub, table: Any, **where: str) -> int:
    q = select(func.count()).select_from(table)
    for k, v in where.items():
        q = q.where(table.c[k] == v)
    with hub.engine.connect() as conn:
        return int(conn.execute(q).scalar_one())


def legacy_csv(rows: list[tuple[str, ...]]) -> bytes:
    head = "订单号,订单状态,发货仓,订单金额,币种,是否挂起,挂起原因\n"
    return (head + "".join(",".join(r) + "\n" for r in rows)).encode()


def test_shadow_channel_reserves_nothing_report_and_promotion(client: TestClient,
                                                               hub: Hub) -> None:
    before = {"A": atp(client, "A"), "B": atp(client, "B")}
    r = client.post("/v1/channels/web/shadow", json={"reason": "pilot for the cut-over"})
    assert r.status_code == 200, r.text
    assert r.json() == {"channel": "web", "mode": "shadow", "previous_mode": "live"}
    assert client.post("/v1/channels/web/shadow").status_code == 409  # already
    modes = {c["code"]: c["mode"] for c in client.get("/v1/channels").json()}
    assert modes == {"web": "shadow", "tmall": "live"}

    # One order through the single-order route: validated and routed, nothing reserved.
    r = client.post("/v1/orders", json=draft("W-1", "A", 2))
    assert r.status_code == 202, r.text
    rec = r.json()
    assert (rec["mode"], rec["status"], rec["warehouses"]) == ("shadow", "allocated", ["SH"])
    assert rec["grand_total"] == "20.00" and rec["id"].startswith("shd_")
    again = client.post("/v1/orders", json=draft("W-1", "A", 2))
    assert again.status_code == 200 and again.json()["id"] == rec["id"]
    changed = client.post("/v1/orders", json=draft("W-1", "A", 3))
    assert changed.status_code == 409 and "already exists" in changed.text
    # A batch mixing the shadow channel and a live one.
    batch = client.post("/v1/orders/batch", json={"orders": [
        draft("W-2", "A", 1, price="30.00"), draft("W-3", "B", 1, price="5.00"),
        draft("W-4", "D", 1, price="50.00"),  # inactive SKU: would be held
        draft("W-6", "A", 1), draft("T-1", "A", 1, channel="tmall")]})
    assert batch.status_code == 200, batch.text
    results = {x["external_id"]: x for x in batch.json()["results"]}
    assert {k: v["status"] for k, v in results.items()} == {
        "W-2": "shadow", "W-3": "shadow", "W-4": "shadow", "W-6": "shadow",
        "T-1": "allocated"}
    assert "would be held (inactive_sku" in results["W-4"]["message"]
    assert "would be allocated to BJ" in results["W-3"]["message"]

    # ATP moved only by the live order; no order row, reservation or event of the shadow
    # ones; nothing on the held list.
    assert atp(client, "A")["SH"] == before["A"]["SH"] - 1  # T-1 only
    assert atp(client, "B") == before["B"]
    assert count(hub, t.orders, channel="web") == 0
    assert count(hub, t.shadow_orders, channel="web") == 5
    assert client.get("/v1/orders", params={"channel": "web"}).json()["items"] == []
    assert client.get("/v1/orders/held").json()["items"] == []
    with hub.engine.connect() as conn:
        types = [r[0] for r in conn.execute(select(t.outbox.c.type))]
    assert types.count("ChannelModeChanged") == 1
    assert types.count("OrderCreated") == 1  # T-1

    # The legacy export: one consistent order, one of each difference.
    crafted = legacy_csv([
        ("W-1", "已发货", "SH", "20.00", "CNY", "否", ""),  # same
        ("W-2", "已发货", "SH", "31.00", "CNY", "否", ""),  # amount differs
        ("W-3", "已发货", "SH", "5.00", "CNY", "否", ""),  # warehouse differs (hub: BJ)
        ("W-4", "已发货", "GZ", "50.00", "CNY", "否", ""),  # hub held it, legacy did not
        ("W-5", "已发货", "SH", "8.00", "CNY", "否", ""),  # the hub never saw it
    ])  # W-6: missing in the legacy export
    r = client.post("/v1/channels/web/cutover/legacy", content=crafted,
                    params={"filename": "legacy.csv"}, headers={"content-type": "text/csv"})
    assert r.status_code == 200, r.text
    assert r.json() == {"channel": "web", "rows": 5, "replaced": 0}
    report = client.get("/v1/channels/web/cutover/report").json()
    kinds = {d["external_id"]: d["kind"] for d in report["differences"]}
    assert kinds == {"W-2": "amount", "W-3": "warehouse", "W-4": "hold",
                     "W-5": "missing_in_hub", "W-6": "missing_in_legacy"}
    assert (report["compared"], report["matched"], report["consistent"]) == (6, 4, 1)
    assert report["rate"] == "0.1667"
    w3 = next(d for d in report["differences"] if d["external_id"] == "W-3")
    assert (w3["hub"], w3["legacy"], w3["line"]) == ("BJ", "SH", 4)

    # A malformed file is refused with its row and field; nothing changes.
    bad = legacy_csv([("W-1", "已发货", "SH", "twenty", "CNY", "否", "")])
    r = client.post("/v1/channels/web/cutover/legacy", content=bad,
                    params={"filename": "bad.csv"}, headers={"content-type": "text/csv"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "row 2.total", r.json()
    assert count(hub, t.legacy_orders, channel="web") == 5

    # Below the bar: refused with the figures, still in shadow.
    r = client.post("/v1/channels/web/promote", json={"min_rate": "0.98"})
    assert r.status_code == 409, r.text
    assert r.json()["report"]["rate"] == "0.1667" and "below 0.98" in r.json()["detail"]
    assert client.get("/v1/channels").json()[1]["mode"] == "shadow"

    # The legacy team corrects its export: four more agree (W-5 stays legacy-only).
    fixed = legacy_csv([
        ("W-2", "已发货", "SH", "30.00", "CNY", "否", ""),
        ("W-3", "已发货", "BJ", "5.00", "CNY", "否", ""),
        ("W-4", "挂起", "", "50.00", "CNY", "是", "商品停售"),
        ("W-6", "已发货", "SH", "10.00", "CNY", "否", ""),
    ])
    r = client.post("/v1/channels/web/cutover/legacy", content=fixed,
                    params={"filename": "legacy-2.csv"}, headers={"content-type": "text/csv"})
    assert r.json()["replaced"] == 3
    report = client.get("/v1/channels/web/cutover/report").json()
    assert (report["compared"], report["consistent"], report["rate"]) == (6, 5, "0.8333")
    assert client.post("/v1/channels/web/promote",
                       json={"min_rate": "0.8", "min_orders": 100}).status_code == 409
    r = client.post("/v1/channels/web/promote", json={"min_rate": "0.8", "min_orders": 6})
    assert r.status_code == 200, r.text
    assert r.json()["mode"] == "live" and r.json()["report"]["rate"] == "0.8333"

    # Live now: new orders reserve stock; the shadow records stay for the report.
    a_before = atp(client, "A")["SH"]
    r = client.post("/v1/orders", json=draft("W-7", "A", 3))
    assert r.status_code == 201 and r.json()["status"] == "allocated", r.text
    assert atp(client, "A")["SH"] == a_before - 3
    assert count(hub, t.shadow_orders, channel="web") == 5
    assert client.get("/v1/channels/web/cutover/report").json()["compared"] == 6
    with hub.engine.connect() as conn:
        modes_evented = [r[0]["mode"] for r in conn.execute(
            select(t.outbox.c.data).where(t.outbox.c.type == "ChannelModeChanged")
            .order_by(t.outbox.c.id))]
        audited = [r[0] for r in conn.execute(
            select(t.audit_log.c.detail).where(t.audit_log.c.subject == "channel/web"))]
    assert modes_evented == ["shadow", "live"]
    assert any(d.get("mode") == {"before": "shadow", "after": "live"} for d in audited)
    assert sum(1 for d in audited if d.get("change") == "legacy_export_imported") == 2


def test_cutover_scopes(client: TestClient, hub: Hub) -> None:
    ops = auth_headers(hub, role="operations")
    r = client.post("/v1/channels/web/shadow", headers=ops)
    assert r.status_code == 403 and "channels:manage" in r.text
    analyst = auth_headers(hub, role="analyst")
    assert client.get("/v1/channels/web/cutover/report", headers=analyst).status_code == 200
    assert client.post("/v1/channels/web/promote", json={"min_rate": "0.5"},
                       headers=analyst).status_code == 403
    assert client.get("/v1/channels/nope/cutover/report").status_code == 404
    assert client.post("/v1/channels/web/promote", json={"min_rate": "0.5"}).status_code == 409


def signed(body: bytes) -> dict[str, str]:
    digest = hmac.new(SECRET.encode(), body, hashlib.sha256).digest()
    return {"X-Top-Sign": base64.b64encode(digest).decode(), "content-type": "application/json"}


def test_shadow_webhook_update_and_cancel(client: TestClient, hub: Hub) -> None:
    """A channel's own payloads in shadow: recorded, updated, cancelled; never an order."""
    r = client.post("/v1/channels", json={"code": "tmall-store", "name": "天猫旗舰店",
                                          "kind": "marketplace", "adapter": "taobao",
                                          "secret": SECRET})
    assert r.status_code == 201
    assert client.post("/v1/channels/tmall-store/shadow").status_code == 200
    body = (FIXTURES / "taobao_trade_fullinfo.json").read_bytes()
    r = client.post("/v1/channels/tmall-store/webhook", content=body, headers=signed(body))
    assert r.status_code == 200, r.text
    [first] = r.json()
    assert (first["outcome"], first["status"]) == ("created", "shadow")
    assert "would be held (unmapped_sku)" in first["message"]
    again = client.post("/v1/channels/tmall-store/webhook", content=body, headers=signed(body))
    assert again.json()[0]["outcome"] == "unchanged"
    closed = (FIXTURES / "taobao_trade_fullinfo_closed.json").read_bytes()
    r = client.post("/v1/channels/tmall-store/webhook", content=closed, headers=signed(closed))
    assert r.json()[0]["outcome"] == "cancelled" and r.json()[0]["order_id"] == first["order_id"]
    assert count(hub, t.orders) == 0
    with hub.engine.connect() as conn:
        status = conn.execute(select(t.shadow_orders.c.status)).scalar_one()
    assert status == "cancelled"


def test_an_order_taken_live_keeps_the_live_path(client: TestClient, hub: Hub) -> None:
    """Orders a channel sent before it went into shadow stay live: their cancellation
    still reaches them (and gives their stock back)."""
    r = client.post("/v1/channels", json={"code": "tmall-store", "name": "天猫旗舰店",
                                          "kind": "marketplace", "adapter": "taobao",
                                          "secret": SECRET})
    assert r.status_code == 201
    body = (FIXTURES / "taobao_trade_fullinfo.json").read_bytes()
    [live] = client.post("/v1/channels/tmall-store/webhook", content=body,
                         headers=signed(body)).json()
    assert live["status"] == "on_hold"
    assert client.post("/v1/channels/tmall-store/shadow").status_code == 200
    closed = (FIXTURES / "taobao_trade_fullinfo_closed.json").read_bytes()
    [r] = client.post("/v1/channels/tmall-store/webhook", content=closed,
                      headers=signed(closed)).json()
    assert (r["outcome"], r["order_id"], r["status"]) == ("cancelled", live["order_id"],
                                                           "cancelled")
    assert count(hub, t.shadow_orders) == 0


def _cli(database_url: str, *args: str) -> tuple[int, str]:
    result = runner.invoke(cli, list(args), env={"ORDERHUB_DATABASE_URL": database_url,
                                                  "COLUMNS": "200"})
    return result.exit_code, result.output


def test_cli_cutover_with_xlsx(hub: Hub, database_url: str, tmp_path: Path) -> None:
    import openpyxl

    seed_network(hub)
    code, out = _cli(database_url, "channel", "shadow", "web", "--reason", "pilot")
    assert code == 0, out
    code, out = _cli(database_url, "channel", "list", "--json")
    assert {c["code"]: c["mode"] for c in json.loads(out)}["web"] == "shadow"
    with api_client(hub) as c:
        for ext, sku in (("X-1", "A"), ("X-2", "C")):
            assert c.post("/v1/orders", json=draft(ext, sku, 1)).status_code == 202
    # a file import into the shadow channel: shadow records, no orders
    code, out = _cli(database_url, "import", str(FIXTURES / "tabular_b2b_orders.csv"),
                     "--channel", "web", "--json")
    imported = json.loads(out[out.index("{"):])
    assert imported["outcomes"]["created"] >= 2 and imported["held"] == 0, out
    assert count(hub, t.orders) == 0
    assert count(hub, t.shadow_orders) == 2 + imported["outcomes"]["created"]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Order No.", "Status", "Ship From", "Grand Total", "Cur", "On Hold"])
    sheet.append(["X-1", "shipped", "SH", 10, "CNY", "no"])
    sheet.append(["X-2", "shipped", "GZ", 20.5, "CNY", "no"])
    buf = io.BytesIO()
    book.save(buf)
    path = tmp_path / "legacy.xlsx"
    path.write_bytes(buf.getvalue())
    code, out = _cli(database_url, "channel", "cutover", "import", "web", str(path))
    assert code == 1 and "row 1.currency" in out  # "Cur" is not a known header
    code, out = _cli(database_url, "channel", "cutover", "import", "web", str(path),
                     "--map", "currency=Cur", "--map", "external_id=Order No.")
    assert code == 0, out
    code, out = _cli(database_url, "channel", "cutover", "report", "web", "--json")
    assert json.loads(out)["compared"] == 2 + imported["outcomes"]["created"]
    since = ("--from", "2026-01-01T00:00:00+08:00")  # the file's orders are of 2024
    code, out = _cli(database_url, "channel", "cutover", "report", "web", *since, "--json")
    doc = json.loads(out)
    assert (doc["compared"], doc["consistent"]) == (2, 1)
    assert [d["kind"] for d in doc["differences"]] == ["amount"]  # 20.00 vs 20.5
    code, out = _cli(database_url, "channel", "cutover", "report", "web", *since,
                     "--lang", "zh")
    assert code == 0 and "一致率 0.5000" in out and "金额不同" in out
    code, out = _cli(database_url, "channel", "promote", "web", "--min-rate", "0.98", *since,
                     "--lang", "zh")
    assert code == 3 and "仍为影子模式" in out and "一致率 0.5000 低于 0.98" in out
    code, out = _cli(database_url, "channel", "promote", "web", "--min-rate", "0.5", *since,
                     "--min-orders", "3")
    assert code == 3 and "2 orders compared, fewer than 3" in out
    code, out = _cli(database_url, "channel", "promote", "web", "--min-rate", "0.5", *since,
                     "--min-orders", "2")
    assert code == 0 and "is live" in out
    code, out = _cli(database_url, "channel", "show", "web", "--json")
    assert json.loads(out)["mode"] == "live"
    assert json.loads(out)["shadow_orders"] == 2 + imported["outcomes"]["created"]


def test_a_mode_change_waits_for_the_intake_in_flight(hub: Hub, database_url: str) -> None:
    """Two connections on PostgreSQL: a promotion waits until an intake that read the old
    mode has committed, so no order is lost between the legacy system and the hub."""
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite serialises writers: no intake is in flight during a change")
    import threading
    import time
    from decimal import Decimal

    from orderhub.services import cutover

    seed_network(hub)
    cutover.put_in_shadow(hub.uow, "default", "web", now=hub.clock(), actor="test")
    done = threading.Event()

    def promote() -> None:
        cutover.promote(hub.uow, "default", "web", min_rate=Decimal(0), min_orders=0,
                        now=hub.clock(), actor="test")
        done.set()

    with hub.uow() as intake:
        intake.network.lock_for_intake("default")  # what the front door takes first
        assert intake.catalog.shadow_channels("default") == {"web"}
        worker = threading.Thread(target=promote)
        worker.start()
        time.sleep(0.5)
        assert not done.is_set()  # the switch waits for the intake in flight
        intake.commit()
    worker.join(10)
    assert done.is_set()
    with hub.read_uow() as uow:
        assert uow.catalog.shadow_channels("default") == set()


def test_an_order_taken_in_shadow_keeps_the_shadow_path_after_promotion(
        client: TestClient, hub: Hub) -> None:
    """Review 16b: the mirror of the test above. An order the channel sent while in shadow
    was fulfilled by the legacy system; after the promotion its next update (the platform
    re-sends the whole order on every change) must not become a live order that reserves
    stock and is released to a warehouse a second time."""
    r = client.post("/v1/channels", json={"code": "tmall-store", "name": "天猫旗舰店",
                                          "kind": "marketplace", "adapter": "taobao",
                                          "secret": SECRET})
    assert r.status_code == 201
    assert client.post("/v1/channels/tmall-store/shadow").status_code == 200
    body = (FIXTURES / "taobao_trade_fullinfo.json").read_bytes()
    [first] = client.post("/v1/channels/tmall-store/webhook", content=body,
                          headers=signed(body)).json()
    assert first["status"] == "shadow"
    r = client.post("/v1/channels/tmall-store/promote",
                    json={"min_rate": "0", "min_orders": 0})
    assert r.status_code == 200, r.text
    later = body.replace(b'"modified": "2024-11-11 00:03:45"',
                         b'"modified": "2024-11-12 09:00:00"')
    assert later != body
    [r2] = client.post("/v1/channels/tmall-store/webhook", content=later,
                       headers=signed(later)).json()
    assert count(hub, t.orders) == 0, r2
    assert (r2["status"], r2["order_id"]) == ("shadow", first["order_id"])


@pytest.mark.parametrize(("cell", "field"), [
    ("0001-01-01 00:00:00", "placed_at"),  # before year 1 in UTC: OverflowError
    ("9999-12-31 23:59:59-08:00", "placed_at"),  # after year 9999 in UTC
])
def test_legacy_export_with_an_out_of_range_date_is_refused_with_its_row(
        client: TestClient, hub: Hub, cell: str, field: str) -> None:
    """Review 16b: a date the UTC conversion cannot hold is a 422 naming row and field,
    not a 500."""
    head = "订单号,订单状态,发货仓,订单金额,币种,是否挂起,挂起原因,下单时间\n"
    data = (head + "W-1,已发货,SH,10.00,CNY,否,,2026-12-01 10:00:00\n"
            f"W-2,已发货,SH,10.00,CNY,否,,{cell}\n").encode()
    r = client.post("/v1/channels/web/cutover/legacy", content=data,
                    params={"filename": "legacy.csv"}, headers={"content-type": "text/csv"})
    assert r.status_code == 422, r.text
    assert any(e["field"] == f"row 3.{field}" for e in r.json()["errors"]), r.text
    assert count(hub, t.legacy_orders) == 0


def test_legacy_xlsx_with_a_huge_number_is_refused_with_its_row(
        client: TestClient, hub: Hub) -> None:
    """Review 16b: a workbook's numeric cell is read as an int or float, which skipped the
    text path's magnitude check; 10**15 overflows NUMERIC(20, 6) on PostgreSQL (a 500)."""
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["订单号", "订单状态", "发货仓", "订单金额", "币种"])
    ws.append(["W-1", "已发货", "SH", 10, "CNY"])
    ws.append(["W-2", "已发货", "SH", 10 ** 15, "CNY"])
    ws.append(["W-3", "已发货", "SH", 1e20, "CNY"])
    buf = io.BytesIO()
    wb.save(buf)
    r = client.post("/v1/channels/web/cutover/legacy", content=buf.getvalue(),
                    params={"filename": "legacy.xlsx"})
    assert r.status_code == 422, r.text
    fields = {e["field"] for e in r.json()["errors"]}
    assert {"row 3.total", "row 4.total"} <= fields, r.text
    assert count(hub, t.legacy_orders) == 0


def test_a_shadow_draft_sent_again_after_promotion_is_not_a_live_order(
        client: TestClient, hub: Hub) -> None:
    """Review 16b: the same through the API's drafts: the shadow order sent again after the
    promotion is answered from its shadow record; a new order of the channel is live."""
    assert client.post("/v1/channels/web/shadow").status_code == 200
    r = client.post("/v1/orders", json=draft("W-1", "A", 2))
    assert r.status_code == 202, r.text
    shadow_id = r.json()["id"]
    r = client.post("/v1/channels/web/promote", json={"min_rate": "0", "min_orders": 0})
    assert r.status_code == 200, r.text
    before = atp(client, "A")
    again = client.post("/v1/orders", json=draft("W-1", "A", 2))
    assert again.status_code == 200, again.text
    assert again.json()["id"] == shadow_id and again.json()["mode"] == "shadow"
    assert count(hub, t.orders) == 0 and atp(client, "A") == before
    new = client.post("/v1/orders", json=draft("W-2", "A", 1))
    assert new.status_code == 201, new.text
    assert count(hub, t.orders) == 1


def test_another_tenant_can_neither_see_nor_change_the_channel(client: TestClient,
                                                               hub: Hub) -> None:
    """Review 16b: tenant isolation of the cut-over routes (a tenant with no channel 'web'
    gets 404 for ours, and its calls leave ours as they are)."""
    from tests.api import create_app, platform_headers
    platform = TestClient(create_app(hub), headers=platform_headers(hub))
    r = platform.post("/v1/tenants", json={"id": "beta", "name": "Beta", "admin": "bo"})
    assert r.status_code == 201, r.text
    beta = TestClient(create_app(hub), headers={
        "Authorization": f"Bearer {r.json()['admin_key']['token']}"})
    assert client.post("/v1/channels/web/shadow").status_code == 200
    assert client.post("/v1/orders", json=draft("W-1", "A", 1)).status_code == 202
    assert beta.get("/v1/channels/web/cutover/report").status_code == 404
    assert beta.post("/v1/channels/web/promote",
                     json={"min_rate": "0", "min_orders": 0}).status_code == 404
    assert beta.post("/v1/channels/web/shadow").status_code == 404
    assert beta.post("/v1/channels/web/cutover/legacy", content=legacy_csv(
        [("W-1", "已发货", "SH", "10.00", "CNY", "否", "")]),
        headers={"content-type": "text/csv"}).status_code == 404
    modes = {c["code"]: c["mode"] for c in client.get("/v1/channels").json()}
    assert modes["web"] == "shadow" and count(hub, t.legacy_orders) == 0
    assert client.get("/v1/channels/web/cutover/report").json()["compared"] == 1
