"""An order's money ledger: what was ordered, invoiced, paid, cancelled, credited and
refunded, line by line (docs/money.md). Pure: entries in, entries and balances out.

The first entry (`ordered`) is the order's money allocated to its lines as it stood when
money first moved (`line_money.allocate`); every later entry is measured against it, so an
order whose lines later shrink (a partial cancellation) is still explained by what it was.
Units of a line are taken in sequence by invoices (units shipped) and cancellations (units
that will not ship), each priced by `line_money.units_money` with the units already taken
before it: all the units of a line, however split, add up to its ordered net exactly.

Per line: `due = ordered − cancelled − credited`, `net paid = paid − refunded`,
`outstanding = due − net paid` (negative: owed back to the customer). Invariants the
functions keep: a payment never takes a line past its due; a cancellation of paid units
books the refund of what was paid beyond the new due; a refund never exceeds a line's net
paid for goods shipped (and is credited, so the line owes nothing for it); units not
shipped are refunded by cancelling them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from orderhub.domain.errors import Conflict, FieldError, InvalidInput
from orderhub.domain.ids import new_id
from orderhub.domain.line_money import LineMoney, allocate, split_pro_rata, units_money
from orderhub.domain.money import ZERO, fits_currency, minor_unit, quantize
from orderhub.domain.order import CancelledMoney, Order


class EntryKind(StrEnum):
    ORDERED = "ordered"  # the baseline: the order's money by line
    INVOICE = "invoice"  # units shipped: invoiceable
    PAYMENT = "payment"  # money captured
    CANCELLATION = "cancellation"  # units that will not ship: not to capture
    CREDIT = "credit"  # owed no longer (a return, a goodwill refund)
    REFUND = "refund"  # money back to the customer


@dataclass(frozen=True, slots=True)
class EntryLine:
    line_no: int
    units: int
    amount: Decimal
    detail: LineMoney | None = None  # the components (ordered, invoice, cancellation)
    sku: str = ""  # on the `ordered` entry: the line's SKU, kept if the line is dropped

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"line_no": self.line_no, "units": self.units,
                               "amount": str(self.amount)}
        if self.detail is not None:
            out["detail"] = self.detail.as_dict()
        if self.sku:
            out["sku"] = self.sku
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> EntryLine:
        detail = d.get("detail")
        return cls(int(d["line_no"]), int(d["units"]), Decimal(str(d["amount"])),
                   LineMoney.from_dict(detail) if detail else None, str(d.get("sku", "")))


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    id: str
    tenant_id: str
    order_id: str
    kind: EntryKind
    currency: str
    amount: Decimal
    lines: tuple[EntryLine, ...]
    reason: str
    source: str  # what caused it: "ShipmentDispatched:<shipment id>", "returns:<rma id>"
    occurred_at: datetime
    actor: str
    content: str = ""  # the order's content fingerprint once this entry was booked

    def event_lines(self) -> list[dict[str, Any]]:
        return [{"line_no": ln.line_no, "units": ln.units, "amount": str(ln.amount)}
                for ln in self.lines]


@dataclass(frozen=True, slots=True)
class LineBalance:
    line_no: int
    ordered_units: int
    shipped_units: int
    cancelled_units: int
    ordered: Decimal
    invoiced: Decimal
    cancelled: Decimal
    paid: Decimal
    credited: Decimal
    refunded: Decimal

    @property
    def due(self) -> Decimal:
        return self.ordered - self.cancelled - self.credited

    @property
    def net_paid(self) -> Decimal:
        return self.paid - self.refunded

    @property
    def outstanding(self) -> Decimal:
        return self.due - self.net_paid

    @property
    def refundable(self) -> Decimal:
        """What a refund (with its credit) may return: paid and not refunded, for goods
        shipped (invoiced) and not credited yet. Units not shipped are refunded by
        cancelling them (the cancellation books their refund)."""
        return max(ZERO, min(self.net_paid, self.invoiced - self.credited))

    @property
    def uninvoiced(self) -> Decimal:
        """Ordered, neither invoiced nor cancelled yet (units still to ship)."""
        return self.ordered - self.invoiced - self.cancelled

    def as_dict(self) -> dict[str, Any]:
        return {
            "line_no": self.line_no, "ordered_units": self.ordered_units,
            "shipped_units": self.shipped_units, "cancelled_units": self.cancelled_units,
            "ordered": str(self.ordered), "invoiced": str(self.invoiced),
            "cancelled": str(self.cancelled), "paid": str(self.paid),
            "credited": str(self.credited), "refunded": str(self.refunded),
            "due": str(self.due), "net_paid": str(self.net_paid),
            "uninvoiced": str(self.uninvoiced), "refundable": str(self.refundable),
            "outstanding": str(self.outstanding),
        }


_SUMMED = ("ordered_units", "shipped_units", "cancelled_units", "ordered", "invoiced",
           "cancelled", "paid", "credited", "refunded")
_ACROSS = frozenset({EntryKind.PAYMENT, EntryKind.CREDIT, EntryKind.REFUND})
_KIND_COLUMN = {EntryKind.ORDERED: "ordered", EntryKind.INVOICE: "invoiced",
                EntryKind.CANCELLATION: "cancelled", EntryKind.PAYMENT: "paid",
                EntryKind.CREDIT: "credited", EntryKind.REFUND: "refunded"}


@dataclass(frozen=True, slots=True)
class Balance:
    order_id: str
    currency: str
    lines: list[LineBalance]
    totals: LineBalance  # line_no 0: the columns added up over the lines
    entry_totals: dict[str, Decimal]  # each column from the entries' own amounts
    entries: int

    @property
    def consistent(self) -> bool:
        """The lines add up to the order's totals: every column's line sum equals the sum
        of the entries' amounts of that kind."""
        return all(getattr(self.totals, col) == amount
                   for col, amount in self.entry_totals.items())

    def as_dict(self) -> dict[str, Any]:
        return {"order_id": self.order_id, "currency": self.currency,
                "lines": [ln.as_dict() for ln in self.lines],
                "totals": {k: v for k, v in self.totals.as_dict().items() if k != "line_no"},
                "entry_totals": {k: str(v) for k, v in self.entry_totals.items()},
                "consistent": self.consistent, "entries": self.entries}


