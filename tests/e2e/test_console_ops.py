"""The console's held orders, exception desk and inventory over HTTP (no browser), on
SQLite and PostgreSQL: each action through the same services as the API, refused without
its scope (not shown, and 403), without the CSRF token (403), with field errors next to
the fields (both languages), and a stale page gets the conflict message, never a silent
overwrite."""

from __future__ import annotations

import re
import time
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from orderhub.adapters.channels.base import ChannelLine, ChannelOrder
from orderhub.api.app import create_app
from orderhub.bootstrap import Hub
from orderhub.domain.order import Customer
from orderhub.domain.privacy import PiiView
from orderhub.services.access import users
from orderhub.services.exceptions import desk
from orderhub.services.exceptions import views as exc_views
from orderhub.services.intake.submit import ingest_channel_orders, submit_orders
from orderhub.services.inventory import stock_control
from orderhub.services.orders import views
from tests.console_support import PASSWORD, csrf_of
from tests.factories import SHANGHAI, T, draft, seed_network


@pytest.fixture
def app(hub: Hub) -> Any:
    seed_network(hub)
    for login, role in (("op", "operations"), ("op2", "operations"), ("op3", "operations"),
                        ("ana", "analyst"), ("stock", "inventory"),
                        ("boss", "tenant_admin")):
        users.create_user(hub.uow, T, login=login, role=role, password=PASSWORD,
                          granter=None, actor="test", now=hub.clock())
    return create_app(hub)


def _client(app: Any, login: str = "op") -> TestClient:
    c = TestClient(app, follow_redirects=False)
    form = c.get("/console/sign-in")
    r = c.post("/console/sign-in", data={"tenant": T, "login": login, "password": PASSWORD,
                                         "csrf": csrf_of(form.text)})
    assert r.status_code == 303, r.text
    return c


def _version(html: str) -> str:
    found = re.search(r'name="version" value="(\d+)"', html)
    assert found
    return found.group(1)


def _submit(hub: Hub, *drafts: Any) -> list[str]:
    out = submit_orders(hub.uow, T, list(drafts), strategy=hub.strategy, now=hub.clock(),
                        actor="test", presale_lock=hub.presale_lock)
    return [str(r.order_id) for r in out]


def _order(hub: Hub, order_id: str) -> dict[str, Any]:
    return views.get_order(hub.read_uow, T, order_id, pii=PiiView.FULL)


def _no_district(external_id: str) -> Any:
    return draft(external_id, address=replace(SHANGHAI, district=""))


# ----- held orders ------------------------------------------------------------------------
def test_fix_an_address_and_resume(app: Any, hub: Hub) -> None:
    [oid] = _submit(hub, _no_district("H-1"))
    assert _order(hub, oid)["status"] == "on_hold"
    c = _client(app)
    queue = c.get("/console/held")
    assert queue.status_code == 200 and f'data-order="{oid}"' in queue.text
    assert "address incomplete" in queue.text and 'name="ids"' in queue.text
    assert c.get("/console/held?hold=address_incomplete").text.count("data-order=") == 1
    assert "data-order=" not in c.get("/console/held?hold=backorder").text
    assert c.get("/console/held?hold=nonsense").status_code == 400
    partial = c.get("/console/held?hold=address_incomplete",
                    headers={"HX-Request": "true", "HX-Target": "held-results"})
    assert partial.text.lstrip().startswith('<section id="held-results"')
    assert f'data-order="{oid}"' in partial.text
    page = c.get(f"/console/held/{oid}")
    csrf, version = csrf_of(page.text), _version(page.text)
    form = {"csrf": csrf, "version": version, "district": "浦东新区", "reason": "called",
            "resume": "on"}
    # no CSRF token: refused, nothing changed
    assert c.post(f"/console/held/{oid}/address", data={**form, "csrf": "x"}).status_code == 403
    # a field error, next to its field, in the viewer's language
    bad = c.post(f"/console/held/{oid}/address",
                 data={**form, "reason": "", "postal_code": "1" * 21})
    assert bad.status_code == 400
    assert re.search(r'id="e-reason">Required\.<', bad.text)
    assert re.search(r'id="e-postal_code">At most 20 characters\.<', bad.text)
    c.cookies.set("oh_lang", "zh", path="/console")
    zh = c.post(f"/console/held/{oid}/address", data={**form, "reason": ""})
    assert re.search(r'id="e-reason">必填。<', zh.text) and "修改地址" in zh.text
    c.cookies.set("oh_lang", "en", path="/console")
    # a stale page: the order changed since the form was drawn
    stale = c.post(f"/console/held/{oid}/address",
                   data={**form, "version": str(int(version) - 1)})
    assert stale.status_code == 409 and "This changed meanwhile" in stale.text
    assert 'data-action="reload"' in stale.text
    assert _order(hub, oid)["shipping_address"].get("district", "") == ""
    ok = c.post(f"/console/held/{oid}/address", data=form)
    assert ok.status_code == 303 and ok.headers["location"].endswith("done=address_resumed")
    after = _order(hub, oid)
    assert after["status"] == "allocated", after["hold_reasons"]
    assert after["shipping_address"]["district"] == "浦东新区"
    assert after["shipping_address"]["line1"] == SHANGHAI.line1  # untouched fields stay
    shown = c.get(ok.headers["location"])
    assert "The address is saved and the order resumed." in shown.text
    assert 'id="not-held"' in shown.text and 'data-action="fix-address"' not in shown.text
    types = [e["type"] for e in views.get_timeline(hub.read_uow, T, oid)]
    assert "OrderEdited" in types or "OrderAddressCorrected" in types or len(types) > 2


