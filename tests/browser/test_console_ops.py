"""The held orders, exception desk and inventory pages in a real browser: fix a held
order's address and see it allocated, a bulk action with its progress, apply a remedy and
approve it (four-eyes), an inventory receipt; axe-core on each page and a screenshot."""

from __future__ import annotations

import re
from typing import Any

import pytest

from orderhub.services.access import users
from orderhub.services.exceptions import desk
from orderhub.services.exceptions import views as exc_views
from tests.browser.conftest import (
    ADDRESS,
    PASSWORD,
    Console,
    no_serious_violations,
    order_body,
    shot,
    sign_in,
)

# one worker runs this module, so its console server starts once (pytest-xdist)
pytestmark = pytest.mark.xdist_group("test_console_ops")


def _held(console: Console, external_id: str, **kw: Any) -> str:
    body = order_body(external_id, **kw)
    body["shipping_address"] = {**ADDRESS, "district": ""}  # held: address incomplete
    [r] = console.submit([body])
    assert r["status"] == "on_hold", r
    return str(r["order_id"])


def test_fix_a_held_orders_address_and_see_it_allocated(page: Any, console: Console) -> None:
    order_id = _held(console, "ADDR-1")
    sign_in(page, console)
    page.click("nav >> text=Held orders")
    page.wait_for_url("**/console/held")
    row = page.locator(f'tr[data-order="{order_id}"]')
    assert "address incomplete" in row.inner_text()
    no_serious_violations(page)
    shot(page, "held")
    row.locator(f'a[href$="/held/{order_id}"]').click()
    page.wait_for_url(f"**/console/held/{order_id}")
    assert page.locator('[data-hold="address_incomplete"]').is_visible()
    no_serious_violations(page)
    shot(page, "held-order")
    page.fill("#f-district", "浦东新区")
    page.fill("#f-reason", "confirmed with the customer")
    assert page.locator("#f-resume").is_checked()
    page.click('[data-action="fix-address"]')
    page.wait_for_url("**done=address_resumed")
    assert page.locator("h1 .badge").inner_text() == "allocated"
    assert "浦东新区" in page.locator("#current-address").inner_text()
    assert page.get_by_text("The address is saved and the order resumed.").is_visible()


def test_a_bulk_action_shows_its_progress(page: Any, console: Console) -> None:
    ids = [_held(console, f"BULK-{i}") for i in range(3)]
    sign_in(page, console)
    page.goto(f"{console.url}/console/held?hold=address_incomplete")
    for order_id in ids[:2]:
        page.check(f"#sel-{order_id}")
    page.select_option("#f-action", "cancel")
    page.fill("#f-bulk-reason", "duplicates")
    page.click('[data-action="bulk"]')
    page.wait_for_url("**/console/held/jobs/blk_*")
    assert page.locator("#bulk-bar").is_visible()
    page.wait_for_selector('#bulk-progress[data-state="done"]', timeout=8000)
    assert page.locator('[data-progress="2/2"]').is_visible()
    assert page.locator('tr[data-result="ok"]').count() == 2
    no_serious_violations(page)
    shot(page, "held-bulk")
    page.goto(f"{console.url}/console/held")  # leave and come back: still there
    page.go_back()
    assert page.locator('[data-progress="2/2"]').is_visible()
    page.goto(f"{console.url}/console/held/{ids[2]}")
    assert page.locator("h1 .badge").inner_text() == "held"


def _second_user(browser: Any, console: Console, login: str) -> Any:
    """Another person's browser, signed in through the same form over the context's own
    HTTP client (its cookies are the context's), without drawing the dashboard first."""
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-US")
    context.set_default_timeout(8000)
    form = context.request.get(f"{console.url}/console/sign-in").text()
    csrf = re.search(r'name="csrf" value="([^"]+)"', form)
    assert csrf
    r = context.request.post(f"{console.url}/console/sign-in", max_redirects=0, form={
        "tenant": console.tenant, "login": login, "password": PASSWORD,
        "csrf": csrf.group(1)})
    assert r.status == 303, r.text()
    return context.new_page()


def test_apply_a_remedy_and_approve_it(page: Any, console: Console, browser: Any) -> None:
    for login in ("approver-a", "approver-b"):
        users.create_user(console.hub.uow, console.tenant, login=login, role="operations",
                          password=PASSWORD, granter=None, actor="test",
                          now=console.hub.clock())
    order_id = _held(console, "DESK-1")
    desk.sync_holds(console.hub.uow, console.tenant, now=console.hub.clock())
    [item] = exc_views.list_exceptions(console.hub.read_uow, console.tenant,
                                       order_id=order_id)["items"]
    assert item["kind"] == "held"  # L2: two approvers other than the proposer
    sign_in(page, console)
    page.click("nav >> text=Exceptions")
    page.wait_for_url("**/console/exceptions")
    no_serious_violations(page)
    shot(page, "exceptions")
    page.click(f'a[href$="/exceptions/{item["id"]}"]')
    remedy = page.locator('tr[data-kind="contact_customer"]')
    assert "CNY" in remedy.inner_text()
    no_serious_violations(page)
    shot(page, "exception")
    remedy.locator("input[name=reason]").fill("ask for a new date")
    remedy.locator('[data-action="apply"]').click()
    page.wait_for_url("**done=proposed")
    proposal = page.locator('#proposals tr[data-state="pending"]')
    proposal.locator('[data-action="approve"]').click()  # the proposer may not
    assert page.locator(".message.error").inner_text().count("cannot approve it") == 1
    others = [_second_user(browser, console, login) for login in ("approver-a", "approver-b")]
    try:
        for other, outcome in zip(others, ("approved", "applied"), strict=True):
            other.goto(f"{console.url}/console/exceptions/{item['id']}")
            other.locator('#proposals tr[data-state="pending"] [data-action="approve"]').click()
            other.wait_for_url(f"**done={outcome}")
        assert others[1].locator('#proposals tr[data-state="applied"]').count() == 1
        shot(others[1], "exception-applied")
    finally:
        for other in others:
            other.context.close()


def test_an_inventory_receipt(page: Any, console: Console) -> None:
    sign_in(page, console, "stock")
    page.click("nav >> text=Inventory")
    page.wait_for_url("**/console/inventory")
    no_serious_violations(page)
    page.fill("#f-receipt-sku", "SKU-00007")
    page.select_option("#f-receipt-warehouse", index=1)
    warehouse = page.locator("#f-receipt-warehouse").input_value()
    with console.hub.read_uow() as uow:
        level = uow.stock.level(console.tenant, "SKU-00007", warehouse)
    before = level.on_hand if level else 0
    page.fill("#f-receipt-quantity", "0")
    page.click('[data-action="receive"]')
    assert page.locator("#e-receipt-quantity").inner_text() == "A whole number above zero."
    page.fill("#f-receipt-quantity", "25")
    page.fill("#f-receipt-reference", "ASN-BROWSER-1")
    page.click('[data-action="receive"]')
    page.wait_for_url("**done=receipt**")
    row = page.locator(f'tr[data-item="SKU-00007|{warehouse}"]')
    assert row.locator('[data-col="on_hand"]').inner_text() == str(before + 25)
    no_serious_violations(page)
    shot(page, "inventory")
    page.click('[data-lang-switch="zh"]')
    assert page.locator("#h-receipt").inner_text() == "入库"