def _entry(ledger: Ledger, kind: EntryKind, lines: Iterable[EntryLine], *, reason: str,
           source: str, now: datetime, actor: str) -> LedgerEntry:
    kept = tuple(ln for ln in lines if ln.amount != 0 or ln.units != 0)
    return LedgerEntry(
        id=new_id("mny"), tenant_id=ledger.tenant_id, order_id=ledger.order_id, kind=kind,
        currency=ledger.currency, amount=sum((ln.amount for ln in kept), ZERO), lines=kept,
        reason=reason, source=source, occurred_at=now, actor=actor)


@dataclass(slots=True)
class Ledger:
    tenant_id: str
    order_id: str
    currency: str
    entries: list[LedgerEntry] = field(default_factory=list)

    # ----- construction -----------------------------------------------------------------
    @classmethod
    def open(cls, order: Order, now: datetime, actor: str) -> tuple[Ledger, LedgerEntry]:
        """A new ledger with its `ordered` entry: the order's money allocated to its lines."""
        ledger = cls(order.tenant_id, order.id, order.currency)
        skus = {ln.line_no: ln.sku for ln in order.lines}
        entry = _entry(ledger, EntryKind.ORDERED,
                       [EntryLine(lm.line_no, lm.quantity, lm.net, lm, skus[lm.line_no])
                        for lm in allocate(order)],
                       reason="order money allocated to lines", source="order", now=now,
                       actor=actor)
        ledger.entries.append(entry)
        return ledger, entry

    def _book(self, entry: LedgerEntry) -> LedgerEntry | None:
        if not entry.lines:
            return None
        self.entries.append(entry)
        return entry

    def rebase(self, order: Order, now: datetime, actor: str) -> LedgerEntry | None:
        """The order's content changed outside the ledger (an edit of its lines or amounts
        after money first moved, before anything shipped): a new `ordered` entry, the
        allocation of the order as it is now. Ordered, invoiced and cancelled then count
        from it (the earlier ones stay as history); payments, credits and refunds count
        across, so the outstanding amount is the edit's money difference. None once
        something was invoiced (the invoices stand on the baseline they were priced on)."""
        if any(e.kind == EntryKind.INVOICE for e in self._counted()):
            return None
        _, entry = Ledger.open(order, now, actor)
        entry = LedgerEntry(entry.id, entry.tenant_id, entry.order_id, entry.kind,
                            entry.currency, entry.amount, entry.lines,
                            "order content changed: money allocated to its lines again",
                            "order", now, actor)
        self.entries.append(entry)
        return entry

    # ----- reading ------------------------------------------------------------------------
    def _counted(self) -> list[LedgerEntry]:
        """The entries the balance counts: ordered, invoices and cancellations from the
        last `ordered` entry on (the current baseline); payments, credits, refunds all."""
        last = max((i for i, e in enumerate(self.entries) if e.kind == EntryKind.ORDERED),
                   default=0)
        return [e for i, e in enumerate(self.entries) if i >= last or e.kind in _ACROSS]

    def last_content(self) -> str:
        return self.entries[-1].content if self.entries else ""

    def skus(self) -> dict[int, str]:
        return {ln.line_no: ln.sku for e in self.entries if e.kind == EntryKind.ORDERED
                for ln in e.lines}

    def baseline(self) -> dict[int, LineMoney]:
        out: dict[int, LineMoney] = {}
        ordered = [e for e in self.entries if e.kind == EntryKind.ORDERED]
        for ln in ordered[-1].lines if ordered else ():
            if ln.detail is not None:
                out[ln.line_no] = ln.detail
        return out

    def _sum(self, kind: EntryKind, line_no: int, what: str = "amount") -> Any:
        total: Any = 0 if what == "units" else ZERO
        for e in self._counted():
            if e.kind == kind:
                for ln in e.lines:
                    if ln.line_no == line_no:
                        total += getattr(ln, what)
        return total

    def taken_units(self, line_no: int) -> int:
        """Units of the line already invoiced or cancelled."""
        return int(self._sum(EntryKind.INVOICE, line_no, "units")
                   + self._sum(EntryKind.CANCELLATION, line_no, "units"))

    def has_source(self, kind: EntryKind, source: str) -> bool:
        return any(e.kind == kind and e.source == source for e in self.entries)

    def balance(self) -> Balance:
        rows = []
        base_lines = self.baseline()
        line_nos = set(base_lines) | {ln.line_no for e in self.entries if e.kind in _ACROSS
                                      for ln in e.lines}
        for line_no in sorted(line_nos):
            base = base_lines.get(line_no)
            rows.append(LineBalance(
                line_no=line_no, ordered_units=base.quantity if base else 0,
                shipped_units=int(self._sum(EntryKind.INVOICE, line_no, "units")),
                cancelled_units=int(self._sum(EntryKind.CANCELLATION, line_no, "units")),
                ordered=self._sum(EntryKind.ORDERED, line_no),
                invoiced=self._sum(EntryKind.INVOICE, line_no),
                cancelled=self._sum(EntryKind.CANCELLATION, line_no),
                paid=self._sum(EntryKind.PAYMENT, line_no),
                credited=self._sum(EntryKind.CREDIT, line_no),
                refunded=self._sum(EntryKind.REFUND, line_no)))
        summed: dict[str, Any] = {c: sum((getattr(r, c) for r in rows),
                                         0 if c.endswith("units") else ZERO)
                                  for c in _SUMMED}
        totals = LineBalance(0, **summed)
        entry_totals = {col: ZERO for col in _KIND_COLUMN.values()}
        for e in self._counted():
            entry_totals[_KIND_COLUMN[e.kind]] += e.amount
        return Balance(self.order_id, self.currency, rows, totals, entry_totals,
                       len(self.entries))

    # ----- booking ------------------------------------------------------------------------
    def _portions(self, units: Mapping[int, int], what: str) -> list[EntryLine]:
        base = self.baseline()
        out = []
        errors = []
        for line_no, k in sorted(units.items()):
            if line_no not in base:
                errors.append(FieldError(f"lines.{line_no}", f"the order has no line {line_no}"))
                continue
            left = base[line_no].quantity - self.taken_units(line_no)
            if k < 0 or k > left:
                errors.append(FieldError(
                    f"lines.{line_no}.quantity",
                    f"line {line_no}: {k} units cannot be {what}; {left} not yet shipped or "
                    "cancelled"))
                continue
            if k:
                p = units_money(base[line_no], k, before=self.taken_units(line_no))
                out.append(EntryLine(line_no, k, p.net, p))
        if errors:
            raise InvalidInput(errors)
        return out

    def cancelled_money(self, units: Mapping[int, int]) -> CancelledMoney:
        """What cancelling `units` would book, in the shape `Order.cancel_units` takes off
        the order (the same portions `cancel` then books)."""
        portions = [ln.detail for ln in self._portions(units, "cancelled")
                    if ln.detail is not None]
        charges: dict[str, Decimal] = {}
        for p in portions:
            for kind, amount in p.charges:
                charges[kind] = charges.get(kind, ZERO) + amount
            for kind, amount in p.discounts:
                charges[kind] = charges.get(kind, ZERO) - amount
        return CancelledMoney(
            line_discount={p.line_no: p.line_discount for p in portions},
            line_tax={p.line_no: p.tax for p in portions},
            shipping=sum((p.shipping for p in portions), ZERO), charges=charges)

    def invoice(self, units: Mapping[int, int], *, reason: str, source: str, now: datetime,
                actor: str) -> LedgerEntry | None:
        """Units shipped: their money is invoiceable."""
        return self._book(_entry(self, EntryKind.INVOICE, self._portions(units, "invoiced"),
                                 reason=reason, source=source, now=now, actor=actor))

    def remaining_units(self) -> dict[int, int]:
        return {n: b.quantity - self.taken_units(n) for n, b in self.baseline().items()}

    def cancel(self, units: Mapping[int, int], *, reason: str, source: str, now: datetime,
               actor: str) -> list[LedgerEntry]:
        """Units that will not ship: a cancellation (not to capture) and, for what had been
        paid beyond the lines' new due, a refund."""
        entry = self._book(_entry(self, EntryKind.CANCELLATION,
                                  self._portions(units, "cancelled"),
                                  reason=reason, source=source, now=now, actor=actor))
        if entry is None:
            return []
        by_line = {r.line_no: r for r in self.balance().lines}
        refunds = [EntryLine(ln.line_no, 0, min(ln.amount, -by_line[ln.line_no].outstanding))
                   for ln in entry.lines if by_line[ln.line_no].outstanding < 0]
        refund = self._book(_entry(self, EntryKind.REFUND, refunds, reason=reason,
                                   source=source, now=now, actor=actor))
        return [entry] if refund is None else [entry, refund]

    def refund_overpaid(self, *, reason: str, source: str, now: datetime,
                        actor: str) -> LedgerEntry | None:
        """After a `rebase` (the order edited to less than was paid for it): a refund of
        what each line had paid beyond its new due (a line edited away: all it had paid),
        so `outstanding` is never negative for money the ledger has no other way to give
        back (`refund` needs shipped goods)."""
        lines = [EntryLine(r.line_no, 0, min(-r.outstanding, r.net_paid))
                 for r in self.balance().lines if r.outstanding < 0 and r.net_paid > 0]
        return self._book(_entry(self, EntryKind.REFUND, lines, reason=reason, source=source,
                                 now=now, actor=actor))

    def pay_due(self, *, reason: str, source: str, now: datetime,
                actor: str) -> LedgerEntry | None:
        """A capture of everything still due, line by line."""
        lines = [EntryLine(r.line_no, 0, r.outstanding) for r in self.balance().lines
                 if r.outstanding > 0]
        return self._book(_entry(self, EntryKind.PAYMENT, lines, reason=reason, source=source,
                                 now=now, actor=actor))

    def refund(self, *, lines: Mapping[int, Decimal] | None = None,
               amount: Decimal | None = None, reason: str, source: str, now: datetime,
               actor: str) -> list[LedgerEntry]:
        """A refund (and the credit that goes with it) by line, or of an amount spread over
        the lines pro rata to what they may refund (`LineBalance.refundable`). Refused
        (`InvalidInput`) when it exceeds what was paid for those lines' shipped goods and
        not refunded yet, or when nothing is asked."""
        if (lines is None) == (amount is None):
            raise InvalidInput([FieldError("lines", "give either lines or an amount")])
        rows = {r.line_no: r for r in self.balance().lines}
        cur = self.currency
        asked: dict[int, Decimal]
        errors: list[FieldError] = []
        if amount is not None:
            if amount <= 0 or not fits_currency(amount, cur):
                raise InvalidInput([FieldError(
                    "amount", f"must be a positive amount in {cur} ({minor_unit(cur)} "
                    "decimals at most)")])
            refundable = sum((r.refundable for r in rows.values()), ZERO)
            if amount > refundable:
                raise InvalidInput([FieldError(
                    "amount", f"{amount} {cur} is more than was paid for shipped goods and "
                    f"not yet refunded ({refundable} {cur})")])
            scale = minor_unit(cur)
            parts = split_pro_rata(int(amount.scaleb(scale)),
                                   [int(r.refundable.scaleb(scale)) for r in rows.values()])
            asked = {n: quantize(Decimal(p).scaleb(-scale), cur)
                     for n, p in zip(rows, parts, strict=True)}
        else:
            assert lines is not None
            asked = dict(lines)
            if not asked:
                errors.append(FieldError("lines", "name at least one line"))
            for n, a in sorted(asked.items()):
                loc = f"lines.{n}.amount"
                if n not in rows:
                    errors.append(FieldError(f"lines.{n}", f"the order has no line {n}"))
                elif a <= 0 or not fits_currency(a, cur):
                    errors.append(FieldError(loc, f"must be a positive amount in {cur}"))
                elif a > rows[n].refundable:
                    errors.append(FieldError(
                        loc, f"line {n}: {a} {cur} is more than was paid for it, shipped and "
                        f"not yet refunded ({rows[n].refundable} {cur})"))
        if errors:
            raise InvalidInput(errors)
        parts_lines = [EntryLine(n, 0, a) for n, a in sorted(asked.items()) if a]
        credit = self._book(_entry(self, EntryKind.CREDIT, parts_lines, reason=reason,
                                   source=source, now=now, actor=actor))
        refund = self._book(_entry(self, EntryKind.REFUND, parts_lines, reason=reason,
                                   source=source, now=now, actor=actor))
        if credit is None or refund is None:
            raise Conflict(f"order {self.order_id}: nothing to refund")
        return [credit, refund]


def content_fingerprint(order: Order) -> str:
    """What the allocation depends on (lines, shipping, charges, currency), hashed (amounts
    normalised: 50.00 and 50.000000 as stored are one content): a ledger whose last entry
    was booked on another content needs `rebase`."""
    def n(amount: Decimal) -> str:
        return str(amount.normalize())

    doc = [order.currency, n(order.shipping_fee),
           [(c.kind, n(c.amount)) for c in order.charges],
           [(ln.line_no, ln.sku, ln.quantity, n(ln.unit_price), n(ln.discount), n(ln.tax))
            for ln in order.lines]]
    return hashlib.sha256(json.dumps(doc).encode()).hexdigest()
