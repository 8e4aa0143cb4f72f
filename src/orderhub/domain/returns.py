"""Returns (RMA, 退货/换货): the `ReturnRequest` aggregate, the reason codes, the tenant's
return policy as data, and the refund arithmetic. Pure: no I/O; time comes in.

A return names lines of one order and the units of each to send back, a reason code, and
its kind: `refund` (money back) or `exchange` (a replacement order is sent). Its path:

    requested ──approve──> approved ──receive──> received ──refund-complete──> refunded
        │  (auto: the policy allows it)   │ (exchange: receive ──> completed)
        ├──reject──> rejected             └── waybill booked any time while approved
        └──cancel (channel closed it)──> cancelled    (approved, not yet received: too)

What may be returned (`assess`): only units shipped (committed reservations) of the line,
less the units of the order's other open returns; nothing of a non-returnable SKU or
category (or an opened item of a category returnable only unopened); nothing past the
return window, counted in days from the delivery of the line's shipment (from its dispatch
when no delivery was recorded): the smaller of the window for the order's channel and for
the SKU's category, else the policy's default.

Refunds (`refund_for`) are computed at receipt, from the units received (whatever their
grade): the returned units' share of what was paid for each line by the line-level
allocation (domain/line_money.py), their share of shipping when the seller is at fault,
minus the restocking fee and the buyer's return shipping where the policy says; never more
than is left of what the order paid after earlier refunds. `RefundRequested` is recorded
at receipt, `RefundCompleted` when finance or the channel confirms it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from orderhub.domain import events as ev
from orderhub.domain import line_money
from orderhub.domain.errors import Conflict, FieldError, InvalidInput
from orderhub.domain.ids import new_id
from orderhub.domain.money import quantize
from orderhub.domain.order import Order, ReservationState, ShipmentStatus

ZERO = Decimal(0)
HUNDRED = Decimal(100)


class ReturnReason(StrEnum):
    DAMAGED = "damaged"
    WRONG_ITEM = "wrong_item"
    NOT_AS_DESCRIBED = "not_as_described"
    SIZE = "size"
    CHANGED_MIND = "changed_mind"
    LATE = "late"
    OTHER = "other"


REASON_LABELS_ZH: dict[ReturnReason, str] = {
    ReturnReason.DAMAGED: "商品破损",
    ReturnReason.WRONG_ITEM: "发错货",
    ReturnReason.NOT_AS_DESCRIBED: "与描述不符",
    ReturnReason.SIZE: "尺码/规格不合适",
    ReturnReason.CHANGED_MIND: "不想要了（七天无理由）",
    ReturnReason.LATE: "送达太晚",
    ReturnReason.OTHER: "其他",
}


class ReturnKind(StrEnum):
    REFUND = "refund"  # 退货退款
    EXCHANGE = "exchange"  # 换货


class ReturnStatus(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    RECEIVED = "received"
    REFUNDED = "refunded"
    COMPLETED = "completed"  # an exchange whose goods came back
    CANCELLED = "cancelled"


STATUS_LABELS_ZH: dict[ReturnStatus, str] = {
    ReturnStatus.REQUESTED: "待审核", ReturnStatus.APPROVED: "已同意",
    ReturnStatus.REJECTED: "已拒绝", ReturnStatus.RECEIVED: "已收货（待退款）",
    ReturnStatus.REFUNDED: "已退款", ReturnStatus.COMPLETED: "已完成（换货）",
    ReturnStatus.CANCELLED: "已取消",
}
OPEN = frozenset({ReturnStatus.REQUESTED, ReturnStatus.APPROVED, ReturnStatus.RECEIVED,
                  ReturnStatus.REFUNDED, ReturnStatus.COMPLETED})  # units count as returned


class Grade(StrEnum):
    """The inspection grade of received units: only `resell` goes back to ATP."""

    RESELL = "resell"  # 可二次销售
    REFURBISH = "refurbish"  # 待翻新
    SCRAP = "scrap"  # 报废


GRADE_LABELS_ZH: dict[Grade, str] = {Grade.RESELL: "可二次销售", Grade.REFURBISH: "待翻新",
                                     Grade.SCRAP: "报废"}


# The events of the reverse chain, as the order's timeline and twin show them.
REVERSE_EVENTS = frozenset({"ReturnRequested", "ReturnApproved", "ReturnRejected",
                            "ReturnCancelled", "ReturnWaybillBooked", "ReturnReceived",
                            "RefundRequested", "RefundCompleted",
                            "ReturnRefundedByChannel"})


# ----- the policy ---------------------------------------------------------------------------

_SELLER_FAULT = frozenset({ReturnReason.DAMAGED, ReturnReason.WRONG_ITEM,
                           ReturnReason.NOT_AS_DESCRIBED})


@dataclass(frozen=True, slots=True)
class ReturnPolicy:
    """A tenant's return rules, as data (stored as a document, edited by API and CLI)."""

    window_days: int = 7
    window_days_by_channel: Mapping[str, int] = field(default_factory=dict)
    window_days_by_category: Mapping[str, int] = field(default_factory=dict)
    non_returnable_skus: frozenset[str] = frozenset()
    non_returnable_categories: frozenset[str] = frozenset()
    # returnable only unopened (e.g. infant formula, 奶粉): an opened item is refused
    unopened_only_categories: frozenset[str] = frozenset({"infant_formula"})
    # who pays the return shipping: the seller for these reasons, the buyer otherwise
    seller_pays_reasons: frozenset[ReturnReason] = _SELLER_FAULT
    buyer_return_shipping: Decimal = ZERO  # deducted when the buyer pays
    restocking_fee_percent: Decimal = ZERO
    restocking_fee_reasons: frozenset[ReturnReason] = frozenset({ReturnReason.CHANGED_MIND,
                                                                  ReturnReason.SIZE})
    auto_approve_reasons: frozenset[ReturnReason] = frozenset(
        set(ReturnReason) - {ReturnReason.OTHER})
    auto_approve_max_refund: Decimal | None = None  # above it a person approves

    def window_for(self, channel: str, categories: Iterable[str]) -> int:
        found = [self.window_days_by_category[c] for c in categories
                 if c in self.window_days_by_category]
        if channel in self.window_days_by_channel:
            found.append(self.window_days_by_channel[channel])
        return min(found) if found else self.window_days

    def seller_pays(self, reason: ReturnReason) -> bool:
        return reason in self.seller_pays_reasons

    def as_doc(self) -> dict[str, Any]:
        return {
            "window_days": self.window_days,
            "window_days_by_channel": dict(sorted(self.window_days_by_channel.items())),
            "window_days_by_category": dict(sorted(self.window_days_by_category.items())),
            "non_returnable_skus": sorted(self.non_returnable_skus),
            "non_returnable_categories": sorted(self.non_returnable_categories),
            "unopened_only_categories": sorted(self.unopened_only_categories),
            "seller_pays_reasons": sorted(r.value for r in self.seller_pays_reasons),
            "buyer_return_shipping": str(self.buyer_return_shipping),
            "restocking_fee_percent": str(self.restocking_fee_percent),
            "restocking_fee_reasons": sorted(r.value for r in self.restocking_fee_reasons),
            "auto_approve_reasons": sorted(r.value for r in self.auto_approve_reasons),
            "auto_approve_max_refund": (None if self.auto_approve_max_refund is None
                                        else str(self.auto_approve_max_refund)),
        }

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> ReturnPolicy:
        """A policy from its document; every bad field at once (InvalidInput)."""
        errors: list[FieldError] = []
        known = set(cls().as_doc())
        for key in sorted(set(doc) - known):
            errors.append(FieldError(key, f"unknown field; known: {', '.join(sorted(known))}"))
        base = cls()
        values: dict[str, Any] = {}

        def days(value: Any, loc: str) -> int | None:
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 3650:
                errors.append(FieldError(loc, "must be a whole number of days, 0 to 3650"))
                return None
            return value

        def codes(value: Any, loc: str) -> frozenset[str] | None:
            if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
                errors.append(FieldError(loc, "must be a list of codes"))
                return None
            return frozenset(value)

        def reasons(value: Any, loc: str) -> frozenset[ReturnReason] | None:
            found = codes(value, loc)
            if found is None:
                return None
            bad = sorted(found - {r.value for r in ReturnReason})
            if bad:
                errors.append(FieldError(loc, f"unknown reason(s) {', '.join(bad)}; known: "
                                         + ", ".join(r.value for r in ReturnReason)))
                return None
            return frozenset(ReturnReason(r) for r in found)

        def amount(value: Any, loc: str, upper: Decimal | None = None) -> Decimal | None:
            try:
                d = Decimal(str(value)) if isinstance(value, str | int) \
                    and not isinstance(value, bool) else None
            except ArithmeticError:
                d = None
            if d is None or not d.is_finite() or d < 0 or (upper is not None and d > upper):
                limit = f" and at most {upper}" if upper is not None else ""
                errors.append(FieldError(loc, f"must be a decimal string, 0 or more{limit}"))
                return None
            return d

        for key, value in doc.items():
            if key == "window_days":
                values[key] = days(value, key)
            elif key in ("window_days_by_channel", "window_days_by_category"):
                if not isinstance(value, dict):
                    errors.append(FieldError(key, "must be an object of code -> days"))
                    continue
                values[key] = {str(k): days(v, f"{key}.{k}") for k, v in value.items()}
            elif key in ("non_returnable_skus", "non_returnable_categories",
                         "unopened_only_categories"):
                values[key] = codes(value, key)
            elif key in ("seller_pays_reasons", "restocking_fee_reasons",
                         "auto_approve_reasons"):
                values[key] = reasons(value, key)
            elif key == "buyer_return_shipping":
                values[key] = amount(value, key)
            elif key == "restocking_fee_percent":
                values[key] = amount(value, key, HUNDRED)
            elif key == "auto_approve_max_refund":
                values[key] = None if value is None else amount(value, key)
        if errors:
            raise InvalidInput(errors)
        return replace(base, **values)