def test_an_analyst_sees_the_queue_but_no_action(app: Any, hub: Hub) -> None:
    [oid] = _submit(hub, _no_district("H-2"))
    c = _client(app, "ana")
    queue = c.get("/console/held")
    assert queue.status_code == 200 and f'data-order="{oid}"' in queue.text
    assert 'name="ids"' not in queue.text and 'data-action="bulk"' not in queue.text
    page = c.get(f"/console/held/{oid}")
    assert page.status_code == 200
    for action in ("fix-address", "resume", "override", "cancel", "map-sku"):
        assert f'data-action="{action}"' not in page.text
    csrf = csrf_of(page.text)
    for path in ("address", "resume", "override", "cancel", "map-sku"):
        r = c.post(f"/console/held/{oid}/{path}", data={"csrf": csrf, "version": "1",
                                                       "reason": "x"})
        assert r.status_code == 403, path
    assert c.post("/console/held/bulk", data={"csrf": csrf, "ids": oid,
                                              "action": "resume"}).status_code == 403
    stock = _client(app, "stock")  # the inventory role reads orders but not exceptions
    assert stock.get("/console/exceptions").status_code == 403
    assert 'href="/console/exceptions"' not in stock.get("/console/held").text
    assert _order(hub, oid)["status"] == "on_hold"


def test_map_a_sku_with_the_crosswalks_suggestions(app: Any, hub: Hub) -> None:
    order = ChannelOrder(external_id="TM-9", status="open", updated_at=hub.clock(),
                         currency="CNY", lines=[ChannelLine("TM-APL", "Apple 苹果", 1,
                                                            Decimal("10.00"))],
                         customer=Customer(ref="b-1"), shipping_address=SHANGHAI,
                         shipping_fee=Decimal(0), total=Decimal("10.00"))
    [r] = ingest_channel_orders(hub.uow, T, "tmall", [order], strategy=hub.strategy,
                                now=hub.clock(), actor="test", presale_lock=hub.presale_lock)
    oid = str(r.order_id)
    assert _order(hub, oid)["status"] == "on_hold"
    c = _client(app)
    page = c.get(f"/console/held/{oid}")
    assert 'name="master_sku" value="A"' in page.text  # the crosswalk's suggestion
    base = {"csrf": csrf_of(page.text), "version": _version(page.text), "line_no": "1",
            "key_type": "sku"}
    unknown = c.post(f"/console/held/{oid}/map-sku", data={**base, "other_sku": "NOPE"})
    assert unknown.status_code == 400
    assert re.search(r'id="e-other_sku">No such SKU in the catalogue\.<', unknown.text)
    bad_key = c.post(f"/console/held/{oid}/map-sku", data={**base, "key_type": "isbn",
                                                           "master_sku": "A"})
    assert bad_key.status_code == 400 and 'id="e-key_type"' in bad_key.text
    ok = c.post(f"/console/held/{oid}/map-sku", data={**base, "master_sku": "A"})
    assert ok.status_code == 303, ok.text
    assert _order(hub, oid)["status"] == "allocated"


