"""Every component of the channel's total (issue 16, class 2): fee lines, duties, tips,
platform and seller discounts and subsidies, shipping discounts, each a typed charge on the
order, so the recomputed total equals the channel's; the amounts check compares like with
like and names the component that differs.

Fixtures under tests/fixtures/channels/, invented ids, names and amounts in each platform's
documented field names, nesting and JSON types (no live API was called); their sources:

- woocommerce_order_fees.json: WooCommerce REST API v3 Order (`GET /wp-json/wc/v3/orders/<id>`),
  `fee_lines[]` = `{id, name, tax_class, tax_status, amount, total, total_tax, taxes,
  meta_data}` (woocommerce.github.io/woocommerce-rest-api-docs, "Order - Fee lines
  properties"): insurance, packaging and COD fee lines and a negative fee.
- shopify_order_duties_tip.json: Shopify REST Admin API Order (2024-10),
  `original_total_duties_set` / `current_total_duties_set` (MoneyBag `shop_money.amount`),
  `total_tip_received`, `shipping_lines[].discount_allocations[]` (shopify.dev REST Admin
  "Order" resource; the public Shopify/shopify_api Ruby client's `ShopifyAPI::Order`
  attributes carry the same names): duties, a tip, a shipping discount.
- tiktok_order_subsidies_fees.json: TikTok Shop Open API "Get Order Detail" 202309,
  `payment{original_shipping_fee, shipping_fee_seller_discount,
  shipping_fee_platform_discount, small_order_fee, item_insurance_fee, ...}` and
  `line_items[]{seller_discount, platform_discount}` (partner.tiktokshop.com, Order API
  202309): platform vs seller discounts on units and shipping, the payment's fees.
- taobao_trade_subsidy_cod.json: TOP `taobao.trade.fullinfo.get` Trade: `payment`,
  `total_fee`, `post_fee`, `cod_fee` / `buyer_cod_fee` (货到付款服务费),
  `platform_subsidy_fee`, `order_tax_fee` (open.taobao.com API docs; the public
  bububa/opentaobao SDK's `model/tbtrade/Trade.go` field comments give the same definitions,
  e.g. payment = sub-orders' paid + COD fee + post fee - trade discounts): a COD fee and the
  platform's subsidy."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal as D
from pathlib import Path

import orjson
import pytest

from orderhub.adapters.channels._payload import fee_kind
from orderhub.adapters.channels.base import ChannelOrder
from orderhub.adapters.channels.registry import ADAPTERS
from orderhub.domain.money import quantize
from orderhub.domain.order import (
    Address,
    Charge,
    Customer,
    HoldCode,
    Order,
    OrderLine,
    OrderType,
)
from orderhub.domain.rules.checks import ValidationContext, check_amounts_consistent
from tests.unit.test_channel_render import render

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "channels"

EXPECTED: dict[str, tuple[str, list[tuple[str, str]], str]] = {
    # fixture: (adapter, [(kind, amount)], stated total)
    "woocommerce_order_fees.json": ("woocommerce", [
        ("fee:insurance", "2.50"), ("fee:packaging", "3.00"), ("fee:cod", "1.99"),
        ("discount:seller", "-5.00")], "64.97"),
    "shopify_order_duties_tip.json": ("shopify", [
        ("discount:shipping", "-5.00"), ("duty", "12.30"), ("tip", "4.00")], "221.71"),
    "tiktok_order_subsidies_fees.json": ("tiktok", [
        ("discount:platform", "-2.00"), ("discount:shipping", "-1.00"),
        ("discount:platform_shipping", "-2.00"), ("fee:small_order", "1.00"),
        ("fee:insurance", "0.50")], "94.13"),
    "taobao_trade_subsidy_cod.json": ("taobao", [
        ("fee:cod", "3.00"), ("discount:platform", "-15.00")], "426.00"),
}


def _order_of(co: ChannelOrder) -> Order:
    """The aggregate intake builds from the adapter's output (channel_orders._build)."""
    return Order.create(
        tenant_id="t", channel="c", external_id=co.external_id, order_type=OrderType.B2C,
        currency=co.currency, lines=[OrderLine(i + 1, "", ln.quantity, ln.unit_price,
                                               ln.discount, ln.tax)
                                     for i, ln in enumerate(co.lines)],
        customer=Customer(), address=Address(), now=datetime(2026, 12, 1, tzinfo=UTC),
        shipping_fee=co.shipping_fee, stated_total=co.total, charges=co.charges,
        stated_components=co.stated_components)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_component_is_mapped_and_the_total_recomputes(name: str) -> None:
    adapter, charges, total = EXPECTED[name]
    co = ADAPTERS[adapter].parse((FIXTURES / name).read_bytes())
    assert [(c.kind, c.amount) for c in co.charges] == [(k, D(a)) for k, a in charges]
    assert co.total == D(total)
    order = _order_of(co)
    assert order.grand_total == quantize(D(total), co.currency)
    assert check_amounts_consistent(order, ValidationContext(catalog={}), {}) == []


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_components_survive_the_renderer(name: str) -> None:
    adapter = EXPECTED[name][0]
    co = ADAPTERS[adapter].parse((FIXTURES / name).read_bytes())
    again = ADAPTERS[adapter].parse(render(adapter, co))
    assert sorted((c.kind, c.amount) for c in again.charges) == sorted(
        (c.kind, c.amount) for c in co.charges)
    assert again.total == co.total and again.shipping_fee == co.shipping_fee
    assert [ln.discount for ln in again.lines] == [ln.discount for ln in co.lines]


