"""A SKU's floor stated in a currency of its own (issue 16, class 1): a floor of USD 25 on a
SKU listed in CNY is compared in USD with a USD order and through the dated rates with an
order in any other currency; a floor derived from the list price stays in the list price's
currency; the batch's rate read includes the floors' currencies."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal as D
from types import SimpleNamespace
from typing import Any

from orderhub.domain.fx import FxRate, FxSettings, RateTable
from orderhub.domain.inventory import Sku
from orderhub.domain.order import Address, Customer, HoldCode, Order, OrderLine, OrderType
from orderhub.domain.rules.checks import ValidationContext, check_price_floor, floor_currency

DAY = date(2027, 2, 10)
TABLE = RateTable.of(FxSettings("CNY", 7), [
    FxRate("USD", date(2027, 2, 8), D("7.00"), "manual"),
    FxRate("EUR", date(2027, 2, 8), D("7.50"), "manual")])
# listed in CNY, floor in USD (an importer's floor set by its US contract)
LAMP = Sku("t", "LAMP", "Desk lamp", D("260.00"),
           attributes={"currency": "CNY", "floor_price": "25.00", "floor_currency": "USD"})


def order(currency: str, price: str, discount: str = "0") -> Order:
    at = datetime(DAY.year, DAY.month, DAY.day, 4, 0, tzinfo=UTC)
    return Order.create(tenant_id="t", channel="web", external_id="L1",
                        order_type=OrderType.B2C, currency=currency,
                        lines=[OrderLine(1, "LAMP", 1, D(price), D(discount))],
                        customer=Customer(), address=Address(), now=at, placed_at=at)


def ctx() -> ValidationContext:
    return ValidationContext(catalog={"LAMP": LAMP}, fx=TABLE)


def test_the_floor_keeps_its_own_currency() -> None:
    assert floor_currency(LAMP, ctx(), order("CNY", "200")) == "USD"
    plain = Sku("t", "X", "x", D("1"), attributes={"currency": "EUR", "floor_price": "1"})
    assert floor_currency(plain, ctx(), order("CNY", "200")) == "EUR"


def test_an_order_in_the_floor_currency_is_compared_without_a_rate() -> None:
    [low] = check_price_floor(order("USD", "24.00"), ctx(), {})
    assert low.code == HoldCode.PRICE_BELOW_FLOOR and "below its floor 25.00" in low.message
    assert check_price_floor(order("USD", "26.00"), ctx(), {}) == []
    # a discount that takes the net price under the floor
    assert check_price_floor(order("USD", "26.00", discount="2.00"), ctx(), {})


def test_an_order_in_the_list_currency_is_compared_with_the_converted_floor() -> None:
    # USD 25 = CNY 175: CNY 170 is below (compared as CNY 170 with the list price it was not)
    [low] = check_price_floor(order("CNY", "170.00"), ctx(), {})
    assert low.code == HoldCode.PRICE_BELOW_FLOOR
    assert low.details is not None and low.details["floor_currency"] == "USD"
    assert low.details["floor_base"] == "175.00"
    assert check_price_floor(order("CNY", "180.00"), ctx(), {}) == []


def test_an_order_in_a_third_currency_converts_both_sides() -> None:
    # EUR 23 = CNY 172.50 < CNY 175; EUR 24 = CNY 180
    [low] = check_price_floor(order("EUR", "23.00"), ctx(), {})
    assert low.code == HoldCode.PRICE_BELOW_FLOOR
    assert check_price_floor(order("EUR", "24.00"), ctx(), {}) == []


def test_a_floor_currency_without_a_rate_holds_for_the_rate() -> None:
    chf = Sku("t", "LAMP", "Desk lamp", D("260.00"),
              attributes={"floor_price": "20", "floor_currency": "CHF"})
    [reason] = check_price_floor(order("CNY", "100"), ValidationContext(
        catalog={"LAMP": chf}, fx=TABLE), {})
    assert reason.code == HoldCode.FX_RATE_MISSING


def test_a_floor_from_the_list_price_stays_in_the_list_currency() -> None:
    listed = Sku("t", "LAMP", "Desk lamp", D("260.00"),
                 attributes={"currency": "CNY", "floor_currency": "USD"})
    # 0.5 x CNY 260 = CNY 130, not USD 130
    assert check_price_floor(order("CNY", "140.00"), ValidationContext(
        catalog={"LAMP": listed}, fx=TABLE), {}) == []


def test_the_batch_reads_the_rates_of_the_floor_currencies() -> None:
    from orderhub.services.intake.pipeline import rate_table

    asked: dict[str, Any] = {}

    def table(tenant: str, currencies: set[str], start: date, end: date) -> RateTable:
        asked["currencies"] = set(currencies)
        return TABLE

    uow: Any = SimpleNamespace(fx=SimpleNamespace(table=table))
    rate_table(uow, "t", [order("CNY", "200")], {"LAMP": LAMP}, datetime.now(UTC))
    assert {"CNY", "USD"} <= asked["currencies"]