def test_override_resume_and_cancel(app: Any, hub: Hub) -> None:
    one, two = _submit(hub, draft("H-3", [("NOPE", 1)]), draft("H-4", [("B", 50)]))
    c = _client(app)
    page = c.get(f"/console/held/{two}")
    base = {"csrf": csrf_of(page.text), "version": _version(page.text)}
    none = c.post(f"/console/held/{two}/override", data={**base, "reason": "ok"})
    assert none.status_code == 400 and "Pick at least one reason." in none.text
    no_reason = c.post(f"/console/held/{two}/override", data={**base, "codes": "backorder"})
    assert no_reason.status_code == 400 and 'id="e-override_reason"' in no_reason.text
    resumed = c.post(f"/console/held/{two}/resume", data=base)  # still no stock: still held
    assert resumed.status_code == 303
    assert _order(hub, two)["status"] == "on_hold"
    # the resume saved the order again: the same page is stale now
    again = c.post(f"/console/held/{two}/cancel", data={**base, "reason": "customer"})
    assert again.status_code == 409 and "This changed meanwhile" in again.text
    assert _order(hub, two)["status"] == "on_hold"
    [three] = _submit(hub, _no_district("H-5"))
    page = c.get(f"/console/held/{three}")
    over = c.post(f"/console/held/{three}/override", data={
        "csrf": csrf_of(page.text), "version": _version(page.text),
        "codes": "address_incomplete", "reason": "the courier knows the address"})
    assert over.status_code == 303 and over.headers["location"].endswith("done=override")
    assert _order(hub, three)["status"] == "allocated"
    fresh = c.get(f"/console/held/{one}")
    base = {"csrf": csrf_of(fresh.text), "version": _version(fresh.text)}
    empty = c.post(f"/console/held/{one}/cancel", data={**base, "reason": " "})
    assert empty.status_code == 400 and 'id="e-cancel_reason"' in empty.text
    done = c.post(f"/console/held/{one}/cancel", data={**base, "reason": "customer"})
    assert done.status_code == 303 and _order(hub, one)["status"] == "cancelled"
    # an action the order no longer allows: the service's refusal, not a 500
    gone = c.post(f"/console/held/{one}/resume", data={
        **base, "version": str(_order(hub, one)["version"])})
    assert gone.status_code == 409 and "Refused:" in gone.text


def _wait(c: TestClient, location: str) -> str:
    deadline = time.monotonic() + 20
    while True:
        page = c.get(location, headers={"HX-Request": "true"})
        assert page.status_code == 200
        if 'data-state="done"' in page.text:
            return page.text
        assert time.monotonic() < deadline, page.text
        time.sleep(0.05)