# ----- what may be returned ----------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ReturnLine:
    line_no: int
    sku: str
    quantity: int


@dataclass(frozen=True, slots=True)
class ReceivedUnits:
    """Units of one line received at a warehouse with one inspection grade."""

    line_no: int
    sku: str
    quantity: int
    grade: Grade
    warehouse: str
    at: datetime

    def as_dict(self) -> dict[str, Any]:
        return {"line_no": self.line_no, "sku": self.sku, "quantity": self.quantity,
                "grade": self.grade.value, "warehouse": self.warehouse,
                "at": self.at.isoformat()}


def shipped_units(order: Order) -> dict[int, int]:
    """Units of each line that left a warehouse (committed reservations)."""
    out: dict[int, int] = {}
    for r in order.reservations:
        if r.state == ReservationState.COMMITTED:
            out[r.line_no] = out.get(r.line_no, 0) + r.quantity
    return out


def window_start(order: Order, line_no: int) -> datetime | None:
    """When the return window of a line opens: the latest delivery of its shipments, else
    their latest dispatch."""
    ids = {r.shipment_id for r in order.reservations
           if r.line_no == line_no and r.state == ReservationState.COMMITTED}
    moments = [s.delivered_at or s.dispatched_at for s in order.shipments
               if s.id in ids and s.status in (ShipmentStatus.DISPATCHED,
                                               ShipmentStatus.DELIVERED)]
    found = [m for m in moments if m is not None]
    return max(found) if found else None


