"""The contract every channel adapter fulfils.

An adapter is pure: bytes (and headers) in, a `ChannelOrder` out, or a precise error. It
does no I/O; the intake service maps SKUs, validates and stores. Money stays `Decimal` in the
order's currency major units (an adapter converts minor units or strings as its channel
sends them); times are timezone-aware UTC.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal, Protocol, runtime_checkable

from orderhub.domain.order import Address, Charge, Customer, OrderType


class ChannelError(Exception):
    """Base of adapter errors: the request is refused and nothing is stored."""


class SignatureError(ChannelError):
    """The payload's signature is missing or does not match the channel secret."""


class PayloadError(ChannelError):
    """The payload cannot be read as an order of this channel."""

    def __init__(self, message: str, field: str = "body") -> None:
        self.field = field
        super().__init__(f"{field}: {message}" if field != "body" else message)


@dataclass(frozen=True, slots=True)
class ChannelLine:
    channel_sku: str  # the seller's SKU code as the channel knows it ("" if none)
    title: str
    quantity: int
    unit_price: Decimal
    discount: Decimal = Decimal(0)  # amount for the whole line
    tax: Decimal = Decimal(0)  # amount for the whole line
    barcode: str = ""
    line_ref: str = ""  # the channel's own line id
    hs_code: str = ""  # cross-border customs code
    origin_country: str = ""  # ISO 3166-1 alpha-2


@dataclass(frozen=True, slots=True)
class ChannelOrder:
    external_id: str
    status: Literal["open", "cancelled"]
    updated_at: datetime
    currency: str
    lines: list[ChannelLine]
    customer: Customer = field(default_factory=Customer)
    shipping_address: Address = field(default_factory=Address)
    shipping_fee: Decimal = Decimal(0)
    total: Decimal | None = None  # the order total as the channel states it
    placed_at: datetime | None = None
    order_type: OrderType = OrderType.B2C
    cross_border: bool = False
    declared_value: Decimal | None = None
    # the delivery date the buyer asked for in a structured field (a PO's need-by column, a
    # delivery-date plugin): the order's SLA due date; one read from a free-text note is only
    # a fact (attributes.note_requested_delivery)
    requested_delivery: date | None = None
    attributes: dict[str, str] = field(default_factory=dict)  # e.g. baby_age_months
    # Receiver fields the channel sent as its own ciphertext ("name", "phone", "line1" of
    # the shipping address -> ciphertext); the address holds the masked value meanwhile.
    # Intake opens them through the channel's decryption provider (decryption.py).
    encrypted: dict[str, str] = field(default_factory=dict)
    # Every other component of the channel's total (fees, duties, tips, order-level
    # discounts and subsidies, shipping discounts, adjustments), signed; and the totals the
    # channel states per component (subtotal, discount, tax, shipping, ...) to compare with.
    charges: list[Charge] = field(default_factory=list)
    stated_components: dict[str, Decimal] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


class ChannelAdapter(Protocol):
    """`verify` then `parse`; a webhook and a bulk import use the same two calls."""

    name: str  # adapter name: shopify, woocommerce, tiktok, taobao, ...

    def verify(self, body: bytes, headers: Mapping[str, str], secret: str) -> None:
        """Raise SignatureError unless the body is signed with `secret` (header names are
        matched case-insensitively)."""

    def parse(self, body: bytes) -> ChannelOrder:
        """Raise PayloadError with the offending field unless `body` is one order."""


# How far a signed send time may be from the hub's clock (either way: clocks drift).
PUSH_MAX_SKEW = timedelta(minutes=15)


@runtime_checkable
class TimestampedPush(Protocol):
    """An adapter whose signature covers the push's send time (JD, Pinduoduo)."""

    def sent_at(self, headers: Mapping[str, str]) -> datetime:
        """The signed send time; SignatureError when it is missing or unreadable."""


def check_fresh(adapter: object, headers: Mapping[str, str], now: datetime,
                max_skew: timedelta = PUSH_MAX_SKEW) -> None:
    """Refuse a push whose signed send time is more than `max_skew` from `now`: a captured
    push would otherwise verify forever and could be replayed (an older version of the
    order over a newer one). Adapters without a signed time pass; call after `verify`."""
    if not isinstance(adapter, TimestampedPush):
        return
    sent = adapter.sent_at(headers)
    if abs(now - sent) > max_skew:
        minutes = int(abs(now - sent).total_seconds() // 60)
        raise SignatureError(f"the push was signed {minutes} minutes from now (at "
                             f"{sent.isoformat()}); more than {int(max_skew.total_seconds() // 60)}"
                             " minutes apart is refused as a replay")