def test_bulk_resume_and_cancel_with_progress(app: Any, hub: Hub) -> None:
    ids = _submit(hub, *[_no_district(f"B-{i}") for i in range(3)])
    c = _client(app)
    csrf = csrf_of(c.get("/console/held").text)
    assert c.post("/console/held/bulk", data={"csrf": "x", "ids": ids,
                                              "action": "cancel"}).status_code == 403
    no_reason = c.post("/console/held/bulk", data={"csrf": csrf, "ids": ids,
                                                   "action": "cancel"})
    assert no_reason.status_code == 400 and "Cancelling needs a reason" in no_reason.text
    nothing = c.post("/console/held/bulk", data={"csrf": csrf, "action": "resume"})
    assert nothing.status_code == 400
    start = c.post("/console/held/bulk", data={"csrf": csrf, "ids": ids[:2],
                                               "action": "cancel", "reason": "dup"})
    assert start.status_code == 303
    location = start.headers["location"]
    html = _wait(c, location)
    assert html.lstrip().startswith('<section id="bulk-progress"')  # the fragment only
    assert 'data-progress="2/2"' in html and html.count('data-result="ok"') == 2
    assert [_order(hub, i)["status"] for i in ids] == ["cancelled", "cancelled", "on_hold"]
    # come back later: the whole page, from the server's memory of the job
    page = c.get(location)
    assert page.status_code == 200 and "2 of 2 done, 0 refused." in page.text
    # one refused (already cancelled), one still held (its address is still incomplete)
    again = c.post("/console/held/bulk", data={"csrf": csrf, "ids": [ids[0], ids[2]],
                                               "action": "resume"})
    html = _wait(c, again.headers["location"])
    assert html.count('data-result="failed"') == 1 and html.count('data-result="ok"') == 1
    assert "1 refused" in html
    # The job is its creator's (and the tenant admins'): anyone else gets a 404, as for an
    # unknown id.
    for login in ("ana", "op2"):
        other = _client(app, login)
        assert other.get(location).status_code == 404, login
        assert other.get(location, headers={"HX-Request": "true"}).status_code == 404
        assert other.get("/console/held/jobs/blk_nope").status_code == 404
    boss = _client(app, "boss")
    assert boss.get(location).status_code == 200


# ----- the exception desk -----------------------------------------------------------------
def _exception_of(hub: Hub, order_id: str) -> dict[str, Any]:
    desk.sync_holds(hub.uow, T, now=hub.clock())
    [item] = exc_views.list_exceptions(hub.read_uow, T, order_id=order_id)["items"]
    return exc_views.get_exception(hub.read_uow, T, item["id"])


def _remedy(e: dict[str, Any], kind: str) -> int:
    return next(int(r["n"]) for r in e["remedies"] if r["kind"] == kind)


def test_propose_and_approve_with_four_eyes(app: Any, hub: Hub) -> None:
    [oid] = _submit(hub, draft("X-1", [("B", 8)]))  # 5 at BJ: a backorder
    c = _client(app)
    listing = c.get("/console/exceptions")
    assert "data-exception=" not in listing.text  # not on the desk until synced
    synced = c.post("/console/exceptions/sync", data={"csrf": csrf_of(listing.text)})
    assert synced.status_code == 303 and synced.headers["location"].endswith("synced=1")
    listing = c.get(synced.headers["location"])
    assert "1 held orders were added to the desk." in listing.text
    e = _exception_of(hub, oid)
    assert f'data-exception="{e["id"]}"' in listing.text
    page = c.get(f"/console/exceptions/{e['id']}")
    assert page.status_code == 200 and "CNY" in page.text and 'data-remedy="1"' in page.text
    n = _remedy(e, "contact_customer")
    csrf = csrf_of(page.text)
    gen = str(e["generation"])
    assert c.post(f"/console/exceptions/{e['id']}/remedies/{n}/apply",
                  data={"csrf": "x", "generation": gen}).status_code == 403
    proposed = c.post(f"/console/exceptions/{e['id']}/remedies/{n}/apply",
                      data={"csrf": csrf, "generation": gen, "reason": "ask them"})
    assert proposed.status_code == 303 and proposed.headers["location"].endswith(
        "done=proposed")
    page = c.get(proposed.headers["location"])
    assert "Proposed: it now needs approval." in page.text
    proposal = re.search(r'name="proposal" value="([^"]+)"', page.text)
    assert proposal
    decide = {"csrf": csrf, "proposal": proposal.group(1)}
    own = c.post(f"/console/exceptions/{e['id']}/remedies/{n}/approve", data=decide)
    assert own.status_code == 403  # four-eyes: the desk's own words
    assert "op proposed this remedy and cannot approve it" in own.text
    # a rejection needs a reason, next to the field
    c2 = _client(app, "op2")
    csrf2 = csrf_of(c2.get(f"/console/exceptions/{e['id']}").text)
    no_reason = c2.post(f"/console/exceptions/{e['id']}/remedies/{n}/reject",
                        data={**decide, "csrf": csrf2})
    assert no_reason.status_code == 400 and f'id="e-reason-reject-{n}"' in no_reason.text
    first = c2.post(f"/console/exceptions/{e['id']}/remedies/{n}/approve",
                    data={**decide, "csrf": csrf2})
    assert first.status_code == 303 and first.headers["location"].endswith("done=approved")
    twice = c2.post(f"/console/exceptions/{e['id']}/remedies/{n}/approve",
                    data={**decide, "csrf": csrf2})
    assert twice.status_code == 409 and "already approved" in twice.text
    c3 = _client(app, "op3")
    csrf3 = csrf_of(c3.get(f"/console/exceptions/{e['id']}").text)
    last = c3.post(f"/console/exceptions/{e['id']}/remedies/{n}/approve",
                   data={**decide, "csrf": csrf3})
    assert last.status_code == 303 and last.headers["location"].endswith("done=applied")
    assert 'data-state="applied"' in c3.get(last.headers["location"]).text
    done = c.get("/console/exceptions?state=resolved&kind=held")
    assert done.status_code == 200
    assert c.get("/console/exceptions?kind=lost").status_code == 400
    ana = _client(app, "ana")  # reads the desk, may not act
    page = ana.get(f"/console/exceptions/{e['id']}")
    assert page.status_code == 200 and 'data-action="apply"' not in page.text
    assert ana.post(f"/console/exceptions/{e['id']}/remedies/{n}/apply",
                    data={"csrf": csrf_of(page.text), "generation": gen}).status_code == 403
    assert ana.post("/console/exceptions/sync",
                    data={"csrf": csrf_of(page.text)}).status_code == 403
    assert 'data-action="sync"' not in ana.get("/console/exceptions").text


