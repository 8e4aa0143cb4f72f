"""ATP arithmetic, money rules and order input checks."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from orderhub.domain.inventory import StockLevel, atp
from orderhub.domain.money import fits_currency
from orderhub.domain.order import OrderType
from orderhub.services.intake.drafts import LineDraft, check_draft, payload_hash
from tests.factories import draft, order


def test_atp_is_on_hand_minus_reserved_minus_safety() -> None:
    assert StockLevel("A", "SH", on_hand=100, reserved=30, safety_stock=10).atp == 60
    assert atp(10, 10, 0) == 0
    assert atp(10, 4, 8) == 0  # safety stock above what is free: nothing to promise


@given(st.integers(0, 10**6), st.integers(0, 10**6), st.integers(0, 10**6))
def test_atp_never_negative_and_never_above_free_stock(
    on_hand: int, reserved: int, safety: int
) -> None:
    value = atp(on_hand, reserved, safety)
    assert value >= 0
    assert value <= max(0, on_hand - reserved)
    if on_hand - reserved - safety >= 0:
        assert value == on_hand - reserved - safety


def test_currency_decimals() -> None:
    assert fits_currency(Decimal("9.99"), "CNY")
    assert not fits_currency(Decimal("9.999"), "CNY")
    assert fits_currency(Decimal("9.990"), "CNY")  # trailing zeros are not precision
    assert not fits_currency(Decimal("1.5"), "JPY")
    assert fits_currency(Decimal("1.005"), "KWD")


def test_totals_are_exact_decimals() -> None:
    o = order([("A", 3)])
    assert o.subtotal == Decimal("30.00")
    assert isinstance(o.grand_total, Decimal)


def _locs(d: object) -> set[str]:
    return {e.loc for e in check_draft(d)}  # type: ignore[arg-type]


def test_check_draft_reports_every_bad_field() -> None:
    bad = draft(currency="XXX", lines=[])
    assert _locs(bad) == {"currency", "lines"}
    d = draft()
    d.lines[0:1] = [
        LineDraft("A", 0, Decimal("-1")),
        LineDraft("", 1, Decimal("1.001"), discount=Decimal("5")),
    ]
    locs = _locs(d)
    assert {
        "lines.0.quantity",
        "lines.0.unit_price",
        "lines.1.sku",
        "lines.1.unit_price",
        "lines.1.discount",
    } <= locs


def test_presale_needs_release_date() -> None:
    assert "presale_release" in _locs(draft(order_type=OrderType.PRE_SALE))


def test_payload_hash_ignores_spelling_of_equal_amounts() -> None:
    a = draft()
    b = draft()
    b.lines[0] = LineDraft("A", 1, Decimal("10.0"))
    assert payload_hash(a) == payload_hash(b)
    c = draft(lines=[("A", 2)])
    assert payload_hash(a) != payload_hash(c)
