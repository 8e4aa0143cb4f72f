"""The buyer's tracking page and customer service's lookup in a real browser (issue 19):
an operator finds a shipped order by the buyer's phone, its order number and its waybill
and reads its story with the service script; the buyer opens the tracking link (Chinese
and English) and the number + phone form, with personal data masked; axe-core on each."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.browser.conftest import Console, no_serious_violations, order_body, shot, sign_in

pytestmark = pytest.mark.xdist_group("test_tracking_page")


def _api(console: Console, method: str, path: str, **kw: Any) -> Any:
    r = httpx.request(method, f"{console.url}{path}", timeout=30,
                      headers={"Authorization": f"Bearer {console.api_key}"}, **kw)
    assert r.status_code == 200, (path, r.text)
    return r.json()


def _shipped(console: Console, external_id: str) -> tuple[str, str]:
    [r] = console.submit([order_body(external_id, "SKU-00003")])
    oid = str(r["order_id"])
    for step in ("release", "pick", "pack", "ship"):
        _api(console, "POST", f"/v1/orders/{oid}/{step}",
             **({"json": {}} if step == "ship" else {}))
    order = _api(console, "GET", f"/v1/orders/{oid}")
    return oid, str(order["shipments"][0]["waybill"])


def test_customer_service_finds_an_order_by_phone_number_and_waybill(
        page: Any, console: Console) -> None:
    oid, waybill = _shipped(console, "CS-BROWSER-1")
    _api(console, "PUT", "/v1/service-scripts",
         json={"target": "*", "lang": "en", "return_policy": "7 days, unopened",
               "contact": "service@shop.example"})
    sign_in(page, console)
    page.click("nav >> text=Customer service")
    page.wait_for_url("**/console/service")
    page.fill("#f-phone", "13800138000")
    page.click("button:has-text('Find')")
    page.wait_for_url(re.compile(r"phone=13800138000"))
    assert page.locator(f'#found tr[data-order="{oid}"]').count() == 1
    no_serious_violations(page)
    page.locator(f'#found tr[data-order="{oid}"] a').click()
    page.wait_for_selector(f'#story[data-order="{oid}"]')
    assert "7 days, unopened" in page.locator("#script").inner_text()
    assert page.locator(".track-stages li.current").inner_text() == "Shipped"
    no_serious_violations(page)
    shot(page, "service-lookup")
    for field, value in (("#f-external_id", "CS-BROWSER-1"), ("#f-waybill", waybill)):
        page.goto(f"{console.url}/console/service")
        page.fill(field, value)
        page.click("button:has-text('Find')")
        page.wait_for_selector(f'#story[data-order="{oid}"]')  # one match: its story


def test_the_buyer_opens_the_link_and_the_form(page: Any, console: Console) -> None:
    oid, waybill = _shipped(console, "CS-BROWSER-2")
    url = _api(console, "POST", f"/v1/orders/{oid}/tracking-link", json={"ttl": "2d"})["url"]
    page.goto(url + "?lang=zh")
    assert page.locator("h1").inner_text() == "订单 CS-BROWSER-2"
    assert page.locator(".track-stages li.current").inner_text() == "已发货"
    html = page.content()
    for secret in ("李雷", "13800138000", "世纪大道", oid):
        assert secret not in html
    assert "138****8000" in html and "李*" in html and waybill in html
    no_serious_violations(page)
    shot(page, "tracking-page-zh")
    page.click("text=English")
    assert page.locator("h1").inner_text() == "Order CS-BROWSER-2"
    # the number + last four digits, from a fresh page
    page.goto(f"{console.url}/track/{console.tenant}?lang=en")
    page.fill("#number", "CS-BROWSER-2")
    page.fill("#phone4", "8000")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/track/default/[A-Za-z0-9_-]+\?lang=en"))
    assert page.locator("h1").inner_text() == "Order CS-BROWSER-2"
    no_serious_violations(page)
    shot(page, "tracking-page-en")
    page.goto(url[:-4] + "AAAA")  # altered
    assert "does not exist or has expired" in page.locator("h1").inner_text()