def test_a_remedy_whose_basis_changed_is_refused_with_the_fresh_list(app: Any,
                                                                       hub: Hub) -> None:
    [oid] = _submit(hub, draft("X-2", [("B", 8)]))
    e = _exception_of(hub, oid)
    n = _remedy(e, "ship_available_backorder_rest")  # counts on B at BJ
    c = _client(app)
    page = c.get(f"/console/exceptions/{e['id']}")
    stock_control.adjust_stock(hub.uow, T, "B", "BJ", -2, reason="damaged", reference="",
                               now=hub.clock(), actor="test")
    r = c.post(f"/console/exceptions/{e['id']}/remedies/{n}/apply",
               data={"csrf": csrf_of(page.text), "generation": str(e["generation"])})
    assert r.status_code == 409, r.text
    assert "The remedy&#39;s basis changed" in r.text and 'id="stale"' in r.text
    fresh = exc_views.get_exception(hub.read_uow, T, e["id"])
    assert fresh["generation"] > e["generation"]
    assert f'name="generation" value="{fresh["generation"]}"' in r.text  # the fresh list
    # an old page (older generation) is a conflict, not another remedy applied
    old = c.post(f"/console/exceptions/{e['id']}/remedies/1/apply",
                 data={"csrf": csrf_of(page.text), "generation": str(e["generation"])})
    assert old.status_code == 409 and "This changed meanwhile" in old.text
    again = c.post(f"/console/exceptions/{e['id']}/refresh", data={"csrf": csrf_of(page.text)})
    assert again.status_code == 303 and again.headers["location"].endswith("done=refreshed")
    assert exc_views.get_exception(hub.read_uow, T, e["id"])["generation"] == \
        fresh["generation"] + 1


# ----- inventory --------------------------------------------------------------------------
def _rows(html: str) -> list[str]:
    return re.findall(r'<tr data-item="([^"]+)"', html)