def test_before_components_a_fee_or_duty_was_a_false_amount_mismatch() -> None:
    co = ADAPTERS["shopify"].parse((FIXTURES / "shopify_order_duties_tip.json").read_bytes())
    without = _order_of(replace(co, charges=[]))
    [reason] = check_amounts_consistent(without, ValidationContext(catalog={}), {})
    assert reason.code == HoldCode.AMOUNT_MISMATCH
    assert "not itemised" in reason.message and "+11.30" in reason.message


def test_the_platform_subsidy_is_the_platforms_not_the_sellers_price_cut() -> None:
    co = ADAPTERS["tiktok"].parse((FIXTURES / "tiktok_order_subsidies_fees.json").read_bytes())
    # 2 units at 25.00 with 2.50 seller and 1.00 platform discount each: the line keeps 5.00
    assert (co.lines[0].quantity, co.lines[0].discount) == (2, D("5.00"))
    tb = ADAPTERS["taobao"].parse((FIXTURES / "taobao_trade_subsidy_cod.json").read_bytes())
    # 44.90 of discounts paid, 15.00 of them by the platform, in proportion to the lines'
    assert [ln.discount for ln in tb.lines] == [D("25.31"), D("4.59")]


def test_the_check_names_the_component_that_differs() -> None:
    co = ADAPTERS["woocommerce"].parse((FIXTURES / "woocommerce_order_fees.json").read_bytes())
    data = orjson.loads((FIXTURES / "woocommerce_order_fees.json").read_bytes())
    data["shipping_total"] = "9.50"  # the order says 9.50, its shipping lines 8.50
    data["total"] = str(D(data["total"]) + 1)
    co = ADAPTERS["woocommerce"].parse(orjson.dumps(data))
    [reason] = check_amounts_consistent(_order_of(co), ValidationContext(catalog={}), {})
    assert reason.code == HoldCode.AMOUNT_MISMATCH
    assert reason.message.startswith("shipping: the hub counts 8.50, the channel states 9.50")
    assert reason.details is not None
    assert reason.details["differing"] == [
        {"component": "shipping", "computed": "8.50", "stated": "9.50"}]
    assert reason.details["components"]["fee:insurance"] == "2.50"


def test_unknown_currency_is_held_for_it() -> None:
    order = Order.create(tenant_id="t", channel="c", external_id="x", order_type=OrderType.B2C,
                         currency="XYZ", lines=[OrderLine(1, "A", 1, D("1.00"))],
                         customer=Customer(), address=Address(),
                         now=datetime(2026, 12, 1, tzinfo=UTC),
                         charges=[Charge("tip", D("1.00"))])
    [reason] = check_amounts_consistent(order, ValidationContext(catalog={}), {})
    assert reason.code == HoldCode.FX_RATE_MISSING and "ISO 4217" in reason.message
    assert order.grand_total == D("2.00")


@pytest.mark.parametrize(("name", "amount", "kind"), [
    ("Shipping insurance", "2", "fee:insurance"), ("运费险", "1", "fee:insurance"),
    ("Gift wrapping", "3", "fee:packaging"), ("包装费", "3", "fee:packaging"),
    ("Cash on delivery fee", "2", "fee:cod"), ("货到付款手续费", "2", "fee:cod"),
    ("Coupon code bonus", "-1", "discount:seller"), ("Promo code fee", "1", "fee:other"),
    ("Customs duties", "5", "duty"), ("Tip", "2", "tip"), ("Handling", "1", "fee:handling"),
])
def test_fee_names_to_kinds(name: str, amount: str, kind: str) -> None:
    assert fee_kind(name, D(amount)) == kind


def _taobao_trade(name: str) -> dict[str, object]:
    doc = orjson.loads((FIXTURES / name).read_bytes())
    trade: dict[str, object] = doc["trade_fullinfo_get_response"]["trade"]
    return trade


def test_a_price_change_stated_only_on_the_trade_is_an_adjustment() -> None:
    """TOP's Trade.adjust_fee is the seller's manual price change; where no sub-order
    carries it (every sub-order's adjust_fee 0), it is an order-level `adjustment`."""
    trade = _taobao_trade("taobao_trade_fullinfo.json")
    for sub in trade["orders"]["order"]:  # type: ignore[index]
        sub["adjust_fee"] = "0.00"  # the lines' paid amounts (divide_order_fee) unchanged
    trade["adjust_fee"] = "-6.00"
    trade["payment"] = str(D(str(trade["payment"])) - 6)
    body = orjson.dumps({"trade_fullinfo_get_response": {"trade": trade}})
    co = ADAPTERS["taobao"].parse(body)
    assert ("adjustment", D("-6.00")) in [(c.kind, c.amount) for c in co.charges]
    assert check_amounts_consistent(_order_of(co), ValidationContext(catalog={}), {}) == []


def test_a_price_change_on_a_sub_order_is_not_counted_twice() -> None:
    """A trade whose sub-order carries the change (TOP copies it to the trade): in the line."""
    co = ADAPTERS["taobao"].parse((FIXTURES / "taobao_trade_subsidy_cod.json").read_bytes())
    assert "adjustment" not in [c.kind for c in co.charges]
    trade = _taobao_trade("taobao_trade_subsidy_cod.json")
    trade["adjust_fee"] = "-4.90"  # the same change, also stated on the trade
    co = ADAPTERS["taobao"].parse(orjson.dumps({"trade_fullinfo_get_response": {"trade": trade}}))
    assert "adjustment" not in [c.kind for c in co.charges]
    assert check_amounts_consistent(_order_of(co), ValidationContext(catalog={}), {}) == []
