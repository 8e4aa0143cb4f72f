"""Partial fulfilment money: the order's ledger booked in the transaction of the change
that causes it (docs/money.md).

    ShipmentDispatched    -> invoice   the shipped units of each line (line_money.units_money)
    OrderLinesCancelled   -> cancellation of those units, + refund of what was paid for them
    OrderCancelled        -> cancellation of every unit not yet shipped or cancelled (+ refund)
    OrderInvoiced         -> invoice of any unit not invoiced yet (orders shipped before the
                             ledger existed); the event keeps its amount (the grand total)
    PaymentCaptured       -> payment of everything still due, line by line
    record_refund(...)    -> credit + refund, never more than was paid for those lines

The services that make these changes (fulfilment.ship_order / cancel_loaded / advance_order,
`cancel_units` here, intake's channel cancellation, the payment-failed saga) call `book`
with the order's new events. An entry those events explain is not evented again (its
`source` names the event); refunds, and the entries `record_payment` / `record_refund`
book, are `OrderMoneyBooked` events on the order.
A ledger is opened (its `ordered` entry: `line_money.allocate`) the first time money
moves, before the change, so it keeps the order's lines as they were. Each entry stores the
order's content fingerprint after it; an order edited since (lines, shipping, charges)
gets a new `ordered` entry before anything else is booked (`Ledger.rebase`), unless
something was invoiced already.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from orderhub.domain import events as ev
from orderhub.domain.errors import NotFound
from orderhub.domain.order import Order, stock_quantities
from orderhub.domain.order_ledger import (
    Balance,
    EntryKind,
    Ledger,
    LedgerEntry,
    content_fingerprint,
)
from orderhub.services.unit_of_work import UnitOfWork, UowFactory


def open_ledger(uow: UnitOfWork, order: Order, now: datetime, actor: str) -> Ledger:
    """The order's ledger; opened now (and its `ordered` entry stored) if it has none."""
    ledger = uow.money.ledger(order.tenant_id, order.id, order.currency)
    if ledger is None:
        ledger, entry = Ledger.open(order, now, actor)
        _store(uow, order, ledger, [entry], caused_by_event=True)  # the order as placed
    elif ledger.last_content() and ledger.last_content() != content_fingerprint(order):
        rebased = ledger.rebase(order, now, actor)  # edited since money last moved
        if rebased is not None:
            _store(uow, order, ledger, [rebased], caused_by_event=True)
    return ledger


def _store(uow: UnitOfWork, order: Order, ledger: Ledger, entries: Sequence[LedgerEntry],
           *, caused_by_event: bool = False) -> None:
    """Store the entries; each is an `OrderMoneyBooked` event on the order unless an event
    just recorded on it already says what happened (a dispatch, a cancellation, the whole-
    order invoice or payment: the entry names it as its `source`). Money going back to the
    customer (a refund) is always an event of its own."""
    uow.money.add(ledger, entries, content=content_fingerprint(order))
    for e in entries:
        if caused_by_event and e.kind != EntryKind.REFUND:
            continue
        order.record_money(ev.OrderMoneyBooked(
            tenant_id=order.tenant_id, occurred_at=e.occurred_at, actor=e.actor,
            reason=e.reason, entry_id=e.id, kind=e.kind.value, amount=str(e.amount),
            currency=e.currency, lines=e.event_lines(), source=e.source))


def book(uow: UnitOfWork, order: Order, events: Sequence[ev.Event], *, now: datetime,
         actor: str, ledger: Ledger | None = None) -> list[LedgerEntry]:
    """Book the money that `events` (just recorded on the locked `order`) cause."""
    booked: list[LedgerEntry] = []
    for e in events:
        if not isinstance(e, (ev.ShipmentDispatched, ev.OrderLinesCancelled, ev.OrderCancelled,
                              ev.OrderInvoiced, ev.PaymentCaptured)):
            continue
        if ledger is None:
            ledger = open_ledger(uow, order, now, actor)
        new: list[LedgerEntry] = []
        if isinstance(e, ev.ShipmentDispatched):
            source = f"ShipmentDispatched:{e.shipment_id}"
            if not ledger.has_source(EntryKind.INVOICE, source):
                entry = ledger.invoice(_units(e.lines), reason="shipment dispatched",
                                       source=source, now=now, actor=actor)
                new = [entry] if entry else []
        elif isinstance(e, ev.OrderLinesCancelled):
            new = ledger.cancel(_units(e.lines), reason=e.reason or "units cancelled",
                                source="OrderLinesCancelled", now=now, actor=actor)
        elif isinstance(e, ev.OrderCancelled):
            new = ledger.cancel(ledger.remaining_units(), reason=e.reason or "order cancelled",
                                source="OrderCancelled", now=now, actor=actor)
        elif isinstance(e, ev.OrderInvoiced):
            entry = ledger.invoice(ledger.remaining_units(), reason="order invoiced",
                                   source="OrderInvoiced", now=now, actor=actor)
            new = [entry] if entry else []
        else:
            entry = ledger.pay_due(reason="payment captured", source="PaymentCaptured",
                                   now=now, actor=actor)
            new = [entry] if entry else []
        _store(uow, order, ledger, new, caused_by_event=True)
        booked += new
    return booked


