"""The network and rules pages in a real browser: close a warehouse and see its orders
re-routed; write a rule as a sentence, simulate it (the sandbox runs in the background,
the page follows it) and see the report; axe-core on each page, screenshots."""

from __future__ import annotations

from typing import Any

import pytest

from orderhub.services.access import users
from tests.browser.conftest import (
    PASSWORD,
    Console,
    no_serious_violations,
    order_body,
    shot,
    sign_in,
)

# one worker runs this module, so its console server starts once (pytest-xdist)
pytestmark = pytest.mark.xdist_group("test_console_network_rules")


def test_close_a_warehouse_and_see_orders_rerouted(page: Any, console: Console) -> None:
    console.submit([order_body(f"NET-{i}", "SKU-00001") for i in range(4)])
    sign_in(page, console)
    page.click("nav >> text=Network")
    page.wait_for_url("**/console/network")
    page.wait_for_selector("#net-map svg")  # ECharts drew the map (vendored, no CDN)
    # The warehouses sit on the outline of China: the vendored GeoJSON is registered as an
    # ECharts geo map, the chart has a geo component on it and the points use it.
    page.wait_for_selector('#net-map[data-outline="china"]')
    geo = page.evaluate("""() => {
        const chart = echarts.getInstanceByDom(document.getElementById('net-map'));
        const opt = chart.getOption();
        const map = echarts.getMap('china');
        return {registered: !!map, provinces: map ? map.geoJSON.features.length : 0,
                geo: (opt.geo || []).map(g => g.map),
                systems: opt.series.map(s => s.coordinateSystem)}; }""")
    assert geo["registered"] and geo["provinces"] >= 34, geo
    assert geo["geo"] == ["china"] and set(geo["systems"]) == {"geo"}, geo
    assert page.locator("#net-map svg path").count() >= 34  # the provinces' outlines
    no_serious_violations(page)
    shot(page, "network")
    busiest = page.evaluate("""() => {
        let best = null, most = 0;
        document.querySelectorAll('[data-site-queue]').forEach(el => {
            const n = parseInt(el.textContent, 10);
            if (n > most) { most = n; best = el.dataset.siteQueue; }
        });
        return best; }""")
    assert busiest, "no warehouse has open orders queued"
    row = page.locator(f'tr[data-site="{busiest}"]')
    row.locator("input[name=reason]").fill("power cut")
    row.locator("button[type=submit]").click()
    page.wait_for_selector("#reroute-report")
    assert page.locator(f'[data-site-status="{busiest}"]').inner_text() == "closed"
    looked = int(page.locator('[data-report="looked_at"]').inner_text())
    routed = int(page.locator('[data-report="routed"]').inner_text())
    assert looked >= 1 and routed >= 1
    assert page.locator("#reroute-report tbody tr").count() == looked
    no_serious_violations(page)
    shot(page, "network-closed")
    row = page.locator(f'tr[data-site="{busiest}"]')  # reopen: leave the network as it was
    row.locator("input[name=reason]").fill("power back")
    row.locator("button[type=submit]").click()
    page.wait_for_selector(f'[data-site-status="{busiest}"]:text("open")')


def test_write_a_rule_simulate_it_and_see_the_report(page: Any, console: Console) -> None:
    users.create_user(console.hub.uow, console.tenant, login="approver",
                      role="rules_approver", password=PASSWORD, granter=None, actor="test",
                      now=console.hub.clock())
    console.submit([order_body(f"RULE-{i}", "SKU-00002", channel="jd") for i in range(3)])
    page.goto(f"{console.url}/console/")
    page.fill("#f-login", "approver")
    page.fill("#f-password", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{console.url}/console/rules")
    page.fill("#f-text", "when the moon is full, exclude SH-JD")
    page.click("#translate button[type=submit]")
    assert "not understood" in page.locator("#e-text1").inner_text()
    page.fill("#f-text", "当渠道为jd时，转人工复核")
    page.click("#translate button[type=submit]")
    page.wait_for_selector("#translated")
    assert "Understood as rule" in page.locator("#translated h3").inner_text()
    no_serious_violations(page)
    shot(page, "rules-sentence")
    page.fill("#f-reason", "review JD orders")
    page.click("#draft-with-rule button[type=submit]")
    page.wait_for_url("**/console/rules/sets/*")
    page.fill("#simulate-since_days", "1")
    page.click("#simulate button[type=submit]")
    page.wait_for_selector("#sandbox-report", timeout=30000)  # the job, followed by htmx
    verdict = page.locator("[data-verdict]").get_attribute("data-verdict")
    assert verdict in ("passed", "failed")
    assert page.locator("#sandbox-report table").count() >= 1
    no_serious_violations(page)
    shot(page, "rules-sandbox-report")


def test_follow_an_orders_events_and_read_the_audit_log(page: Any, console: Console) -> None:
    import httpx

    [made] = console.submit([order_body("FOLLOW-1", "SKU-00003")])
    order_id = made.get("order_id") or made.get("id")
    assert order_id, made
    sign_in(page, console)
    page.click("nav >> text=Events")
    page.fill("#f-order", order_id)
    page.click("form.filters button[type=submit]")
    page.wait_for_selector("#order-events [data-event-seq]")
    shown = page.locator("#order-events [data-event-seq]").count()
    no_serious_violations(page)
    r = httpx.post(f"{console.url}/v1/orders/{order_id}/cancel", json={"reason": "customer"},
                   headers={"Authorization": f"Bearer {console.api_key}"}, timeout=10)
    assert r.status_code == 200, r.text
    page.wait_for_function(  # appended by the follower, no reload
        "n => document.querySelectorAll('#order-events [data-event-seq]').length > n",
        arg=shown, timeout=6000)
    shot(page, "events-follow")
    page.click("nav >> text=Audit")
    page.wait_for_selector('[data-verdict="ok"]')
    assert page.locator("#audit-entries [data-seq]").count() >= 1
    no_serious_violations(page)
    shot(page, "audit")