@dataclass(frozen=True, slots=True)
class Assessment:
    """What the policy says of a request that may be made: approved at once or by a person."""

    auto_approve: bool
    why: str
    window_days: dict[int, int]


def assess(order: Order, lines: Mapping[int, int], reason: ReturnReason, *, opened: bool,
           categories: Mapping[str, str], returned: Mapping[int, int], policy: ReturnPolicy,
           now: datetime) -> Assessment:
    """Check a request against the order and the policy; raises InvalidInput (field
    `lines.<i>`) for a line that cannot be returned so, Conflict for an order with nothing
    shipped. `categories`: SKU -> category; `returned`: units of each line in the order's
    other open returns."""
    if not lines:
        raise InvalidInput([FieldError("lines", "name at least one line and quantity")])
    shipped = shipped_units(order)
    if not shipped:
        raise Conflict(f"order {order.id} has shipped nothing ({order.status.value}); "
                       "only shipped units can be returned")
    by_no = {ln.line_no: ln for ln in order.lines}
    errors: list[FieldError] = []
    windows: dict[int, int] = {}
    for i, (line_no, qty) in enumerate(lines.items()):
        loc = f"lines.{i}"
        line = by_no.get(line_no)
        if line is None:
            errors.append(FieldError(f"{loc}.line_no", f"order {order.id} has no line "
                                     f"{line_no}; lines: {', '.join(map(str, sorted(by_no)))}"))
            continue
        if qty < 1:
            errors.append(FieldError(f"{loc}.quantity", "must be at least 1"))
            continue
        sent = shipped.get(line_no, 0)
        if sent == 0:
            errors.append(FieldError(f"{loc}.line_no", f"line {line_no} ({line.sku}) has not "
                                     "shipped; only shipped units can be returned"))
            continue
        left = sent - returned.get(line_no, 0)
        if qty > left:
            errors.append(FieldError(f"{loc}.quantity", f"{qty} units of line {line_no} "
                                     f"({line.sku}) asked back, but {sent} shipped and "
                                     f"{sent - left} already in returns: at most {left}"))
            continue
        category = categories.get(line.sku, "")
        if line.sku in policy.non_returnable_skus or category in policy.non_returnable_categories:
            errors.append(FieldError(f"{loc}.line_no", f"line {line_no} ({line.sku}"
                                     f"{', ' + category if category else ''}) is not "
                                     "returnable under the tenant's return policy"))
            continue
        if opened and category in policy.unopened_only_categories:
            errors.append(FieldError(f"{loc}.line_no", f"line {line_no} ({line.sku}, "
                                     f"{category}) is returnable only unopened"))
            continue
        days = policy.window_for(order.channel, [category] if category else [])
        start = window_start(order, line_no)
        if start is not None and now > start + timedelta(days=days):
            errors.append(FieldError(f"{loc}.line_no", f"line {line_no} ({line.sku}): the "
                                     f"{days}-day return window closed on "
                                     f"{(start + timedelta(days=days)).date().isoformat()}"))
            continue
        windows[line_no] = days
    if errors:
        raise InvalidInput(errors)
    if reason not in policy.auto_approve_reasons:
        return Assessment(False, f"reason {reason.value} needs a person's approval", windows)
    return Assessment(True, f"reason {reason.value} is approved automatically", windows)


