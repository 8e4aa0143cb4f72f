"""The console's import page over HTTP, on SQLite and PostgreSQL: upload a CSV through the
service `orderhub import` uses, follow its progress, see the result (accepted, held, refused
rows with row, field and message in the viewer's language); a bad upload gets field
messages; a role without orders:write sees no entry and gets 403."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from orderhub.api.app import create_app
from orderhub.bootstrap import Hub
from orderhub.console import imports
from orderhub.services.access import users
from tests.console_support import PASSWORD, csrf_of, sign_in
from tests.factories import seed_network

HEADER = "订单号,商品编码,数量,单价,币种,收货人,手机,省,市,区,详细地址\n"
GOOD = "IMP-1,A,2,10.50,CNY,王芳,13800138000,上海市,上海市,浦东新区,世纪大道 1 号\n"
HELD = "IMP-2,NOPE,1,3.00,CNY,李雷,13912345678,北京市,北京市,朝阳区,建国路 2 号\n"
BAD = "IMP-3,B,,3.00,CNY,韩梅梅,13912345679,北京市,北京市,朝阳区,建国路 3 号\n"  # row 4


@pytest.fixture
def c(hub: Hub) -> TestClient:
    seed_network(hub)
    for login, role in (("op", "operations"), ("ana", "analyst"), ("op2", "operations"),
                        ("boss", "tenant_admin")):
        users.create_user(hub.uow, "default", login=login, role=role, password=PASSWORD,
                          granter=None, actor="test", now=hub.clock())
    return TestClient(create_app(hub), follow_redirects=False)


def _upload(c: TestClient, body: str | bytes, name: str = "orders.csv",
            channel: str = "web", csrf: str | None = None) -> Any:
    page = c.get("/console/imports")
    data = body.encode() if isinstance(body, str) else body
    return c.post("/console/imports",
                  data={"channel": channel, "csrf": csrf or csrf_of(page.text)},
                  files={"file": (name, data, "text/csv")})


def _finished(c: TestClient, location: str) -> str:
    for _ in range(200):
        fragment = c.get(location, headers={"HX-Request": "true"})
        assert fragment.status_code == 200
        if 'data-state="running"' not in fragment.text:
            return fragment.text
        time.sleep(0.05)
    raise AssertionError("the import did not finish")


def test_upload_progress_and_result(c: TestClient, hub: Hub) -> None:
    sign_in(c, "op")
    page = c.get("/console/imports")
    assert page.status_code == 200 and 'href="/console/imports"' in page.text
    r = _upload(c, HEADER + GOOD + HELD + BAD)
    assert r.status_code == 303
    location = r.headers["location"]
    assert re.fullmatch(r"/console/imports/imp_\w+", location)
    text = _finished(c, location)
    assert 'data-state="done"' in text
    assert 'data-progress="2/2"' in text  # two orders reached intake; row 4 was refused
    assert 'data-outcome="created">2<' in text
    assert 'data-figure="held">1<' in text and 'data-figure="refused">1<' in text
    held = re.search(r'href="/console/held/(ord_\w+)"', text)
    assert held and "row 3" in text
    assert re.search(r'<tr data-row="4"><th scope="row">4</th><td>quantity</td>'
                     r'<td>is empty</td>', text)
    with hub.read_uow() as uow:
        keys = uow.orders.find_by_channel_keys("default", [("web", "IMP-1"), ("web", "IMP-2"),
                                                           ("web", "IMP-3")])
    assert sorted(ext for _, ext in keys) == ["IMP-1", "IMP-2"]
    # the same job in Chinese, and in the list of recent imports (left and come back to)
    c.cookies.set("oh_lang", "zh", path="/console")
    zh = c.get(location).text
    assert "<td>数量</td><td>为空</td>" in zh and "已接收（新建）" in zh
    assert f'href="{location}"' in c.get("/console/imports").text
    # importing the same file again changes nothing
    again = _finished(c, _upload(c, HEADER + GOOD).headers["location"])
    assert 'data-outcome="unchanged">1<' in again
    # Another operator of the tenant neither sees nor follows it; a tenant admin does.
    other = TestClient(c.app, follow_redirects=False)
    sign_in(other, "op2")
    assert other.get(location).status_code == 404
    assert other.get(location, headers={"HX-Request": "true"}).status_code == 404
    assert f'href="{location}"' not in other.get("/console/imports").text
    boss = TestClient(c.app, follow_redirects=False)
    sign_in(boss, "boss")
    assert boss.get(location).status_code == 200
    assert f'href="{location}"' in boss.get("/console/imports").text


def test_bad_uploads_get_field_messages(c: TestClient) -> None:
    sign_in(c, "op")
    r = _upload(c, HEADER + GOOD, channel="")
    assert r.status_code == 400 and 'id="e-channel"' in r.text
    r = _upload(c, HEADER + GOOD, channel="nope")
    assert r.status_code == 400 and "Not one of the choices." in r.text
    r = _upload(c, b"", name="orders.csv")
    assert r.status_code == 400 and "The file is empty." in r.text
    r = _upload(c, HEADER + GOOD, name="orders.pdf")
    assert r.status_code == 400 and "Only .csv and .xlsx files." in r.text
    assert _upload(c, HEADER + GOOD, csrf="forged").status_code == 403
    # a file without an order number column: the header row (1) refused, in words
    text = _finished(c, _upload(c, "商品编码,数量\nA,1\n").headers["location"])
    assert 'data-state="done"' in text
    assert re.search(r'<tr data-row="1"><th scope="row">1</th><td>order number</td>'
                     r'<td>the file has no column for this field</td>', text), text
    # not a spreadsheet at all: the whole file refused (row 0), with the parser's words
    text = _finished(c, _upload(c, b"PK\x03\x04garbage", name="x.xlsx").headers["location"])
    assert re.search(r'<tr data-row="0"><th scope="row">file</th><td>file</td>'
                     r'<td>not a readable .xlsx workbook', text), text


def test_a_role_without_the_import_scope_sees_no_page(c: TestClient) -> None:
    sign_in(c, "ana")
    assert 'href="/console/imports"' not in c.get("/console/dashboard").text
    assert c.get("/console/imports").status_code == 403
    csrf = csrf_of(c.get("/console/orders").text) if 'name="csrf"' in c.get(
        "/console/orders").text else ""
    r = c.post("/console/imports", data={"channel": "web", "csrf": csrf},
               files={"file": ("o.csv", (HEADER + GOOD).encode(), "text/csv")})
    assert r.status_code == 403
    app_hub = c.app.state.hub  # type: ignore[attr-defined]
    assert all("ana" not in j.actor for j in imports.recent(
        app_hub.read_uow, "default", None, now=app_hub.clock(), limit=100))


def test_a_wave_from_the_network_page(c: TestClient) -> None:
    sign_in(c, "op")
    _finished(c, _upload(c, HEADER + GOOD).headers["location"])  # one allocated order
    network = c.get("/console/network").text
    assert 'action="/console/network/wave"' in network
    r = c.post("/console/network/wave", data={"csrf": csrf_of(network)})
    assert (r.status_code, r.headers["location"]) == (303, "/console/network/wave")
    text = ""
    for _ in range(200):
        text = c.get("/console/network/wave", headers={"HX-Request": "true"}).text
        if 'data-state="running"' not in text:
            break
        time.sleep(0.05)
    assert 'data-state="done"' in text, text
    assert 'data-wave-figure="considered">1<' in text
    assert c.post("/console/network/wave", data={"csrf": "forged"}).status_code == 403


def test_a_role_without_network_write_runs_no_wave(c: TestClient) -> None:
    sign_in(c, "ana")
    assert 'action="/console/network/wave"' not in c.get("/console/network").text
    assert c.get("/console/network/wave").status_code == 403
    csrf = csrf_of(c.get("/console/orders").text)
    assert c.post("/console/network/wave", data={"csrf": csrf}).status_code == 403


def test_mapping_preview_and_ignored_columns(c: TestClient, hub: Hub) -> None:
    """A file with a header no synonym knows: the mapping box reads it, "Preview" shows the
    rows as mapped and imports nothing, the import reports the ignored column; a malformed
    mapping is refused on its field."""
    sign_in(c, "op")
    body = ("Ref,商品编码,数量,单价,收货人,收货人电话,省,市,区/县,收货地址,业务员\n"
            "MAP-1,A,1,10.00,王芳,13800138000,上海市,上海市,浦东新区,世纪大道 1 号,王五\n")
    page = c.get("/console/imports")
    form = {"channel": "web", "csrf": csrf_of(page.text), "mapping": "Ref=external_id",
            "action": "preview"}
    r = c.post("/console/imports", data=form,
               files={"file": ("po.csv", body.encode(), "text/csv")})
    assert r.status_code == 200, r.text
    assert "data-preview" in r.text and 'data-row="2"' in r.text and "MAP-1" in r.text
    assert re.search(r"data-ignored>[^<]*业务员", r.text)
    from tests.e2e.test_file_import_mapping import orders_stored
    assert orders_stored(hub) == 0
    bad = c.post("/console/imports", data={**form, "mapping": "Ref=nonsense"},
                 files={"file": ("po.csv", body.encode(), "text/csv")})
    assert bad.status_code == 400 and 'id="e-mapping"' in bad.text
    assert "unknown field" in bad.text
    done = c.post("/console/imports", data={**form, "action": "import"},
                  files={"file": ("po.csv", body.encode(), "text/csv")})
    assert done.status_code == 303
    text = _finished(c, done.headers["location"])
    assert 'data-outcome="created">1<' in text and re.search(r"data-ignored>[^<]*业务员", text)
