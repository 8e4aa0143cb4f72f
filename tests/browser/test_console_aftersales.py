"""The returns and reconciliation pages in a real browser: find a return by SKU, approve
it and record its receipt with a grade (the refund and the return's timeline appear);
import a settlement file, reconcile it and see the reason codes, close the period. axe-core
on each page and a screenshot; the Chinese labels once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from orderhub.domain.lifecycle import OrderStatus
from orderhub.services.access import users
from orderhub.services.orders import fulfilment
from tests.browser.conftest import (
    PASSWORD,
    Console,
    no_serious_violations,
    order_body,
    shot,
    sign_in,
)

# one worker runs this module, so its console server starts once (pytest-xdist)
pytestmark = pytest.mark.xdist_group("test_console_aftersales")


def _shipped_return(console: Console, external_id: str, sku: str) -> tuple[str, str]:
    """An order of `sku` shipped, and a return of it waiting for a person's approval."""
    hub, tenant = console.hub, console.tenant
    [r] = console.submit([order_body(external_id, sku, 2)])
    order_id = str(r["order_id"])
    hub.waybills.release(tenant, order_id, actor="wms")
    for step in (OrderStatus.PICKED, OrderStatus.PACKED):
        fulfilment.advance_order(hub.uow, tenant, order_id, step, now=hub.clock(),
                                 actor="wms")
    fulfilment.ship_order(hub.uow, tenant, order_id, None, now=hub.clock(), actor="wms")
    rma = hub.returns.request(tenant, order_id, [(1, 2)], "other", actor="buyer")
    return order_id, rma.id


def test_approve_and_receive_a_return(page: Any, console: Console) -> None:
    order_id, return_id = _shipped_return(console, "RMA-B-1", "SKU-00011")
    sign_in(page, console)
    page.click("nav >> text=Returns")
    page.wait_for_url("**/console/returns")
    page.fill("#f-sku", "SKU-00011")
    page.click("form[role=search] button[type=submit]")
    page.wait_for_url("**sku=SKU-00011**")
    row = page.locator(f'tr[data-return="{return_id}"]')
    assert "SKU-00011" in row.inner_text()
    assert row.locator(f'a[href$="/orders/{order_id}"]').count() == 1
    no_serious_violations(page)
    shot(page, "returns")
    row.locator(f'a[href$="/returns/{return_id}"]').click()
    page.wait_for_url(f"**/console/returns/{return_id}")
    page.fill("#f-reason", "photos checked")
    page.click('[data-action="approve"]')
    page.wait_for_url("**done=approved")
    page.fill("#f-qty-1", "1")
    page.select_option("#f-grade-1", "scrap")
    page.click('[data-action="receive"]')
    page.wait_for_url("**done=received")
    assert page.locator('h1 [data-status="received"]').is_visible()
    assert page.locator('[data-grade="scrap"]').inner_text().startswith("1 ×")
    assert page.locator("[data-refund-total]").is_visible()
    assert page.locator('#return-timeline [data-event="RefundRequested"]').count() == 1
    no_serious_violations(page)
    shot(page, "return")
    page.click('[data-lang-switch="zh"]')
    assert page.locator("#h-ret-refund").inner_text() == "退款"
    page.goto(f"{console.url}/console/returns/rates")
    assert page.locator('#rates-sku tr[data-sku="SKU-00011"]').count() == 1
    assert page.locator("#h-ret-rates").inner_text() == "最高的 20 项"


def test_import_reconcile_and_close_a_period(page: Any, console: Console,
                                             tmp_path: Path) -> None:
    users.create_user(console.hub.uow, console.tenant, login="finance", role="finance",
                      password=PASSWORD, granter=None, actor="test", now=console.hub.clock())
    head = ("账务流水号,业务流水号,商户订单号,发生时间,收入金额（+元）,支出金额（-元）,业务类型,"
            "业务基础订单号,币种\n")
    rows = "".join(f"A{s},{s},T200P{o},2026-11-20 10:00:00,9.90,,交易付款,{o},CNY\n"
                   for s, o in (("B1", "NOT-AN-ORDER-1"), ("B1", "NOT-AN-ORDER-1")))
    statement = tmp_path / "alipay-2026-11.csv"
    statement.write_bytes(("#支付宝账务明细查询\n" + head + rows).encode())
    sign_in(page, console, "finance")
    page.click("nav >> text=Reconciliation")
    page.wait_for_url("**/console/reconciliation")
    page.goto(f"{console.url}/console/reconciliation?period=2026-11")
    page.select_option("#f-source", "tmall")
    page.fill("#f-import-period", "2026-11")
    page.set_input_files("#f-file", str(statement))
    page.click('[data-action="import"]')
    page.wait_for_url("**done=imported")
    assert "alipay-2026-11.csv" in page.locator("#rec-imports").inner_text()
    page.click('[data-scope="tmall"] [data-action="run"]')
    page.wait_for_url("**done=run")
    scope = page.locator('[data-scope="tmall"]')
    assert scope.locator('tr[data-code="unmatched_row"]').count() == 1
    assert scope.locator('tr[data-code="duplicate"]').count() == 1
    no_serious_violations(page)
    shot(page, "reconciliation")
    page.click('[data-scope="tmall"] [data-action="close"]')
    page.wait_for_url("**done=closed")
    assert page.locator('[data-scope="tmall"][data-period-status="closed"]').is_visible()
    assert page.locator('[data-scope="tmall"] [data-action="run"]').count() == 0