# ----- refunds ------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Refund:
    """A refund's components (signed as paid back: deductions negative) and its total.
    `lines`: each returned line's goods (merchandise, its tax and fees) for the units
    refunded; `shipping`: the returned units' share of the shipping the order paid."""

    lines: dict[int, Decimal]
    merchandise: Decimal
    shipping: Decimal
    restocking_fee: Decimal
    return_shipping: Decimal
    capped: Decimal  # taken off so the order's refunds never exceed what it paid
    total: Decimal
    currency: str

    def as_dict(self) -> dict[str, Any]:
        return {"lines": {str(k): str(v) for k, v in sorted(self.lines.items())},
                "merchandise": str(self.merchandise), "shipping": str(self.shipping),
                "restocking_fee": str(self.restocking_fee),
                "return_shipping": str(self.return_shipping), "capped": str(self.capped),
                "total": str(self.total), "currency": self.currency}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Refund:
        return cls({int(k): Decimal(v) for k, v in d["lines"].items()},
                   Decimal(d["merchandise"]), Decimal(d["shipping"]),
                   Decimal(d["restocking_fee"]), Decimal(d["return_shipping"]),
                   Decimal(d["capped"]), Decimal(d["total"]), str(d["currency"]))


def refund_for(order: Order, units: Mapping[int, int], reason: ReturnReason,
               policy: ReturnPolicy, *, refunded_units: Mapping[int, int],
               refunded_total: Decimal) -> Refund:
    """The refund of `units` of each line, after `refunded_units` of them were refunded by
    the order's earlier returns (`refunded_total` in all).

    The money of the units is the line-level allocation's (domain/line_money.py:
    `units_money(line, k, before)`: order discounts, shipping and fees allocated to the
    lines pro rata, the units `before+1 .. before+k` of a line worth their cumulative
    share, so all returns of a line together never pass what was paid for it). The goods
    (merchandise after both discounts, tax, fees and the rounding of the portion) are
    refunded; the units' share of shipping only when the seller is at fault under the
    policy; the restocking fee (a percentage of the goods, for the policy's reasons) and
    the buyer's return shipping (when the buyer pays) are deducted. The total is never
    below zero nor above what the order paid less its earlier refunds."""
    cur = order.currency
    money = line_money.by_line(order)
    lines: dict[int, Decimal] = {}
    shipping = ZERO
    for no, n in sorted(units.items()):
        portion = line_money.units_money(money[no], n, refunded_units.get(no, 0))
        lines[no] = quantize(portion.net - portion.shipping, cur)
        shipping += portion.shipping
    merchandise = sum(lines.values(), ZERO)
    if not policy.seller_pays(reason):
        shipping = ZERO
    restocking = ZERO
    if reason in policy.restocking_fee_reasons and policy.restocking_fee_percent:
        restocking = -quantize(merchandise * policy.restocking_fee_percent / HUNDRED, cur)
    return_shipping = ZERO
    if not policy.seller_pays(reason) and policy.buyer_return_shipping:
        return_shipping = -quantize(policy.buyer_return_shipping, cur)
    total = max(ZERO, merchandise + shipping + restocking + return_shipping)
    left = max(ZERO, quantize(order.grand_total, cur) - refunded_total)
    capped = ZERO
    if total > left:
        capped, total = -(total - left), left
    return Refund(lines, quantize(merchandise, cur), quantize(shipping, cur),
                  quantize(restocking, cur), quantize(return_shipping, cur),
                  quantize(capped, cur), quantize(total, cur), cur)


