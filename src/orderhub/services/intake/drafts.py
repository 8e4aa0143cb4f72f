"""An order as a channel submits it, before it becomes an aggregate: checked field by field
so bad input is refused with precise messages and nothing is stored."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import orjson

from orderhub.domain.errors import FieldError
from orderhub.domain.money import ZERO, fits_currency, is_known_currency
from orderhub.domain.order import Address, Customer, Order, OrderLine, OrderType


@dataclass(frozen=True, slots=True)
class LineDraft:
    sku: str
    quantity: int
    unit_price: Decimal
    discount: Decimal = ZERO
    tax: Decimal = ZERO
    line_no: int | None = None


@dataclass(frozen=True, slots=True)
class OrderDraft:
    channel: str
    external_id: str
    currency: str
    lines: list[LineDraft]
    order_type: OrderType = OrderType.B2C
    customer: Customer = field(default_factory=Customer)
    shipping_address: Address = field(default_factory=Address)
    shipping_fee: Decimal = ZERO
    placed_at: datetime | None = None
    requested_delivery: date | None = None
    presale_release: date | None = None
    presale_lock_until: datetime | None = None
    service_level: str = "standard"
    pickup_store: str = ""

    def key(self) -> tuple[str, str]:
        return (self.channel, self.external_id)


MAX_LINES = 500
MAX_QUANTITY = 1_000_000


def check_draft(d: OrderDraft) -> list[FieldError]:
    """Every field-level problem, not just the first, so a client can fix them in one go."""
    errs: list[FieldError] = []
    if not d.external_id.strip():
        errs.append(FieldError("external_id", "must not be empty"))
    if not d.channel.strip():
        errs.append(FieldError("channel", "must not be empty"))
    known = is_known_currency(d.currency)
    if not known:
        errs.append(
            FieldError(
                "currency",
                f"unknown currency '{d.currency}' (ISO 4217 code expected, for example CNY)",
            )
        )
    if not d.lines:
        errs.append(FieldError("lines", "an order needs at least one line"))
    if len(d.lines) > MAX_LINES:
        errs.append(FieldError("lines", f"at most {MAX_LINES} lines per order"))

    def money(loc: str, value: Decimal, *, allow_zero: bool = True) -> None:
        if not value.is_finite():
            errs.append(FieldError(loc, "must be a finite amount"))
        elif value < 0 or (value == 0 and not allow_zero):
            errs.append(FieldError(loc, "must not be negative"))
        elif known and not fits_currency(value, d.currency):
            errs.append(FieldError(loc, f"{value} has more decimals than {d.currency} allows"))

    money("shipping_fee", d.shipping_fee)
    line_nos: set[int] = set()
    for i, ln in enumerate(d.lines):
        p = f"lines.{i}"
        if not ln.sku.strip():
            errs.append(FieldError(f"{p}.sku", "must not be empty"))
        if ln.quantity <= 0:
            errs.append(FieldError(f"{p}.quantity", "must be a positive whole number"))
        elif ln.quantity > MAX_QUANTITY:
            errs.append(FieldError(f"{p}.quantity", f"must be at most {MAX_QUANTITY}"))
        money(f"{p}.unit_price", ln.unit_price)
        money(f"{p}.discount", ln.discount)
        money(f"{p}.tax", ln.tax)
        if (
            ln.unit_price.is_finite()
            and ln.discount.is_finite()
            and ln.quantity > 0
            and ln.discount > ln.unit_price * ln.quantity
        ):
            errs.append(FieldError(f"{p}.discount", "discount exceeds the line's gross amount"))
        no = ln.line_no if ln.line_no is not None else i + 1
        if no <= 0:
            errs.append(FieldError(f"{p}.line_no", "must be positive"))
        elif no in line_nos:
            errs.append(FieldError(f"{p}.line_no", f"line number {no} is used twice"))
        line_nos.add(no)
    if d.order_type == OrderType.PRE_SALE and d.presale_release is None:
        errs.append(FieldError("presale_release", "a pre-sale order needs its release date"))
    if d.order_type != OrderType.PRE_SALE and (d.presale_release or d.presale_lock_until):
        errs.append(FieldError("order_type", "presale fields are only valid on pre_sale orders"))
    for name in ("placed_at", "presale_lock_until"):
        value = getattr(d, name)
        if value is not None and value.tzinfo is None:
            errs.append(
                FieldError(name, "must carry a timezone (for example 2026-11-24T08:00:00Z)")
            )
    return errs


def _decimal_text(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    raise TypeError(f"cannot hash {type(value).__name__}")


def payload_hash(d: OrderDraft) -> str:
    """Equal orders hash equally however they were spelled (10.0 and 10.00 alike).

    orjson serialises the dataclasses natively (field order is fixed, so the text is stable);
    only Decimals go through Python, normalised."""
    return hashlib.sha256(orjson.dumps(d, default=_decimal_text)).hexdigest()


def build_order(d: OrderDraft, tenant_id: str, now: datetime, actor: str, digest: str) -> Order:
    lines = [
        OrderLine(
            line_no=ln.line_no if ln.line_no is not None else i + 1,
            sku=ln.sku,
            quantity=ln.quantity,
            unit_price=ln.unit_price,
            discount=ln.discount,
            tax=ln.tax,
        )
        for i, ln in enumerate(d.lines)
    ]
    return Order.create(
        tenant_id=tenant_id,
        channel=d.channel,
        external_id=d.external_id,
        order_type=d.order_type,
        currency=d.currency,
        lines=lines,
        customer=d.customer,
        address=d.shipping_address,
        now=now,
        actor=actor,
        shipping_fee=d.shipping_fee,
        placed_at=d.placed_at,
        requested_delivery=d.requested_delivery,
        presale_release=d.presale_release,
        presale_lock_until=d.presale_lock_until,
        payload_hash=digest,
        service_level=d.service_level,
        pickup_store=d.pickup_store,
    )