def _units(lines: Sequence[Mapping[str, object]]) -> dict[int, int]:
    out: dict[int, int] = {}
    for ln in lines:
        n = int(str(ln["line_no"]))
        out[n] = out.get(n, 0) + int(str(ln["quantity"]))
    return out


# ----- use cases ------------------------------------------------------------------------------
def cancel_units(make_uow: UowFactory, tenant_id: str, order_id: str,
                 units: Mapping[int, int], reason: str, *, now: datetime,
                 actor: str) -> tuple[Order, list[LedgerEntry]]:
    """Cancel some units of some lines before release (`Order.cancel_units`): their stock
    goes back, their money is booked as not to capture (or refunded, if paid) and taken off
    the order's amounts (lines, shipping, charges) by the ledger's allocation, so the
    order's grand total stays what is still due."""
    with make_uow() as uow:
        order = uow.orders.get(tenant_id, order_id, lock=True)
        order.check_cancel_units(units)
        ledger = open_ledger(uow, order, now, actor)  # before the lines change
        since = len(order.events)
        released = order.cancel_units(units, reason, now, actor,
                                      money=ledger.cancelled_money(units))
        uow.stock.release(tenant_id, stock_quantities(released), now)
        entries = book(uow, order, order.events[since:], now=now, actor=actor, ledger=ledger)
        uow.commit()
        return order, entries


def record_payment(uow: UnitOfWork, order: Order, *, source: str, now: datetime,
                   actor: str, reason: str = "payment captured") -> LedgerEntry | None:
    """A capture of everything the order still owes, by line (a channel that took the
    money at checkout); in the caller's transaction, the order locked by it."""
    ledger = open_ledger(uow, order, now, actor)
    entry = ledger.pay_due(reason=reason, source=source, now=now, actor=actor)
    if entry is not None:
        _store(uow, order, ledger, [entry])
    return entry


def record_refund(uow: UnitOfWork, order: Order, *, lines: Mapping[int, Decimal] | None = None,
                  amount: Decimal | None = None, reason: str, source: str, now: datetime,
                  actor: str) -> list[LedgerEntry]:
    """Book a refund (with its credit) by line (`lines`: line number -> amount) or of an
    `amount` spread over the lines pro rata to what was paid for them; in the caller's
    transaction, the order locked by it. Raises `InvalidInput` (nothing booked) when it is
    more than was paid for those lines and not refunded yet."""
    ledger = open_ledger(uow, order, now, actor)
    entries = ledger.refund(lines=lines, amount=amount, reason=reason, source=source,
                            now=now, actor=actor)
    _store(uow, order, ledger, entries)
    return entries


def settle_edit(uow: UnitOfWork, order: Order, *, reason: str, now: datetime,
                actor: str) -> LedgerEntry | None:
    """After an edit of the locked `order` (its content changed): if money has moved for
    it, the ledger takes the order as edited now (`Ledger.rebase`) and what was paid beyond
    the edited order's due is refunded (an `OrderMoneyBooked` refund); in the caller's
    transaction. Nothing when no money has moved yet (the baseline is taken later)."""
    if uow.money.ledger(order.tenant_id, order.id, order.currency) is None:
        return None
    ledger = open_ledger(uow, order, now, actor)
    entry = ledger.refund_overpaid(reason=reason, source="OrderEdited", now=now, actor=actor)
    if entry is not None:
        _store(uow, order, ledger, [entry], caused_by_event=True)
    return entry


def _ledger_or_preview(uow: UnitOfWork, order: Order) -> Ledger:
    ledger = uow.money.ledger(order.tenant_id, order.id, order.currency)
    if ledger is None:  # nothing booked yet: the allocation, not stored
        ledger, _ = Ledger.open(order, order.updated_at, "system")
    elif ledger.last_content() and ledger.last_content() != content_fingerprint(order):
        # edited since money last moved: shown as the next booking will take it (not stored)
        ledger.rebase(order, order.updated_at, "system")
    return ledger


def balance(make_uow: UowFactory, tenant_id: str, order_id: str) -> tuple[Order, Balance]:
    """The order's balance line by line (read only). An order no money has moved for yet
    shows its allocation as ordered and nothing else."""
    with make_uow() as uow:
        order = uow.orders.get(tenant_id, order_id)
        return order, _ledger_or_preview(uow, order).balance()


def balance_view(make_uow: UowFactory, tenant_id: str, order_id: str, *,
                 warehouses: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The balance as the API and the CLI show it: per line (with its SKU) ordered, shipped,
    cancelled, invoiced, paid, credited, refunded, outstanding; the totals; `consistent`
    (the lines add up to the entries' totals) and the ledger's entries in order."""
    with make_uow() as uow:
        if warehouses and not uow.orders.visible(tenant_id, order_id, warehouses):
            raise NotFound(f"order {order_id} not found")
        order = uow.orders.get(tenant_id, order_id)
        ledger = _ledger_or_preview(uow, order)
    b = ledger.balance()
    skus = ledger.skus()
    out = b.as_dict()
    out["status"] = order.status.value
    for row in out["lines"]:
        row["sku"] = skus.get(row["line_no"], "")
    out["entries"] = [
        {"id": e.id, "kind": e.kind.value, "amount": str(e.amount), "currency": e.currency,
         "lines": e.event_lines(), "reason": e.reason, "source": e.source,
         "occurred_at": e.occurred_at.isoformat(), "actor": e.actor}
        for e in ledger.entries if e.kind != EntryKind.ORDERED]
    return out