# ----- the aggregate ------------------------------------------------------------------------

@dataclass(slots=True)
class ReturnRequest:
    """One return of some units of one order (RMA)."""

    id: str
    tenant_id: str
    order_id: str
    channel: str
    kind: ReturnKind
    reason: ReturnReason
    lines: list[ReturnLine]
    requested_at: datetime
    updated_at: datetime
    status: ReturnStatus = ReturnStatus.REQUESTED
    source: str = "api"  # api | cli | channel
    channel_ref: str = ""  # the channel's refund / return id (one return per ref)
    note: str = ""
    opened: bool = False
    replacement: list[ReturnLine] = field(default_factory=list)  # exchanges: what goes out
    exchange_order_id: str = ""
    approved_by: str = ""  # "policy" when approved automatically
    decision_reason: str = ""
    return_service: str = ""  # carrier:service of the return waybill
    return_waybill: str = ""
    seller_pays_shipping: bool = True
    received: list[ReceivedUnits] = field(default_factory=list)
    refund: Refund | None = None
    refund_reference: str = ""
    refund_booked: bool = False  # in the order's money ledger (domain/order_ledger.py)
    # the channel's refund reference when the channel refunded before the goods came back:
    # the refund completes with it at receipt (finance is not asked to pay it again)
    channel_refunded: str = ""
    version: int = 0
    events: list[ev.Event] = field(default_factory=list)

    @classmethod
    def open(cls, *, order: Order, kind: ReturnKind, reason: ReturnReason,
             lines: Mapping[int, int], now: datetime, actor: str, source: str,
             policy: ReturnPolicy, channel_ref: str = "", note: str = "", opened: bool = False,
             replacement: Mapping[str, int] | None = None) -> ReturnRequest:
        skus = {ln.line_no: ln.sku for ln in order.lines}
        rma = cls(id=new_id("rma"), tenant_id=order.tenant_id, order_id=order.id,
                  channel=order.channel, kind=kind, reason=reason,
                  lines=[ReturnLine(no, skus[no], q) for no, q in sorted(lines.items())],
                  requested_at=now, updated_at=now, source=source, channel_ref=channel_ref,
                  note=note, opened=opened, seller_pays_shipping=policy.seller_pays(reason))
        if kind == ReturnKind.EXCHANGE:
            wanted = dict(replacement) if replacement else {}
            if not wanted:  # the same SKUs and units as returned
                for ln in rma.lines:
                    wanted[ln.sku] = wanted.get(ln.sku, 0) + ln.quantity
            rma.replacement = [ReturnLine(0, sku, q) for sku, q in sorted(wanted.items())]
        elif replacement:
            raise InvalidInput([FieldError("replacement", "only an exchange has replacement "
                                           "items")])
        rma._record(ev.ReturnRequested(
            tenant_id=rma.tenant_id, occurred_at=now, actor=actor, reason=note,
            return_id=rma.id, kind=kind.value, return_reason=reason.value, source=source,
            channel_ref=channel_ref, lines=rma.lines_doc(),
            replacement=[{"sku": r.sku, "quantity": r.quantity} for r in rma.replacement]))
        return rma

    # ----- reading --------------------------------------------------------------------------
    def units(self) -> dict[int, int]:
        return {ln.line_no: ln.quantity for ln in self.lines}

    def received_units(self) -> dict[int, int]:
        out: dict[int, int] = {}
        for r in self.received:
            out[r.line_no] = out.get(r.line_no, 0) + r.quantity
        return out

    def lines_doc(self) -> list[dict[str, Any]]:
        return [{"line_no": ln.line_no, "sku": ln.sku, "quantity": ln.quantity}
                for ln in self.lines]

    # ----- steps ----------------------------------------------------------------------------
    def _record(self, event: ev.Event) -> None:
        event.order_id = self.order_id
        self.events.append(event)

    def _expect(self, step: str, *allowed: ReturnStatus) -> None:
        if self.status not in allowed:
            raise Conflict(f"return {self.id} is {self.status.value}; {step} needs it "
                           + " or ".join(s.value for s in allowed))

    def approve(self, now: datetime, actor: str, *, automatic: bool, reason: str = "",
                exchange_order_id: str = "") -> None:
        self._expect("approval", ReturnStatus.REQUESTED)
        self.status = ReturnStatus.APPROVED
        self.approved_by = "policy" if automatic else actor
        self.decision_reason = reason
        self.exchange_order_id = exchange_order_id
        self.updated_at = now
        self._record(ev.ReturnApproved(
            tenant_id=self.tenant_id, occurred_at=now, actor=actor, reason=reason,
            return_id=self.id, automatic=automatic, exchange_order_id=exchange_order_id,
            seller_pays_shipping=self.seller_pays_shipping))

    def reject(self, now: datetime, actor: str, reason: str) -> None:
        self._expect("rejection", ReturnStatus.REQUESTED)
        self.status = ReturnStatus.REJECTED
        self.decision_reason = reason
        self.updated_at = now
        self._record(ev.ReturnRejected(tenant_id=self.tenant_id, occurred_at=now, actor=actor,
                                       reason=reason, return_id=self.id))

    def cancel(self, now: datetime, actor: str, reason: str) -> None:
        self._expect("cancelling", ReturnStatus.REQUESTED, ReturnStatus.APPROVED)
        self.status = ReturnStatus.CANCELLED
        self.decision_reason = reason
        self.updated_at = now
        self._record(ev.ReturnCancelled(tenant_id=self.tenant_id, occurred_at=now,
                                        actor=actor, reason=reason, return_id=self.id))

    def book_waybill(self, service: str, waybill: str, origin: str, destination: str,
                     now: datetime, actor: str) -> None:
        self._expect("a return waybill", ReturnStatus.APPROVED)
        if self.return_waybill:
            raise Conflict(f"return {self.id} has its waybill {self.return_waybill} already")
        self.return_service, self.return_waybill = service, waybill
        self.updated_at = now
        self._record(ev.ReturnWaybillBooked(
            tenant_id=self.tenant_id, occurred_at=now, actor=actor, return_id=self.id,
            carrier_service=service, waybill=waybill, origin=origin, destination=destination,
            paid_by="seller" if self.seller_pays_shipping else "buyer"))

    def receive(self, units: list[ReceivedUnits], refund: Refund | None, now: datetime,
                actor: str) -> None:
        """The goods arrived and were graded. A refund return records its refund request
        (RefundRequested) now; an exchange is complete."""
        self._expect("a receipt", ReturnStatus.APPROVED)
        asked = self.units()
        got: dict[int, int] = {}
        errors: list[FieldError] = []
        for i, u in enumerate(units):
            if u.line_no not in asked:
                errors.append(FieldError(f"lines.{i}.line_no", f"return {self.id} has no line "
                                         f"{u.line_no}; lines: "
                                         + ", ".join(map(str, sorted(asked)))))
                continue
            got[u.line_no] = got.get(u.line_no, 0) + u.quantity
            if u.quantity < 1:
                errors.append(FieldError(f"lines.{i}.quantity", "must be at least 1"))
            elif got[u.line_no] > asked[u.line_no]:
                errors.append(FieldError(f"lines.{i}.quantity", f"{got[u.line_no]} units of "
                                         f"line {u.line_no} received, but the return names "
                                         f"{asked[u.line_no]}"))
        if not units:
            errors.append(FieldError("lines", "name at least one line, quantity and grade"))
        if errors:
            raise InvalidInput(errors)
        self.received = list(units)
        self.updated_at = now
        self.status = (ReturnStatus.RECEIVED if self.kind == ReturnKind.REFUND
                       else ReturnStatus.COMPLETED)
        self._record(ev.ReturnReceived(
            tenant_id=self.tenant_id, occurred_at=now, actor=actor, return_id=self.id,
            warehouse=units[0].warehouse, units=[u.as_dict() for u in units],
            restocked=sum(u.quantity for u in units if u.grade == Grade.RESELL)))
        if self.kind == ReturnKind.REFUND:
            assert refund is not None
            self.refund = refund
            self._record(ev.RefundRequested(
                tenant_id=self.tenant_id, occurred_at=now, actor=actor, return_id=self.id,
                amount=str(refund.total), currency=refund.currency,
                components=refund.as_dict()))

    def note_channel_refund(self, reference: str, now: datetime, actor: str, *,
                            amount: Decimal | None = None, currency: str = "") -> bool:
        """The channel refunded the buyer before the goods came back: keep its reference
        (the refund completes with it at receipt). False, and nothing recorded, when the
        return is no refund waiting for its goods or a channel refund is noted already."""
        if self.status not in (ReturnStatus.REQUESTED, ReturnStatus.APPROVED) \
                or self.kind != ReturnKind.REFUND or self.channel_refunded:
            return False
        self.channel_refunded = reference
        self.updated_at = now
        self._record(ev.ReturnRefundedByChannel(
            tenant_id=self.tenant_id, occurred_at=now, actor=actor, return_id=self.id,
            reference=reference, amount="" if amount is None else format(amount, "f"),
            currency=currency if amount is not None else ""))
        return True

    def expect_refund_requested(self) -> Refund:
        """The refund asked for; Conflict unless it waits for its completion."""
        self._expect("completing the refund", ReturnStatus.RECEIVED)
        assert self.refund is not None
        return self.refund

    def complete_refund(self, reference: str, now: datetime, actor: str, *,
                        booked: bool = False) -> None:
        """The refund was paid; `booked`: it went into the order's money ledger as a
        credit and a refund (services/orders/money.record_refund)."""
        refund = self.expect_refund_requested()
        self.status = ReturnStatus.REFUNDED
        self.refund_reference = reference
        self.refund_booked = booked
        self.updated_at = now
        self._record(ev.RefundCompleted(
            tenant_id=self.tenant_id, occurred_at=now, actor=actor, return_id=self.id,
            amount=str(refund.total), currency=refund.currency,
            reference=reference, booked_in_ledger=booked))


def refunded_before(returns: Iterable[ReturnRequest], exclude: str
                    ) -> tuple[dict[int, int], Decimal]:
    """Units and money already refunded (or asked to be) by the order's other returns."""
    units: dict[int, int] = {}
    total = ZERO
    for r in returns:
        if r.id == exclude or r.refund is None:
            continue
        for no, n in r.received_units().items():
            units[no] = units.get(no, 0) + n
        total += r.refund.total
    return units, total
