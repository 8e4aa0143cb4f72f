"""domain/order_ledger: invoices, cancellations, payments, credits and refunds by line."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orderhub.domain.errors import InvalidInput
from orderhub.domain.order_ledger import EntryKind, Ledger
from tests.unit.test_line_money import make, orders

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
D = Decimal
KW = {"now": NOW, "actor": "test"}


def three_lines() -> Ledger:
    o = make([(2, "50.00", "5.00", "3.00"), (3, "10.00", "0", "0"), (1, "33.33", "0", "1.11")],
             shipping="12.00", charges=[("discount:platform", "-15.00")])
    ledger, entry = Ledger.open(o, NOW, "test")
    assert entry.kind == EntryKind.ORDERED and entry.amount == o.grand_total
    return ledger


def test_invoices_and_cancellation_cover_the_order_exactly() -> None:
    ledger = three_lines()
    ledger.invoice({1: 1, 2: 3}, reason="", source="s1", **KW)
    ledger.cancel({3: 1}, reason="", source="c", **KW)
    ledger.invoice({1: 1}, reason="", source="s2", **KW)
    b = ledger.balance()
    assert b.consistent
    assert b.totals.invoiced + b.totals.cancelled == b.totals.ordered
    assert all(r.uninvoiced == 0 for r in b.lines)
    with pytest.raises(InvalidInput):  # nothing left of line 1
        ledger.invoice({1: 1}, reason="", source="s3", **KW)


def test_refund_only_of_paid_shipped_goods_and_never_twice() -> None:
    ledger = three_lines()
    ledger.pay_due(reason="", source="checkout", **KW)  # prepaid
    with pytest.raises(InvalidInput):  # nothing shipped: cancel instead
        ledger.refund(lines={3: D("1.00")}, reason="", source="r", **KW)
    cancelled = ledger.cancel({3: 1}, reason="", source="c", **KW)
    assert [e.kind for e in cancelled] == [EntryKind.CANCELLATION, EntryKind.REFUND]
    assert cancelled[0].amount == cancelled[1].amount
    ledger.invoice({1: 2, 2: 3}, reason="", source="s", **KW)
    paid1 = ledger.balance().lines[0].net_paid
    ledger.refund(lines={1: paid1}, reason="return", source="rma", **KW)
    with pytest.raises(InvalidInput):
        ledger.refund(lines={1: D("0.01")}, reason="return", source="rma", **KW)
    b = ledger.balance()
    assert all(r.outstanding == 0 and r.due >= 0 for r in b.lines) and b.consistent


def test_refund_input_is_checked_field_by_field() -> None:
    ledger = three_lines()
    ledger.invoice({1: 2}, reason="", source="s", **KW)
    ledger.pay_due(reason="", source="p", **KW)
    for kwargs, loc in (({"lines": {9: D("1")}}, "lines.9"),
                        ({"lines": {1: D("-1")}}, "lines.1.amount"),
                        ({"lines": {1: D("0.001")}}, "lines.1.amount"),
                        ({"amount": D("0")}, "amount"),
                        ({}, "lines"), ({"lines": {}}, "lines")):
        with pytest.raises(InvalidInput) as err:
            ledger.refund(reason="", source="r", **kwargs, **KW)  # type: ignore[arg-type]
        assert err.value.errors[0].loc == loc, kwargs


@settings(max_examples=100, deadline=None)
@given(orders(), st.data())
def test_any_sequence_keeps_the_balance_consistent(o: object, data: st.DataObject) -> None:
    ledger, _ = Ledger.open(o, NOW, "test")  # type: ignore[arg-type]
    for step in range(data.draw(st.integers(1, 8))):
        left = {n: k for n, k in ledger.remaining_units().items() if k}
        action = data.draw(st.sampled_from(["invoice", "cancel", "pay", "refund"]))
        if action in ("invoice", "cancel") and left:
            n = data.draw(st.sampled_from(sorted(left)))
            units = {n: data.draw(st.integers(1, left[n]))}
            getattr(ledger, action)(units, reason="", source=f"{action}{step}", **KW)
        elif action == "pay":
            ledger.pay_due(reason="", source=f"p{step}", **KW)
        elif action == "refund":
            rows = [r for r in ledger.balance().lines if r.refundable > 0]
            if rows:
                r = data.draw(st.sampled_from(rows))
                ledger.refund(lines={r.line_no: r.refundable}, reason="", source="r", **KW)
        b = ledger.balance()
        assert b.consistent
        for r in b.lines:
            assert r.due >= 0 and r.net_paid >= 0 and r.paid >= r.refunded
            assert r.net_paid <= r.due  # never more collected than owed
            assert r.invoiced + r.cancelled <= r.ordered


def test_content_fingerprint_ignores_how_amounts_are_written() -> None:
    from orderhub.domain.order_ledger import content_fingerprint

    a = make([(2, "50.00", "5.00", "3.00")], shipping="12.00")
    b = make([(2, "50.000000", "5.000000", "3")], shipping="12.000000")
    assert content_fingerprint(a) == content_fingerprint(b)
    c = make([(2, "50.00", "5.00", "3.00")], shipping="12.01")
    assert content_fingerprint(a) != content_fingerprint(c)


def test_rebase_counts_from_the_new_baseline_and_keeps_the_money_moved() -> None:
    ledger = three_lines()
    ledger.pay_due(reason="", source="checkout", **KW)
    ledger.cancel({3: 1}, reason="", source="c", **KW)
    edited = make([(2, "50.00", "5.00", "3.00"), (4, "10.00", "0", "0")], shipping="12.00",
                  charges=[("discount:platform", "-15.00")])
    assert ledger.rebase(edited, NOW, "test") is not None
    b = ledger.balance()
    assert b.consistent and b.totals.ordered == edited.grand_total and b.totals.cancelled == 0
    # what was paid (less the refund of line 3) against the edited order: the difference
    assert b.totals.outstanding == edited.grand_total - b.totals.net_paid
    ledger.invoice({1: 1}, reason="", source="s", **KW)
    assert ledger.rebase(edited, NOW, "test") is None  # something was invoiced
