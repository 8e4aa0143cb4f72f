"""domain/line_money: order-level amounts allocated to lines, and money for some units."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orderhub.domain.errors import InvalidInput
from orderhub.domain.line_money import (
    allocate,
    by_line,
    split_pro_rata,
    totals,
    unit_net,
    units_money,
)
from orderhub.domain.money import minor_unit, quantize
from orderhub.domain.order import Address, Charge, Customer, Order, OrderLine, OrderType

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
D = Decimal


def make(lines: list[tuple[int, str, str, str]], *, shipping: str = "0",
         charges: Sequence[tuple[str, str]] = (), currency: str = "CNY") -> Order:
    """lines: (quantity, unit_price, discount, tax)."""
    return Order.create(
        tenant_id="t1", channel="web", external_id="X", order_type=OrderType.B2C,
        currency=currency,
        lines=[OrderLine(i + 1, f"SKU-{i}", q, D(p), D(d), D(t))
               for i, (q, p, d, t) in enumerate(lines)],
        customer=Customer(), address=Address(), now=NOW, shipping_fee=D(shipping),
        charges=[Charge(k, D(a)) for k, a in charges],
    )


def test_worked_example_three_lines_discount_shipping_tip() -> None:
    o = make([(2, "50.00", "0", "13.00"), (1, "30.00", "10.00", "2.60"),
              (3, "10.00", "0", "3.90")], shipping="12.00",
             charges=[("discount:platform", "-20.00"), ("tip", "5.00"), ("duty", "1.00")])
    lm = allocate(o)
    # weights: 100.00, 20.00, 30.00 (of 150.00)
    assert [x.order_discount for x in lm] == [D("13.33"), D("2.67"), D("4.00")]
    assert [x.shipping for x in lm] == [D("8.00"), D("1.60"), D("2.40")]
    assert [dict(x.charges)["tip"] for x in lm] == [D("3.33"), D("0.67"), D("1.00")]
    assert [dict(x.charges)["duty"] for x in lm] == [D("0.67"), D("0.13"), D("0.20")]
    assert sum((x.net for x in lm), D(0)) == o.grand_total == D("167.50")
    assert lm[0].net == D("100.00") - D("13.33") + D("13.00") + D("8.00") + D("4.00")
    t = totals(lm, "CNY")
    assert t.order_discount == D("20.00") and t.shipping == D("12.00") and t.fees == D("6.00")


def test_largest_remainder_ties_go_to_the_earlier_line() -> None:
    assert split_pro_rata(100, [1, 1, 1]) == [34, 33, 33]
    assert split_pro_rata(-100, [1, 1, 1]) == [-34, -33, -33]
    assert split_pro_rata(5, [0, 0]) == [3, 2]  # all weights zero: equal shares
    assert split_pro_rata(7, [3, -2, 1]) == [5, 0, 2]  # a negative weight counts as zero


def test_free_lines_weigh_by_quantity() -> None:
    o = make([(1, "0", "0", "0"), (3, "0", "0", "0")], shipping="8.00")
    assert [x.shipping for x in allocate(o)] == [D("2.00"), D("6.00")]


def test_shipping_discount_nets_into_shipping() -> None:
    o = make([(1, "10.00", "0", "0"), (1, "30.00", "0", "0")], shipping="10.00",
             charges=[("discount:shipping", "-10.00")])
    lm = allocate(o)
    assert [x.shipping for x in lm] == [D("0.00"), D("0.00")]
    assert [x.order_discount for x in lm] == [D("0"), D("0")]


def test_zero_decimal_currency() -> None:
    o = make([(1, "1000", "0", "0"), (1, "1000", "0", "0"), (1, "1000", "0", "0")],
             shipping="100", currency="JPY")
    assert [x.shipping for x in allocate(o)] == [D("34"), D("33"), D("33")]


def test_amounts_with_too_many_decimals_still_sum_to_the_grand_total() -> None:
    o = make([(3, "0.333", "0", "0"), (1, "0.335", "0", "0.005")], shipping="0.005")
    assert sum((x.net for x in allocate(o)), D(0)) == o.grand_total


def test_units_one_by_one_sum_to_the_line_and_never_pass_it() -> None:
    # The case where rounding each component alone would overshoot: net 0.01 over 3 units.
    o = make([(3, "0.01", "0.01", "0")], charges=[("discount:platform", "-0.01")])
    (lm,) = allocate(o)
    assert lm.net == D("0.01")
    nets = [unit_net(lm, before=i) for i in range(3)]
    assert sum(nets, D(0)) == lm.net
    running = D(0)
    for n in nets:
        running += n
        assert D(0) <= running <= lm.net


def test_units_money_refuses_units_outside_the_line() -> None:
    (lm,) = allocate(make([(2, "10.00", "0", "0")]))
    with pytest.raises(InvalidInput):
        units_money(lm, 2, before=1)
    with pytest.raises(InvalidInput):
        units_money(lm, -1)


def test_portion_components_add_up_to_its_net() -> None:
    o = make([(7, "9.99", "3.01", "1.13")], shipping="6.00",
             charges=[("discount:seller", "-5.00"), ("fee:insurance", "0.99")])
    (lm,) = allocate(o)
    p = units_money(lm, 3, before=2)
    assert p.net == (p.gross - p.line_discount - p.order_discount + p.tax + p.shipping + p.fees
                     + p.rounding)
    assert p.fees == sum((v for _, v in p.charges), D(0))
    assert p.order_discount == sum((v for _, v in p.discounts), D(0))


# ----- properties -------------------------------------------------------------------------
CURRENCIES = st.sampled_from(["CNY", "JPY", "KWD", "USD"])


@st.composite
def orders(draw: st.DrawFn) -> Order:
    currency = draw(CURRENCIES)
    places = minor_unit(currency)

    def money(hi: int) -> Decimal:
        return Decimal(draw(st.integers(0, hi))).scaleb(-places)

    n = draw(st.integers(1, 6))
    lines = []
    for _ in range(n):
        q = draw(st.integers(1, 20))
        price = money(50_000)
        discount = min(money(50_000), price * q)
        lines.append((q, str(price), str(discount), str(money(5_000))))
    merchandise = sum((D(p) * q - D(d) for q, p, d, _ in lines), D(0))
    charges: list[tuple[str, str]] = []
    if merchandise > 0 and draw(st.booleans()):
        cap = int(merchandise.scaleb(places))
        charges.append(("discount:platform", str(-Decimal(draw(st.integers(0, cap)))
                                                  .scaleb(-places))))
    for kind in draw(st.lists(st.sampled_from(["tip", "duty", "fee:insurance"]), max_size=3)):
        charges.append((kind, str(money(10_000))))
    return make(lines, shipping=str(money(10_000)), charges=charges, currency=currency)


@settings(max_examples=300, deadline=None)
@given(orders())
def test_allocations_sum_exactly_and_are_never_negative(o: Order) -> None:
    lm = allocate(o)
    assert [x.line_no for x in lm] == [ln.line_no for ln in o.lines]
    assert sum((x.net for x in lm), D(0)) == o.grand_total
    t = totals(lm, o.currency)
    assert t.shipping == o.shipping_fee
    assert -t.order_discount == sum((c.amount for c in o.charges if c.family == "discount"),
                                    D(0))
    assert t.fees == sum((c.amount for c in o.charges if c.family != "discount"), D(0))
    for x in lm:
        for name in ("gross", "line_discount", "order_discount", "tax", "shipping", "fees"):
            assert getattr(x, name) >= 0, name
        assert x.merchandise >= 0
        assert x.net >= 0
        assert x.net == quantize(x.net, o.currency)


@settings(max_examples=200, deadline=None)
@given(orders(), st.data())
def test_any_split_of_a_line_sums_to_it_and_no_prefix_passes_it(o: Order,
                                                                 data: st.DataObject) -> None:
    for lm in by_line(o).values():
        cuts = sorted(data.draw(st.lists(st.integers(0, lm.quantity), max_size=4)))
        bounds = [0, *cuts, lm.quantity]
        portions = [units_money(lm, b - a, before=a) for a, b in pairwise(bounds)]
        whole = totals(portions, o.currency)
        for name in ("gross", "line_discount", "order_discount", "tax", "shipping", "fees",
                     "net"):
            assert getattr(whole, name) == getattr(lm, name), name
        assert whole.rounding == 0
        running = D(0)
        for p in portions:
            assert p.net >= 0
            running += p.net
            assert running <= lm.net
