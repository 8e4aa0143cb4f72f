"""The console over HTTP (no browser), on SQLite and PostgreSQL: signing in and out with the
cookie session and CSRF, the dashboard's figures, the orders filters checked on the
server, and cancelling from the order page (scope, CSRF, a stale page)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from orderhub.api.app import create_app
from orderhub.bootstrap import Hub
from orderhub.domain.errors import Unauthenticated
from orderhub.services import dashboard
from orderhub.services.access import users
from tests.api import auth_headers
from tests.console_support import PASSWORD, csrf_of
from tests.factories import ADDRESS_JSON, seed_network


def _order(external_id: str, sku: str = "A", channel: str = "web") -> dict[str, Any]:
    return {"external_id": external_id, "channel": channel, "currency": "CNY",
            "customer": {"ref": "c-1", "name": "李雷"}, "shipping_address": ADDRESS_JSON,
            "lines": [{"sku": sku, "quantity": 1, "unit_price": "10.00"}]}


@pytest.fixture
def setup(hub: Hub) -> TestClient:
    seed_network(hub)
    for login, role in (("op", "operations"), ("ana", "analyst")):
        users.create_user(hub.uow, "default", login=login, role=role, password=PASSWORD,
                          granter=None, actor="test", now=hub.clock())
    app = create_app(hub)
    api = TestClient(app, headers=auth_headers(hub))
    r = api.post("/v1/orders/batch", json={"orders": [
        _order("E-1"), _order("E-2", channel="tmall"), _order("E-3", sku="NOPE")]})
    assert r.status_code == 200, r.text
    return TestClient(app, follow_redirects=False)


def _sign_in(c: TestClient, login: str = "op", password: str = PASSWORD) -> Any:
    form = c.get("/console/sign-in")
    return c.post("/console/sign-in", data={
        "tenant": "default", "login": login, "password": password,
        "csrf": csrf_of(form.text), "next": "/console/orders"})


def test_sign_in_csrf_and_sign_out(setup: TestClient, hub: Hub) -> None:
    c = setup
    assert c.get("/console/dashboard").headers["location"].startswith("/console/sign-in")
    form = c.get("/console/sign-in")
    bad = c.post("/console/sign-in", data={"tenant": "default", "login": "op",
                                           "password": PASSWORD, "csrf": "forged"})
    assert bad.status_code == 403 and "oh_session" not in c.cookies
    wrong = c.post("/console/sign-in", data={"tenant": "default", "login": "op",
                                             "password": "wrong", "csrf": csrf_of(form.text)})
    assert wrong.status_code == 401 and "Wrong tenant, login or password." in wrong.text
    empty = c.post("/console/sign-in", data={"tenant": "default", "login": "",
                                             "password": "", "csrf": csrf_of(form.text)})
    assert empty.status_code == 400 and 'id="e-login"' in empty.text
    ok = _sign_in(c)
    assert (ok.status_code, ok.headers["location"]) == (303, "/console/orders")
    cookie = ok.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/console" in cookie
    token = c.cookies["oh_session"]
    assert hub.authenticator.authenticate(token).name == "op"
    page = c.get("/console/orders")
    assert page.status_code == 200
    assert c.post("/console/sign-out", data={"csrf": "forged"}).status_code == 403
    out = c.post("/console/sign-out", data={"csrf": csrf_of(page.text)})
    assert out.status_code == 303
    with pytest.raises(Unauthenticated):  # revoked, not only dropped by the browser
        hub.authenticator.authenticate(token)
    assert "default-src 'self'" in page.headers["content-security-policy"]


def test_dashboard_figures(setup: TestClient, hub: Hub) -> None:
    f = dashboard.figures(hub.read_uow, "default", hub.clock())
    assert f["intake"]["per_minute"] == 3.0
    assert {r["channel"]: r["per_minute"] for r in f["intake"]["by_channel"]} == {
        "tmall": 1.0, "web": 2.0}
    assert f["holds"]["held_now"] == 1 and f["holds"]["rate"] == round(1 / 3, 4)
    assert f["holds"]["top_reasons"] == [{"code": "unknown_sku", "orders": 1}]
    queues = {w["warehouse"]: w["queue"] for w in f["backlog"]}
    assert sum(queues.values()) == 2  # two orders planned on sites
    assert f["bus"]["backlog"] > 0  # nothing relayed in this test
    assert f["exceptions"]["open"] == sum(r["open"] for r in f["exceptions"]["by_tier"]) + \
        f["exceptions"]["unranked"]
    later = dashboard.figures(hub.read_uow, "default",
                              hub.clock() + dashboard.INTAKE_WINDOW * 2)
    assert later["intake"]["per_minute"] == 0.0 and later["holds"]["rate"] is None
    c = setup
    _sign_in(c)
    page = c.get("/console/dashboard")
    assert 'data-figure="held-now">1<' in page.text
    assert 'href="/console/held?hold=unknown_sku"' in page.text
    # each figure links to the page of the list behind it
    assert re.search(r'href="/console/held" data-figure="held-now-link"', page.text)
    assert re.search(r'href="/console/events" data-figure="bus-lag-link"', page.text)
    assert re.search(r'href="/console/exceptions\?tier=L\d" data-figure="exc-', page.text) \
        or not f["exceptions"]["by_tier"]


def _rows(html: str) -> list[str]:
    return re.findall(r'<tr data-order="(ord_[^"]+)"', html)


def test_orders_filters(setup: TestClient) -> None:
    c = setup
    _sign_in(c)
    assert len(_rows(c.get("/console/orders").text)) == 3
    assert len(_rows(c.get("/console/orders?channel=tmall").text)) == 1
    assert len(_rows(c.get("/console/orders?status=on_hold&hold=unknown_sku").text)) == 1
    only_reason = c.get("/console/orders?hold=unknown_sku").text  # held orders implied
    assert len(_rows(only_reason)) == 1 and '<option value="on_hold" selected>' in only_reason
    assert _rows(c.get("/console/orders?hold=backorder").text) == []
    assert len(_rows(c.get("/console/orders?external_id=E-2").text)) == 1
    assert len(_rows(c.get("/console/orders?sku=A").text)) == 2
    assert len(_rows(c.get("/console/orders?phone=13800138000").text)) == 3
    assert len(_rows(c.get("/console/orders?phone=13900000000").text)) == 0
    by_site = c.get("/console/orders?warehouse=SH").text + c.get(
        "/console/orders?warehouse=BJ").text
    assert len(_rows(by_site)) == 2
    today = "2026-11-24"
    assert len(_rows(c.get(f"/console/orders?date_from={today}&date_to={today}").text)) == 3
    assert _rows(c.get("/console/orders?date_to=2026-11-23").text) == []
    bad = c.get("/console/orders?status=lost&date_from=2026-02-30&date_to=2026-01-01")
    assert bad.status_code == 400
    assert 'id="e-status"' in bad.text and "Not one of the choices." in bad.text
    assert "Not a date (YYYY-MM-DD)." in bad.text
    c.cookies.set("oh_lang", "zh", path="/console")
    zh = c.get("/console/orders?date_from=x")
    assert "不是有效日期（YYYY-MM-DD）。" in zh.text and "订单" in zh.text
    stale = c.get("/console/orders?cursor=nonsense")
    assert stale.status_code == 400 and "分页标记无效" in stale.text
    partial = c.get("/console/orders?channel=web",
                    headers={"HX-Request": "true", "HX-Target": "results"})
    assert partial.text.lstrip().startswith('<section id="results"')
    assert len(_rows(partial.text)) == 2
    wrong = c.get("/console/orders?date_from=nope",
                  headers={"HX-Request": "true", "HX-Target": "results"})
    assert wrong.headers["HX-Retarget"] == "#main"  # the form comes back with its errors
    assert 'id="e-date_from"' in wrong.text and "<html" not in wrong.text


def test_pages_of_a_keyset(setup: TestClient) -> None:
    from orderhub.console.pages import orders

    c = setup
    _sign_in(c)
    old, orders.PAGE_SIZE = orders.PAGE_SIZE, 2
    try:
        first = c.get("/console/orders")
        nxt = re.search(r'href="(/console/orders\?cursor=[^"]+)"', first.text)
        assert nxt and len(_rows(first.text)) == 2
        second = c.get(nxt.group(1).replace("&amp;", "&"))
        assert len(_rows(second.text)) == 1
        assert set(_rows(first.text)).isdisjoint(_rows(second.text))
    finally:
        orders.PAGE_SIZE = old


def test_cancel_from_the_order_page(setup: TestClient) -> None:
    c = setup
    _sign_in(c, "ana")
    [oid] = _rows(c.get("/console/orders?external_id=E-1").text)
    page = c.get(f"/console/orders/{oid}")
    assert page.status_code == 200 and 'data-action="cancel"' not in page.text
    refused = c.post(f"/console/orders/{oid}/cancel",
                     data={"csrf": csrf_of(page.text), "reason": "x", "version": "1"})
    assert refused.status_code == 403
    c.post("/console/sign-out", data={"csrf": csrf_of(page.text)})
    _sign_in(c, "op")
    page = c.get(f"/console/orders/{oid}")
    assert 'data-action="cancel"' in page.text and 'id="twin-stages"' in page.text
    version = re.search(r'name="version" value="(\d+)"', page.text)
    assert version
    csrf = csrf_of(page.text)
    assert c.post(f"/console/orders/{oid}/cancel", data={
        "reason": "x", "version": version.group(1)}).status_code == 403  # no CSRF token
    empty = c.post(f"/console/orders/{oid}/cancel",
                   data={"csrf": csrf, "reason": " ", "version": version.group(1)})
    assert empty.status_code == 400 and 'id="e-reason"' in empty.text
    stale = c.post(f"/console/orders/{oid}/cancel",
                   data={"csrf": csrf, "reason": "customer asked", "version": "0"})
    assert stale.status_code == 409 and "changed meanwhile" in stale.text
    assert f'href="/console/orders/{oid}" data-action="reload"' in stale.text
    done = c.post(f"/console/orders/{oid}/cancel", data={
        "csrf": csrf, "reason": "customer asked", "version": version.group(1)})
    assert done.status_code == 303
    after = c.get(f"/console/orders/{oid}")
    assert "s-cancelled" in after.text and 'data-action="cancel"' not in after.text
    assert c.get("/console/orders/ord_nope").status_code == 404
    c.cookies.set("oh_lang", "zh", path="/console")
    zh = c.get(f"/console/orders/{oid}").text
    assert "订单已取消" in zh and "订单数字孪生" in zh and "已取消" in zh


def test_demo_console_user(hub: Hub, tmp_path: Any) -> None:
    """`orderhub serve --demo`: a generated password (not a fixed one) in a 0600 file, kept
    while it works, made anew when it does not."""
    from orderhub.tools.demo import ensure_demo_console_user

    auth_headers(hub)  # the demo's administrator key comes first (ensure_demo_key)
    path, password, made = ensure_demo_console_user(hub, str(tmp_path))
    assert made and path.read_text().strip() == password and len(password) >= 12
    assert path.stat().st_mode & 0o777 == 0o600
    assert users.sign_in(hub.uow, "default", "operator", password, now=hub.clock()).token
    assert ensure_demo_console_user(hub, str(tmp_path)) == (path, password, False)
    path.write_text("stale-password-123\n")
    _, again, made = ensure_demo_console_user(hub, str(tmp_path))
    assert made and again != password and again != "stale-password-123"
    other = ensure_demo_console_user(hub, str(tmp_path / "elsewhere"))[1]
    assert other != again  # generated, never the same fixed value
