"""The console's returns and reconciliation pages over HTTP (no browser), on SQLite and
PostgreSQL: the returns list filtered by status, channel and SKU with the return rates; a
return approved, rejected and received with grades through the same desk as the API;
actions a role may not take are not shown and refused (403), without the CSRF token too;
a stale page gets the conflict message; a user bound to warehouses sees only its own
returns; a settlement file imported, reconciled, reported with its reason codes, exported
and the period closed; a bad file refused with its row and field; both languages."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from orderhub.api.app import create_app
from orderhub.bootstrap import Hub
from orderhub.domain.lifecycle import OrderStatus
from orderhub.services.access import users
from orderhub.services.intake.submit import submit_orders
from orderhub.services.orders import fulfilment
from tests.console_support import PASSWORD, csrf_of
from tests.factories import T, draft, seed_network


@pytest.fixture
def app(hub: Hub) -> Any:
    seed_network(hub)
    for login, role, scopes, warehouses in (
            ("op", "operations", None, ()), ("fin", "finance", None, ()),
            ("stock", "inventory", None, ()),
            ("reader", None, ["finance:read", "returns:read", "orders:read"], ())):
        users.create_user(hub.uow, T, login=login, role=role, scopes=scopes,
                          warehouses=warehouses, password=PASSWORD, granter=None,
                          actor="test", now=hub.clock())
    return create_app(hub)


def _client(app: Any, login: str) -> TestClient:
    c = TestClient(app, follow_redirects=False)
    form = c.get("/console/sign-in")
    r = c.post("/console/sign-in", data={"tenant": T, "login": login, "password": PASSWORD,
                                         "csrf": csrf_of(form.text)})
    assert r.status_code == 303, r.text
    return c


def _shipped(hub: Hub, ext: str, lines: list[tuple[str, int]], channel: str = "web") -> str:
    [r] = submit_orders(hub.uow, T, [draft(ext, lines, channel=channel)],
                        strategy=hub.strategy, now=hub.clock(), actor="t", batch=False)
    assert r.order_id is not None
    hub.waybills.release(T, r.order_id, actor="t")
    for step in (OrderStatus.PICKED, OrderStatus.PACKED):
        fulfilment.advance_order(hub.uow, T, r.order_id, step, now=hub.clock(), actor="t")
    fulfilment.ship_order(hub.uow, T, r.order_id, None, now=hub.clock(), actor="t")
    return r.order_id


def _version(html: str) -> str:
    found = re.search(r'name="version" value="(\d+)"', html)
    assert found
    return found.group(1)


def test_returns_list_and_a_return_approved_and_received(app: Any, hub: Hub) -> None:
    oid = _shipped(hub, "RT-1", [("A", 2), ("B", 1)])
    rid = hub.returns.request(T, oid, [(1, 2)], "other", actor="buyer").id  # waits for a person
    other = _shipped(hub, "RT-2", [("C", 1)], channel="tmall")
    rid2 = hub.returns.request(T, other, [(1, 1)], "other", actor="buyer").id
    op = _client(app, "op")
    page = op.get("/console/returns")
    assert page.status_code == 200
    assert f'data-return="{rid}"' in page.text and f'href="/console/orders/{oid}"' in page.text
    rates = op.get("/console/returns/rates")
    assert rates.status_code == 200
    assert 'data-sku="A"' in rates.text and 'data-channel="tmall"' in rates.text
    for query, shown, hidden in (({"status": "requested"}, rid, None),
                                 ({"status": "refunded"}, None, rid),
                                 ({"sku": "A"}, rid, rid2), ({"channel": "tmall"}, rid2, rid)):
        got = op.get("/console/returns", params=query)
        assert got.status_code == 200, query
        if shown:
            assert f'data-return="{shown}"' in got.text, query
        if hidden:
            assert f'data-return="{hidden}"' not in got.text, query
    assert op.get("/console/returns", params={"status": "lost"}).status_code == 400

    # inventory: may receive but not decide; nothing shown it may not do, and refused
    stock = _client(app, "stock")
    seen = stock.get(f"/console/returns/{rid}")
    assert seen.status_code == 200 and 'data-action="approve"' not in seen.text
    shown = op.get(f"/console/returns/{rid}")
    r = stock.post(f"/console/returns/{rid}/approve",
                   data={"csrf": csrf_of(seen.text), "version": _version(shown.text)})
    assert r.status_code == 403

    assert 'data-action="approve"' in shown.text and 'data-action="receive"' not in shown.text
    csrf, version = csrf_of(shown.text), _version(shown.text)
    assert op.post(f"/console/returns/{rid}/approve", data={"version": version}
                   ).status_code == 403  # no CSRF token
    stale = op.post(f"/console/returns/{rid}/approve",
                    data={"csrf": csrf, "version": str(int(version) - 1)})
    assert stale.status_code == 409 and 'data-action="reload"' in stale.text
    done = op.post(f"/console/returns/{rid}/approve",
                   data={"csrf": csrf, "version": version, "reason": "photos checked"})
    assert done.status_code == 303, done.text
    approved = op.get(done.headers["location"])
    assert 'data-status="approved"' in approved.text
    assert 'data-action="receive"' in approved.text and 'data-action="approve"' not in approved.text
    version = _version(approved.text)
    too_many = op.post(f"/console/returns/{rid}/receive", data={
        "csrf": csrf, "version": version, "warehouse": "SH", "qty-1": "3",
        "grade-1": "resell"})
    assert too_many.status_code == 400 and 'id="e-qty-1"' in too_many.text
    received = op.post(f"/console/returns/{rid}/receive", data={
        "csrf": csrf, "version": version, "warehouse": "SH", "qty-1": "2",
        "grade-1": "refurbish"})
    assert received.status_code == 303, received.text
    after = op.get(f"/console/returns/{rid}")
    assert 'data-status="received"' in after.text and 'data-grade="refurbish"' in after.text
    assert "data-refund-total=" in after.text
    assert 'data-event="ReturnReceived"' in after.text
    assert 'data-event="RefundRequested"' in after.text
    assert 'data-action="refund-complete"' not in stock.get(f"/console/returns/{rid}").text
    fin = _client(app, "fin")  # finance pays it: orders:bill, returns:read
    to_pay = fin.get(f"/console/returns/{rid}")
    assert 'data-action="refund-complete"' in to_pay.text
    assert 'data-action="receive"' not in to_pay.text
    no_ref = fin.post(f"/console/returns/{rid}/refund-complete", data={
        "csrf": csrf_of(to_pay.text), "version": _version(to_pay.text)})
    assert no_ref.status_code == 400 and 'id="e-reference"' in no_ref.text
    paid = fin.post(f"/console/returns/{rid}/refund-complete", data={
        "csrf": csrf_of(to_pay.text), "version": _version(to_pay.text),
        "reference": "PAY-CONSOLE-1"})
    assert paid.status_code == 303, paid.text
    assert 'data-status="refunded"' in fin.get(
        f"/console/returns/{rid}").text
    zh = op.get(f"/console/returns/{rid}", headers={"Accept-Language": "zh-CN"})
    assert "退货单" in zh.text and "待翻新" in zh.text and "PAY-CONSOLE-1" in zh.text

    # a reject needs its reason, next to the field
    shown2 = op.get(f"/console/returns/{rid2}")
    no_reason = op.post(f"/console/returns/{rid2}/reject",
                        data={"csrf": csrf, "version": _version(shown2.text)})
    assert no_reason.status_code == 400 and 'id="e-reason"' in no_reason.text
    assert op.post(f"/console/returns/{rid2}/reject", data={
        "csrf": csrf, "version": _version(shown2.text), "reason": "outside the window"}
                   ).status_code == 303

    # bound to another warehouse than the order shipped from: its returns are not there
    with hub.read_uow() as uow:
        shipped_from = {s.warehouse for s in uow.orders.get(T, oid).shipments}
    elsewhere = sorted({"SH", "BJ", "GZ"} - shipped_from)[0]
    users.create_user(hub.uow, T, login="bound", role="operations", warehouses=[elsewhere],
                      password=PASSWORD, granter=None, actor="test", now=hub.clock())
    bound = _client(app, "bound")
    listed = bound.get("/console/returns")
    assert listed.status_code == 200 and f'data-return="{rid}"' not in listed.text
    assert bound.get(f"/console/returns/{rid}").status_code == 404


ALIPAY_HEAD = ("账务流水号,业务流水号,商户订单号,发生时间,收入金额（+元）,支出金额（-元）,业务类型,"
               "业务基础订单号,币种\n")


def alipay(rows: list[tuple[str, str, str]]) -> bytes:
    """(serial, order number, amount) rows of an Alipay statement."""
    body = "".join(f"A{s},{s},T200P{o},2026-11-20 10:00:00,{a},,交易付款,{o},CNY\n"
                   for s, o, a in rows)
    return ("#支付宝账务明细查询\n" + ALIPAY_HEAD + body + "#-----账务明细列表结束-----\n").encode()


def test_reconciliation_import_run_report_close(app: Any, hub: Hub) -> None:
    [r] = submit_orders(hub.uow, T, [draft("TM-1", [("A", 1)], channel="tmall")],
                        strategy=hub.strategy, now=hub.clock(), actor="t", batch=False)
    with hub.read_uow() as uow:
        total = uow.orders.get(T, str(r.order_id)).grand_total
    fin = _client(app, "fin")
    page = fin.get("/console/reconciliation", params={"period": "2026-11"})
    assert page.status_code == 200 and 'data-action="import"' in page.text
    csrf = csrf_of(page.text)
    bad = fin.post("/console/reconciliation/imports", data={
        "csrf": csrf, "source": "tmall", "period": "2026-11"},
        files={"file": ("bad.csv", "订单号,金额\n1,2\n".encode(), "text/csv")})
    assert bad.status_code == 422 and 'id="e-file"' in bad.text
    data = alipay([("S1", "TM-1", str(total)), ("S2", "NOPE-9", "5.00"),
                   ("S2", "NOPE-9", "5.00")])
    imported = fin.post("/console/reconciliation/imports", data={
        "csrf": csrf, "source": "tmall", "period": "2026-11"},
        files={"file": ("alipay-2026-11.csv", data, "text/csv")})
    assert imported.status_code == 303, imported.text
    page = fin.get(imported.headers["location"])
    assert "alipay-2026-11.csv" in page.text and 'data-action="run"' in page.text
    ran = fin.post("/console/reconciliation/runs", data={
        "csrf": csrf, "period": "2026-11", "scope": "tmall"})
    assert ran.status_code == 303, ran.text
    report = fin.get("/console/reconciliation", params={"period": "2026-11"})
    assert report.text.count("data-run-id=") == 1
    for code in ("matched", "unmatched_row", "duplicate"):
        assert f'data-code="{code}"' in report.text, code
    only = fin.get("/console/reconciliation", params={"period": "2026-11",
                                                      "code": "duplicate"})
    assert 'data-code="duplicate"' in only.text and 'data-code="matched"' not in only.text
    zh = fin.get("/console/reconciliation", params={"period": "2026-11"},
                 headers={"Accept-Language": "zh-CN"})
    assert "重复扣款/重复结算" in zh.text and "无对应订单" in zh.text
    export = fin.get("/console/reconciliation/export", params={"period": "2026-11",
                                                               "format": "csv"})
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    assert "NOPE-9" in export.text
    closed = fin.post("/console/reconciliation/close", data={
        "csrf": csrf, "period": "2026-11", "scope": "tmall"})
    assert closed.status_code == 303, closed.text
    after = fin.get("/console/reconciliation", params={"period": "2026-11"})
    assert 'data-period-status="closed"' in after.text and 'data-action="run"' not in after.text
    again = fin.post("/console/reconciliation/runs", data={
        "csrf": csrf, "period": "2026-11", "scope": "tmall"})
    assert again.status_code == 409

    # read-only finance: the page, no import/run/close, and refused; operations: no page
    reader = _client(app, "reader")
    seen = reader.get("/console/reconciliation", params={"period": "2026-11"})
    assert seen.status_code == 200 and 'data-action="import"' not in seen.text
    assert reader.post("/console/reconciliation/runs", data={
        "csrf": csrf_of(seen.text), "period": "2026-11"}).status_code == 403
    op = _client(app, "op")
    assert op.get("/console/reconciliation").status_code == 403
    assert 'href="/console/reconciliation"' not in op.get("/console/returns").text