def test_inventory_levels_warning_and_keyset_pages(app: Any, hub: Hub) -> None:
    stock_control.set_safety_stock(hub.uow, T, "A", "SH", 6, reason="buffer", now=hub.clock(),
                                   actor="test")  # on hand 10: ATP 4 < 6
    c = _client(app)
    page = c.get("/console/inventory")
    assert page.status_code == 200
    assert _rows(page.text) == ["A|BJ", "A|SH", "B|BJ", "C|GZ"]
    assert page.text.count('data-warning="low"') == 1
    low = c.get("/console/inventory?low=1")
    assert _rows(low.text) == ["A|SH"]
    assert _rows(c.get("/console/inventory?warehouse=BJ").text) == ["A|BJ", "B|BJ"]
    from orderhub.console.pages import inventory
    old, inventory.PAGE_SIZE = inventory.PAGE_SIZE, 3
    try:
        first = c.get("/console/inventory")
        assert _rows(first.text) == ["A|BJ", "A|SH", "B|BJ"]
        nxt = re.search(r'href="(/console/inventory\?cursor=[^"]+)" data-action="next"',
                        first.text)
        assert nxt
        assert _rows(c.get(nxt.group(1).replace("&amp;", "&")).text) == ["C|GZ"]
    finally:
        inventory.PAGE_SIZE = old
    assert c.get("/console/inventory?cursor=nonsense").status_code == 400
    # operations reads stock but may not change it: no forms, and refused
    assert 'id="receipt-form"' not in page.text
    assert c.post("/console/inventory/receipts", data={
        "csrf": csrf_of(page.text), "sku": "A", "warehouse": "SH",
        "quantity": "1"}).status_code == 403


def test_receipts_and_adjustments_with_field_errors(app: Any, hub: Hub) -> None:
    c = _client(app, "stock")
    page = c.get("/console/inventory")
    assert 'id="receipt-form"' in page.text and 'id="adjustment-form"' in page.text
    csrf = csrf_of(page.text)
    assert c.post("/console/inventory/receipts", data={
        "csrf": "x", "sku": "A", "warehouse": "SH", "quantity": "5"}).status_code == 403
    bad = c.post("/console/inventory/receipts", data={
        "csrf": csrf, "sku": "", "warehouse": "SH", "quantity": "-1"})
    assert bad.status_code == 400
    assert re.search(r'id="e-receipt-sku">Required\.<', bad.text)
    assert re.search(r'id="e-receipt-quantity">A whole number above zero\.<', bad.text)
    unknown = c.post("/console/inventory/receipts", data={
        "csrf": csrf, "sku": "ZZZ", "warehouse": "SH", "quantity": "2"})
    assert unknown.status_code == 400
    assert re.search(r'id="e-receipt-sku">No such SKU in the catalogue\.<', unknown.text)
    c.cookies.set("oh_lang", "zh", path="/console")
    zh = c.post("/console/inventory/receipts", data={
        "csrf": csrf, "sku": "ZZZ", "warehouse": "SH", "quantity": "x"})
    assert re.search(r'id="e-receipt-quantity">须为整数。<', zh.text)
    c.cookies.set("oh_lang", "en", path="/console")
    ok = c.post("/console/inventory/receipts", data={
        "csrf": csrf, "sku": "A", "warehouse": "SH", "quantity": "5", "reference": "ASN-1"})
    assert ok.status_code == 303
    level = hub.read_uow
    with level() as uow:
        assert uow.stock.level(T, "A", "SH").on_hand == 15  # type: ignore[union-attr]
    used = c.post("/console/inventory/receipts", data={
        "csrf": csrf, "sku": "A", "warehouse": "SH", "quantity": "6", "reference": "ASN-1"})
    assert used.status_code == 409 and 'id="e-receipt-reference"' in used.text
    zero = c.post("/console/inventory/adjustments", data={
        "csrf": csrf, "sku": "A", "warehouse": "SH", "delta": "0", "reason": ""})
    assert zero.status_code == 400
    assert 'id="e-adjustment-delta"' in zero.text and 'id="e-adjustment-reason"' in zero.text
    too_much = c.post("/console/inventory/adjustments", data={
        "csrf": csrf, "sku": "A", "warehouse": "SH", "delta": "-100", "reason": "lost"})
    assert too_much.status_code == 409 and 'id="e-adjustment-delta"' in too_much.text
    done = c.post("/console/inventory/adjustments", data={
        "csrf": csrf, "sku": "A", "warehouse": "SH", "delta": "-3", "reason": "damaged"})
    assert done.status_code == 303
    shown = c.get(done.headers["location"])
    assert "Adjusted." in shown.text and 'data-item="A|SH" aria-current="true"' in shown.text
    with level() as uow:
        assert uow.stock.level(T, "A", "SH").on_hand == 12  # type: ignore[union-attr]
