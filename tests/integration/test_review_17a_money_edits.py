"""Review 17a: an operator's edit of an order whose money has already moved (units
cancelled, money taken at checkout) keeps the ledger in step with the order: the balance
shows the order as edited, and what was paid beyond the edited order's due is refunded."""

from __future__ import annotations

from decimal import Decimal

from orderhub.bootstrap import Hub
from orderhub.domain.lifecycle import OrderStatus as S
from orderhub.domain.order import Charge, OrderEdit
from orderhub.services.intake.drafts import LineDraft, OrderDraft
from orderhub.services.intake.submit import submit_orders
from orderhub.services.orders import editing, fulfilment, money
from orderhub.services.orders.editing import EditRequest, LineQuantity
from tests.factories import SHANGHAI, T, seed_network
from tests.integration.test_order_money import (
    STOCK,
    bal,
    entries,
    grand_total,
    place,
    step,
)

D = Decimal


def edit(hub: Hub, oid: str, req: EditRequest) -> editing.EditResult:
    return editing.change_order(hub.uow, T, oid, req, now=hub.clock(), actor="ops",
                                strategy=hub.strategy, presale_lock=hub.presale_lock)


def test_balance_follows_an_edit_made_after_money_moved(hub: Hub) -> None:
    oid = place(hub)
    money.cancel_units(hub.uow, T, oid, {3: 1}, "short", now=hub.clock(), actor="ops")
    edit(hub, oid, EditRequest(reason="more B", quantities=(LineQuantity(2, 5),)))
    b = bal(hub, oid)
    total = grand_total(hub, oid)
    assert b.totals.due == total, (b.totals.due, total)
    assert {r.line_no: r.ordered_units for r in b.lines} == {1: 2, 2: 5}
    assert b.totals.outstanding == total


def test_units_edited_away_after_payment_are_refunded(hub: Hub) -> None:
    oid = place(hub)
    paid = grand_total(hub, oid)
    with hub.uow() as uow:  # a channel that took the money at checkout
        order = uow.orders.get(T, oid, lock=True)
        money.record_payment(uow, order, source="checkout", now=hub.clock(), actor="tmall")
        uow.commit()
    result = edit(hub, oid, EditRequest(reason="fewer B", quantities=(LineQuantity(2, 1),),
                                        remove=(3,)))
    assert result.money_difference < 0
    total = grand_total(hub, oid)
    assert total == paid + result.money_difference
    b = bal(hub, oid)
    assert b.totals.refunded == -result.money_difference
    assert b.totals.outstanding == 0 and all(r.outstanding == 0 for r in b.lines)
    # and the rest of the order still ships, invoices and settles exactly
    step(hub, oid, S.RELEASED, S.PICKED, S.PACKED)
    fulfilment.ship_order(hub.uow, T, oid, None, now=hub.clock(), actor="wms")
    b = bal(hub, oid)
    assert b.totals.invoiced == total and b.totals.net_paid == total
    assert b.totals.outstanding == 0
    assert sum((a for k, a in entries(hub, oid) if k == "refund"), D(0)) == -result.money_difference


def test_cancelling_the_line_that_carries_total_rounding_keeps_the_order_at_its_due(
        hub: Hub) -> None:
    """Charges with more decimals than CNY: the grand total's extra cent is allocated as
    `total_rounding` (to line 1 here); cancelling that line must take it off the order too,
    or the order's grand total (what PaymentCaptured carries) and the ledger's due part."""
    seed_network(hub, STOCK)
    d = OrderDraft(channel="web", external_id="R-1", currency="CNY",
                   lines=[LineDraft("A", 2, D("10.00")), LineDraft("B", 1, D("10.00"))],
                   shipping_address=SHANGHAI)
    [r] = submit_orders(hub.uow, T, [d], strategy=hub.strategy, now=hub.clock(), actor="t",
                        presale_lock=hub.presale_lock)
    oid = r.order_id
    assert oid is not None
    with hub.uow() as uow:  # a channel's charges, half a cent each
        order = uow.orders.get(T, oid, lock=True)
        editing.edit_order(uow, order, OrderEdit(charges=[Charge("fee:x", D("0.005")),
                                                          Charge("fee:y", D("0.005"))]),
                           reason="fees", now=hub.clock(), actor="channel")
        uow.commit()
    assert grand_total(hub, oid) == D("30.01")
    money.cancel_units(hub.uow, T, oid, {1: 2}, "out", now=hub.clock(), actor="ops")
    b = bal(hub, oid)
    assert b.totals.due == grand_total(hub, oid) == D("10.00")
    step(hub, oid, S.RELEASED, S.PICKED, S.PACKED)
    fulfilment.ship_order(hub.uow, T, oid, None, now=hub.clock(), actor="wms")
    step(hub, oid, S.DELIVERED, S.INVOICED, S.PAID)
    b = bal(hub, oid)
    assert b.totals.paid == b.totals.invoiced == grand_total(hub, oid)
    assert b.totals.outstanding == 0


def test_an_added_line_takes_the_list_price_only_in_the_orders_currency(hub: Hub) -> None:
    """A SKU priced in USD added to a CNY order without a price: its list price is not a
    CNY amount, so the edit asks for the price (422 naming the field) instead of charging
    9.99 CNY for a 9.99 USD item; nothing changes."""
    import pytest

    from orderhub.domain.errors import InvalidInput
    from orderhub.domain.inventory import Sku
    from orderhub.services import catalog
    from orderhub.services.orders.editing import NewLine

    oid = place(hub)
    catalog.add_skus(hub.uow, [Sku(T, "U", "Import", D("9.99"),
                                   attributes={"currency": "USD"})], hub.clock())
    before = grand_total(hub, oid)
    with pytest.raises(InvalidInput) as err:
        edit(hub, oid, EditRequest(reason="add", add=(NewLine("U", 1),)))
    assert [e.loc for e in err.value.errors] == ["add_lines.0.unit_price"]
    assert grand_total(hub, oid) == before
    r = edit(hub, oid, EditRequest(reason="add", add=(NewLine("U", 1, D("70.00")),)))
    assert r.money_difference == D("70.00")
    r = edit(hub, oid, EditRequest(reason="add", add=(NewLine("A", 1),)))  # CNY list price
    assert r.money_difference == D("10.00")


def test_a_price_finer_than_the_currency_is_a_field_error_not_a_hold(hub: Hub) -> None:
    """0.001 CNY for an added line: a 422 naming add_lines.0.unit_price, the order left as
    it was (before: the edit was applied, the order held and its stock given back)."""
    import pytest

    from orderhub.domain.errors import InvalidInput
    from orderhub.services.orders.editing import NewLine

    oid = place(hub)
    with hub.read_uow() as uow:
        before = uow.orders.get(T, oid)
    with pytest.raises(InvalidInput) as err:
        edit(hub, oid, EditRequest(reason="add", add=(NewLine("A", 1, D("0.001")),)))
    assert [e.loc for e in err.value.errors] == ["add_lines.0.unit_price"]
    with hub.read_uow() as uow:
        after = uow.orders.get(T, oid)
    assert (after.version, after.status, len(after.lines)) == (
        before.version, before.status, len(before.lines))
