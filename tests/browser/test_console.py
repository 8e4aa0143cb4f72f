"""The console in a real browser: sign in, the live dashboard, languages, what a role may
not do, no request leaving 127.0.0.1, and axe-core on each page."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import (
    PASSWORD,
    Console,
    no_serious_violations,
    order_body,
    shot,
    sign_in,
)

# one worker runs this module, so its console server starts once (pytest-xdist)
pytestmark = pytest.mark.xdist_group("test_console")


def test_sign_in_then_out_revokes_the_session(page: Any, console: Console) -> None:
    page.goto(f"{console.url}/console/dashboard")
    page.wait_for_url(lambda url: "/console/sign-in?next=" in url)
    no_serious_violations(page)
    shot(page, "sign-in")
    page.fill("#f-login", "operator")
    page.fill("#f-password", "not-the-password")
    page.click("button[type=submit]")
    assert page.locator(".message.error").is_visible()
    page.fill("#f-password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/console/dashboard")  # back where it was going
    assert page.get_by_text("Signed in as operator").is_visible()
    cookie = next(c for c in page.context.cookies() if c["name"] == "oh_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    page.click("text=Sign out")
    page.wait_for_url(lambda url: url.endswith("/console/sign-in?out=1"))
    # the session itself is revoked, not only forgotten by the browser
    page.context.add_cookies([{**cookie, "expires": -1}])
    page.goto(f"{console.url}/console/dashboard")
    page.wait_for_url(lambda url: "/console/sign-in?" in url)


def test_dashboard_numbers_change_when_orders_arrive(page: Any, console: Console) -> None:
    sign_in(page, console)
    figure = page.locator('[data-figure="intake-total"]')
    before = float(figure.inner_text())
    page.wait_for_selector("#chart-intake svg")  # ECharts drew (from the vendored file)
    console.submit([order_body(f"LIVE-{i}", channel="jd") for i in range(6)])
    page.wait_for_function(  # pushed by the server (SSE), no reload
        "([el, v]) => parseFloat(el.textContent) >= v + 6",
        arg=[figure.element_handle(), before], timeout=5000)
    assert page.locator('[data-figure="intake-jd"]').count() <= 1
    link = page.locator('[data-figure="held-now-link"]')
    assert link.get_attribute("href").endswith("/console/held")
    bus = page.locator('[data-figure="bus-lag-link"]')
    assert bus.get_attribute("href").endswith("/console/events")
    assert page.locator("#h-exc").is_visible()  # operations reads exceptions
    ticks = page.evaluate("""() => new Promise(done => {
        let n = 0;
        const s = new EventSource(document.getElementById("figures").dataset.stream);
        s.addEventListener("figures", () => n++);
        setTimeout(() => { s.close(); done(n); }, 3200);
    })""")
    assert ticks >= 3  # at least one update a second
    no_serious_violations(page)
    shot(page, "dashboard")


def test_search_an_order_and_open_it(page: Any, console: Console) -> None:
    console.submit([order_body("FIND-ME-1", "SKU-00002", channel="tmall")])
    sign_in(page, console)
    page.click("nav >> text=Orders")
    page.fill("#f-external_id", "FIND-ME-1")
    page.click("text=Search")  # htmx swaps the results in, the URL follows
    row = page.locator("#results tbody tr")
    # the URL first: the list may already hold one row before the search's answer lands
    page.wait_for_url(re.compile(r"external_id=FIND-ME-1"))
    page.wait_for_function("() => document.querySelectorAll('#results tbody tr').length === 1"
                           " && document.querySelector('#results tbody tr').textContent"
                           ".includes('FIND-ME-1')")
    no_serious_violations(page)
    shot(page, "orders")
    row.locator("a").first.click()
    page.wait_for_url(re.compile(r"/console/orders/ord_"))
    assert page.locator(".page-head p").inner_text() == "tmall · FIND-ME-1"
    assert page.locator("#twin-stages tbody tr").count() >= 10  # the twin's stages
    assert page.locator('#twin-stages [data-stage="created"]').inner_text()
    assert page.locator("#events tbody tr").count() >= 1
    assert page.locator("#h-routing").is_visible()
    assert page.get_by_text("Chosen:").is_visible()  # the routing decision in words
    assert page.locator('[data-action="cancel"]').is_visible()  # operations may cancel
    no_serious_violations(page)
    shot(page, "order")


def test_filters_are_checked_on_the_server(page: Any, console: Console) -> None:
    console.submit([order_body("PHONE-1", channel="pos")])
    sign_in(page, console)
    page.goto(f"{console.url}/console/orders?date_from=2026-13-01")
    assert page.locator("#e-date_from").inner_text() == "Not a date (YYYY-MM-DD)."
    page.goto(f"{console.url}/console/orders?phone=13800138000&channel=pos")
    assert page.locator("#results tbody tr").count() >= 1  # found by the blind index


def test_readable_on_a_tablet(page: Any, console: Console) -> None:
    """768 px wide: nothing wider than the screen (tables scroll inside their box)."""
    page.set_viewport_size({"width": 768, "height": 1024})
    sign_in(page, console)
    for path in ("/console/dashboard", "/console/orders"):
        page.goto(f"{console.url}{path}")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(page, "orders-tablet")


def test_switch_to_chinese(page: Any, console: Console) -> None:
    sign_in(page, console)
    page.click('[data-lang-switch="zh"]')
    page.wait_for_url(re.compile(r"/console/dashboard$"))
    assert page.locator("h1").inner_text() == "运营看板"
    assert page.get_by_role("button", name="退出登录").is_visible()
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    shot(page, "dashboard-zh")
    page.click('[data-lang-switch="en"]')
    page.wait_for_url(re.compile(r"/console/dashboard$"))
    assert page.locator("h1").inner_text() == "Dashboard"


def test_chinese_from_accept_language(browser: Any, console: Console) -> None:
    context = browser.new_context(locale="zh-CN")
    try:
        pg = context.new_page()
        pg.on("request", lambda r: console.requests.append(r.url))
        pg.goto(f"{console.url}/console/sign-in")
        assert pg.locator("h1").inner_text() == "登录"
    finally:
        context.close()


def test_a_role_sees_only_what_it_may(page: Any, console: Console) -> None:
    """The inventory role reads orders and the network, not exceptions nor events: those
    panels are not rendered (nor sent in the stream)."""
    sign_in(page, console, "stock")
    assert page.locator("#h-backlog").is_visible()
    assert page.locator("#h-exc").count() == 0 and page.locator("#h-bus").count() == 0
    figures = page.locator("#figures").inner_text()
    assert '"exceptions"' not in figures and '"bus"' not in figures


def test_a_read_only_role_does_not_see_cancel(page: Any, console: Console) -> None:
    console.submit([order_body("RO-1")])
    sign_in(page, console, "analyst")
    page.goto(f"{console.url}/console/orders?external_id=RO-1")
    page.locator("#results tbody a").first.click()
    page.wait_for_url(re.compile(r"/console/orders/ord_"))
    assert page.locator("#h-summary").is_visible()
    assert page.locator('[data-action="cancel"]').count() == 0
    order_url = page.url
    r = page.request.post(f"{order_url}/cancel", form={"reason": "try", "version": "1"},
                          headers={"X-CSRF-Token": page.evaluate(
                              "JSON.parse(document.body.getAttribute('hx-headers'))"
                              "['X-CSRF-Token']")})
    assert r.status == 403  # refused anyway


def test_a_forged_csrf_token_is_refused(page: Any, console: Console) -> None:
    sign_in(page, console, "analyst")
    assert page.get_by_text("Signed in as analyst").is_visible()
    r = page.request.post(f"{console.url}/console/sign-out", form={"csrf": "forged"})
    assert r.status == 403  # a forged CSRF token is refused, the session stays
    page.reload()
    assert page.get_by_text("Signed in as analyst").is_visible()


def test_no_request_leaves_127_0_0_1(page: Any, console: Console) -> None:
    """Every page, its scripts, styles and live stream, from the app itself (the `page`
    fixture checks this after every test as well)."""
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url))
    sign_in(page, console)
    page.wait_for_selector("#chart-intake svg")
    page.goto(f"{console.url}/console/orders")
    page.locator("#results tbody a").first.click()
    page.wait_for_url(re.compile(r"/console/orders/ord_"))
    kinds = {u.split("?")[0].rsplit("/", 1)[-1] for u in seen}
    assert {"htmx.min.js", "echarts.min.js", "console.css", "stream"} <= kinds
    assert [u for u in seen if not u.startswith(console.url + "/")] == []
