"""The Order aggregate: canonical order, its reservations, shipments and lifecycle.

Methods change state and append facts to `events`; they do no I/O. Stock itself is changed
atomically in the database by the service layer, which hands the aggregate the outcome.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from enum import Enum, StrEnum
from typing import Any

from orderhub.domain import events as ev
from orderhub.domain.address import SUGGESTIBLE, AddressSuggestion
from orderhub.domain.buyer_notes import ERROR_ATTRIBUTE, FACT_ATTRIBUTES
from orderhub.domain.errors import Conflict, FieldError, IllegalTransition, InvalidInput
from orderhub.domain.fast_init import fast_init
from orderhub.domain.ids import new_id
from orderhub.domain.lifecycle import HOLDS_STOCK, TRANSITIONS, OrderStatus, allowed_next
from orderhub.domain.money import ZERO, quantize
from orderhub.domain.tracking import Checkpoint, CheckpointKind


class OrderType(StrEnum):
    B2C = "b2c"
    B2B = "b2b"
    PRE_SALE = "pre_sale"


class ServiceLevel(StrEnum):
    """The SLA class an order was sold with; without a requested date it sets the due date."""

    SAME_DAY = "same_day"
    NEXT_DAY = "next_day"
    EXPRESS = "express"
    STANDARD = "standard"
    ECONOMY = "economy"

    @property
    def days(self) -> int:
        """Days from the order (local date) to the due date."""
        return {"same_day": 0, "next_day": 1, "express": 2, "standard": 3, "economy": 5}[self]


class HoldCode(StrEnum):
    # format
    MISSING_FIELD = "missing_field"
    ADDRESS_INCOMPLETE = "address_incomplete"
    PHONE_INVALID = "phone_invalid"
    AMOUNT_MISMATCH = "amount_mismatch"
    RECEIVER_ENCRYPTED = "receiver_encrypted"  # the channel's ciphertext could not be opened
    # availability
    UNMAPPED_SKU = "unmapped_sku"
    UNKNOWN_SKU = "unknown_sku"
    INACTIVE_SKU = "inactive_sku"
    NOT_SELLABLE_IN_CHANNEL = "not_sellable_in_channel"
    BACKORDER = "backorder"
    NO_ACTIVE_WAREHOUSE = "no_active_warehouse"
    RESERVATION_EXPIRED = "reservation_expired"
    PROMISE_IMPOSSIBLE = "promise_impossible"  # the SLA targets can no longer keep it
    # compliance
    AGE_STAGE_MISMATCH = "age_stage_mismatch"
    AGE_RESTRICTED = "age_restricted"
    QUANTITY_LIMIT = "quantity_limit"
    CROSS_BORDER_DOCS = "cross_border_docs"
    DECLARED_VALUE_LIMIT = "declared_value_limit"
    PRICE_BELOW_FLOOR = "price_below_floor"
    FX_RATE_MISSING = "fx_rate_missing"  # a money check needs a rate the tenant lacks (or stale)
    RESTRICTED_GOODS = "restricted_goods"  # prohibited or restricted at the destination (packs)
    # operations
    CHANNEL_UPDATE = "channel_update"
    REROUTE = "reroute"
    RULE_REVIEW = "rule_review"  # a routing rule holds it for a person to review
    NO_ROUTE = "no_route"  # stock exists, but no usable site (capability, rule, block, queue)
    REGION_BLOCKED = "region_blocked"  # deliveries to its destination are blocked
    MANUAL = "manual"
    # anomalies at intake (domain/anomaly): a person decides, the order is never dropped
    SUSPECTED_FRAUD = "suspected_fraud"  # brushing and fraud patterns
    ANOMALY_REVIEW = "anomaly_review"  # channel price conflicts, unusual quantities
    RELEASE_REJECTED = "release_rejected"  # its warehouse refused it after release


# Holds only a person lifts (screening's fraud and anomaly findings, a warehouse's refusal):
# a channel's update or a new exchange rate re-checks the order's content, not that decision.
PERSON_HOLDS = frozenset({HoldCode.SUSPECTED_FRAUD, HoldCode.ANOMALY_REVIEW,
                          HoldCode.RELEASE_REJECTED})


@dataclass(frozen=True, slots=True)
class HoldReason:
    code: HoldCode
    message: str
    line_no: int | None = None
    sku: str | None = None
    details: dict[str, Any] | None = None  # e.g. ranked SKU suggestions for unmapped lines

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "code": self.code.value,
            "message": self.message,
            "line_no": self.line_no,
            "sku": self.sku,
        }
        if self.details:
            out["details"] = self.details
        return out


# The components of a channel's total besides the lines, their discounts and tax: a kind is
# one of these, alone or with a qualifier after a colon (fee:insurance, discount:platform).
CHARGE_KINDS = ("shipping", "fee", "duty", "tip", "discount", "adjustment")


@dataclass(frozen=True, slots=True)
class Charge:
    """One component of the order's total outside its lines, as the channel itemised it: a
    charge (positive: a fee, duties, a tip) or a discount (negative: a platform subsidy, a
    seller's coupon on the order, a shipping discount); `kind` such as `fee:insurance`,
    `duty`, `tip`, `discount:platform`, `discount:seller`, `discount:shipping`,
    `adjustment`; `label`, the channel's own name for it."""

    kind: str
    amount: Decimal
    label: str = ""

    @property
    def family(self) -> str:
        return self.kind.partition(":")[0]

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "amount": str(self.amount), "label": self.label}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Charge:
        return cls(str(d["kind"]), Decimal(str(d["amount"])), str(d.get("label", "")))


@dataclass(frozen=True, slots=True)
class Address:
    country: str = "CN"
    province: str = ""
    city: str = ""
    district: str = ""
    line1: str = ""
    postal_code: str = ""
    name: str = ""
    phone: str = ""
    lat: float | None = None
    lon: float | None = None
    # Derived by intake from `phone` and `country` (adapters/phone.py), never sent by a
    # channel: the number in E.164 (personal, encrypted like the phone) and what it is
    # (domain/address.PhoneStatus: valid, masked, virtual, invalid, missing).
    phone_e164: str = ""
    phone_status: str = ""


@dataclass(frozen=True, slots=True)
class Customer:
    ref: str = ""
    name: str = ""
    email: str = ""
    phone: str = ""
    tier: str = ""


@fast_init
@dataclass(frozen=True, slots=True)
class OrderLine:
    line_no: int
    sku: str
    quantity: int
    unit_price: Decimal
    discount: Decimal = ZERO
    tax: Decimal = ZERO
    channel_sku: str = ""  # as the channel sent it, kept for the crosswalk and audits
    title: str = ""
    barcode: str = ""
    hs_code: str = ""
    origin_country: str = ""

    @property
    def total(self) -> Decimal:
        return self.unit_price * self.quantity - self.discount + self.tax


class ReservationState(StrEnum):
    ACTIVE = "active"
    COMMITTED = "committed"
    RELEASED = "released"
    EXPIRED = "expired"


@dataclass(slots=True)
class Reservation:
    """Stock of one order line set aside in one warehouse; the allocation of that line."""

    id: str
    line_no: int
    sku: str
    warehouse: str
    quantity: int
    shipment_id: str
    expires_at: datetime | None = None
    state: ReservationState = ReservationState.ACTIVE

    def as_dict(self) -> dict[str, Any]:
        return {
            "line_no": self.line_no,
            "sku": self.sku,
            "warehouse": self.warehouse,
            "quantity": self.quantity,
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
        }


class ShipmentStatus(StrEnum):
    PLANNED = "planned"
    DISPATCHED = "dispatched"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


@dataclass(slots=True)
class Shipment:
    id: str
    warehouse: str
    status: ShipmentStatus = ShipmentStatus.PLANNED
    dispatched_at: datetime | None = None
    delivered_at: datetime | None = None
    carrier_service: str = ""  # carrier:service chosen by the router ("" = not chosen)
    waybill: str = ""  # the carrier's tracking number, once booked


def stock_quantities(reservations: Sequence[Reservation]) -> dict[tuple[str, str], int]:
    """(SKU, warehouse) -> units, the shape stock changes are applied in."""
    out: dict[tuple[str, str], int] = {}
    for r in reservations:
        out[(r.sku, r.warehouse)] = out.get((r.sku, r.warehouse), 0) + r.quantity
    return out


def replace_reservation(r: Reservation, quantity: int) -> Reservation:
    """A copy of `r` for `quantity` units (the part of it an edit gives back)."""
    return Reservation(r.id, r.line_no, r.sku, r.warehouse, quantity, r.shipment_id,
                       r.expires_at, r.state)


@fast_init
@dataclass(frozen=True, slots=True)
class PlannedPick:
    """One line quantity to take from one warehouse: a piece of an allocation plan."""

    line_no: int
    sku: str
    warehouse: str
    quantity: int


class Keep(Enum):
    """`KEEP`: the field stays as it is (for fields where None is a value)."""

    KEEP = "keep"


KEEP = Keep.KEEP


@dataclass(frozen=True, slots=True)
class OrderEdit:
    """What an edit changes; None leaves a field as it is."""

    address: Address | None = None
    lines: list[OrderLine] | None = None
    customer: Customer | None = None
    shipping_fee: Decimal | None = None
    attributes: dict[str, str] | None = None
    cross_border: bool | None = None
    declared_value: Decimal | Keep | None = KEEP  # None clears it
    charges: list[Charge] | None = None
    requested_delivery: date | Keep | None = KEEP  # None clears it
    service_level: str | None = None

    @property
    def moves_destination(self) -> bool:
        """It changes where or how fast the order goes (ship-to, date, service level): the
        routing decision is taken again."""
        return (self.address is not None or self.service_level is not None
                or self.requested_delivery is not KEEP)


# Statuses in which an order's content is edited in place (not yet with a warehouse).
EDITABLE = frozenset({OrderStatus.CREATED, OrderStatus.VALIDATED, OrderStatus.ON_HOLD,
                      OrderStatus.RESERVED, OrderStatus.ALLOCATED})
# With a warehouse, not packed: an edit cancels and replaces its open shipments.
REPLACEABLE = frozenset({OrderStatus.RELEASED, OrderStatus.PICKED})

_LINE_FIELDS = ("sku", "quantity", "unit_price", "discount", "tax")
_ADDRESS_PERSONAL = ("name", "phone", "phone_e164", "line1", "lat", "lon")


@dataclass(frozen=True, slots=True)
class EditBasis:
    """What an order was before an edit: what the edit's diff and money difference are
    measured against."""

    lines: tuple[OrderLine, ...]
    address: Address
    customer: Customer
    fields: dict[str, Any]
    grand_total: Decimal


def _line_doc(ln: OrderLine, currency: str) -> dict[str, Any]:
    return {"sku": ln.sku, "quantity": ln.quantity,
            "unit_price": str(quantize(ln.unit_price, currency)),
            "discount": str(quantize(ln.discount, currency)),
            "tax": str(quantize(ln.tax, currency)),
            "total": str(quantize(ln.total, currency))}


def _plain(v: Any) -> Any:
    if isinstance(v, date | datetime):
        return v.isoformat()
    if isinstance(v, Decimal):
        return str(v)
    return v


@dataclass(frozen=True, slots=True)
class CancelledMoney:
    """What cancelled units carried, by the money ledger's allocation: the lines' discount
    and tax (by line number), the net shipping, and the order's charges by kind, signed
    as the charges are (a discount's share negative)."""

    line_discount: Mapping[int, Decimal]
    line_tax: Mapping[int, Decimal]
    shipping: Decimal
    charges: Mapping[str, Decimal]


@dataclass(slots=True)
class Order:
    id: str
    tenant_id: str
    channel: str
    external_id: str
    order_type: OrderType
    currency: str
    lines: list[OrderLine]
    customer: Customer
    shipping_address: Address
    created_at: datetime
    updated_at: datetime
    status: OrderStatus = OrderStatus.CREATED
    shipping_fee: Decimal = ZERO
    placed_at: datetime | None = None
    requested_delivery: date | None = None
    promised_delivery: date | None = None
    presale_release: date | None = None
    presale_lock_until: datetime | None = None
    service_level: str = "standard"  # SLA class: same_day, next_day, express, standard, economy
    pickup_store: str = ""  # collected by the customer at this store (click and collect)
    hold_reasons: list[HoldReason] = field(default_factory=list)
    payload_hash: str = ""
    attributes: dict[str, str] = field(default_factory=dict)
    cross_border: bool = False
    declared_value: Decimal | None = None
    stated_total: Decimal | None = None  # the total the channel stated, for reconciliation
    channel_updated_at: datetime | None = None
    # Components of the total outside the lines (fees, duties, tips, order-level discounts
    # and subsidies, adjustments), what the channel stated of each component (subtotal,
    # discount, tax, shipping, ... : for the amounts check to name the one that differs),
    # and the conversion into the tenant's base currency the money checks used (domain/fx).
    charges: list[Charge] = field(default_factory=list)
    stated_components: dict[str, Decimal] = field(default_factory=dict)
    fx: dict[str, Any] | None = None
    overrides: list[dict[str, Any]] = field(default_factory=list)  # audited hold overrides
    # What enrichment suggests for missing divisions (held until accepted: domain/address)
    address_suggestion: AddressSuggestion | None = None
    version: int = 0
    event_seq: int = 0
    reservations: list[Reservation] = field(default_factory=list)
    shipments: list[Shipment] = field(default_factory=list)
    events: list[ev.Event] = field(default_factory=list)

    # ----- construction -------------------------------------------------------------------
    @classmethod
    def create(
        cls,
        *,
        tenant_id: str,
        channel: str,
        external_id: str,
        order_type: OrderType,
        currency: str,
        lines: list[OrderLine],
        customer: Customer,
        address: Address,
        now: datetime,
        actor: str = "system",
        shipping_fee: Decimal = ZERO,
        placed_at: datetime | None = None,
        requested_delivery: date | None = None,
        presale_release: date | None = None,
        presale_lock_until: datetime | None = None,
        payload_hash: str = "",
        service_level: str = "standard",
        pickup_store: str = "",
        attributes: dict[str, str] | None = None,
        cross_border: bool = False,
        declared_value: Decimal | None = None,
        stated_total: Decimal | None = None,
        channel_updated_at: datetime | None = None,
        charges: Sequence[Charge] = (),
        stated_components: dict[str, Decimal] | None = None,
    ) -> Order:
        """A new order, whatever its source (the API's draft or a channel's payload): every
        field is given here, none is set on the aggregate afterwards."""
        order = cls(
            id=new_id("ord"),
            tenant_id=tenant_id,
            channel=channel,
            external_id=external_id,
            order_type=order_type,
            currency=currency,
            lines=lines,
            customer=customer,
            shipping_address=address,
            created_at=now,
            updated_at=now,
            shipping_fee=shipping_fee,
            placed_at=placed_at,
            requested_delivery=requested_delivery,
            presale_release=presale_release,
            presale_lock_until=presale_lock_until,
            payload_hash=payload_hash,
            service_level=service_level,
            pickup_store=pickup_store,
            attributes=dict(attributes or {}),
            cross_border=cross_border,
            declared_value=declared_value,
            stated_total=stated_total,
            channel_updated_at=channel_updated_at,
            charges=list(charges),
            stated_components=dict(stated_components or {}),
        )
        order._record(
            ev.OrderCreated(
                tenant_id=tenant_id,
                occurred_at=now,
                actor=actor,
                channel=channel,
                external_id=external_id,
                order_type=order_type.value,
                currency=currency,
                grand_total=str(order.grand_total),
                line_count=len(lines),
            )
        )
        return order

    # ----- totals -------------------------------------------------------------------------
    @property
    def subtotal(self) -> Decimal:
        return quantize(
            sum((ln.unit_price * ln.quantity for ln in self.lines), ZERO), self.currency
        )

    @property
    def discount_total(self) -> Decimal:
        return quantize(sum((ln.discount for ln in self.lines), ZERO), self.currency)

    @property
    def tax_total(self) -> Decimal:
        return quantize(sum((ln.tax for ln in self.lines), ZERO), self.currency)

    @property
    def charges_total(self) -> Decimal:
        return quantize(sum((c.amount for c in self.charges), ZERO), self.currency)

    @property
    def grand_total(self) -> Decimal:
        return self.totals()[3]

    def totals(self) -> tuple[Decimal, Decimal, Decimal, Decimal]:
        """(subtotal, discount_total, tax_total, grand_total) in one pass over the lines:
        the same sums, in the same order, as the properties (intake needs all four); the
        grand total counts the channel's other components (`charges`)."""
        gross = discount = tax = ZERO
        for ln in self.lines:
            gross += ln.unit_price * ln.quantity
            discount += ln.discount
            tax += ln.tax
        currency = self.currency
        subtotal = quantize(gross, currency)
        discount = quantize(discount, currency)
        tax = quantize(tax, currency)
        return (subtotal, discount, tax,
                quantize(subtotal - discount + tax + self.shipping_fee + self.charges_total,
                         currency))

    def components(self) -> dict[str, Decimal]:
        """The total in its components, as the amounts check compares them with what the
        channel stated: subtotal, discount (the lines'), tax, shipping, and one entry per
        charge kind (signed: discounts negative)."""
        out = {"subtotal": self.subtotal, "discount": self.discount_total,
               "tax": self.tax_total, "shipping": self.shipping_fee}
        for c in self.charges:
            out[c.kind] = out.get(c.kind, ZERO) + c.amount
        return out

    @property
    def is_split(self) -> bool:
        return len([s for s in self.shipments if s.status != ShipmentStatus.CANCELLED]) > 1

    def active_reservations(self) -> list[Reservation]:
        return [r for r in self.reservations if r.state == ReservationState.ACTIVE]

    # ----- lifecycle ----------------------------------------------------------------------
    def _record(self, event: ev.Event) -> None:
        event.order_id = self.id
        event.status = self.status.value
        self.events.append(event)

    def _move(self, target: OrderStatus, now: datetime) -> OrderStatus:
        if target not in TRANSITIONS[self.status]:
            raise IllegalTransition(
                self.id, self.status.value, target.value, allowed_next(self.status)
            )
        previous = self.status
        self.status = target
        self.updated_at = now
        return previous

    def note_read(self, facts: Mapping[str, str], now: datetime, actor: str = "system") -> None:
        """Record what was read from the buyer's notes (the `note_*` attributes), when
        anything was."""
        kinds: list[str] = [kind for kind, name in FACT_ATTRIBUTES.items() if facts.get(name)]
        error = facts.get(ERROR_ATTRIBUTE, "")
        if not kinds and not error:
            return
        self._record(ev.BuyerNoteRead(
            tenant_id=self.tenant_id, occurred_at=now, actor=actor, facts=kinds,
            baby_age_months=facts.get(FACT_ATTRIBUTES["baby_age_months"], ""),
            requested_delivery=facts.get(FACT_ATTRIBUTES["requested_delivery"], ""),
            error=error))

    def mark_validated(self, now: datetime, actor: str = "system") -> None:
        """Passed its checks; an order in another currency than the tenant's base says in
        the event's reason what its total was worth (`fx`), for the timeline."""
        self._move(OrderStatus.VALIDATED, now)
        self.hold_reasons = []
        self._record(ev.OrderValidated(tenant_id=self.tenant_id, occurred_at=now, actor=actor,
                                       reason=str((self.fx or {}).get("text", ""))))

    def hold(self, reasons: list[HoldReason], now: datetime, actor: str = "system") -> None:
        previous = self._move(OrderStatus.ON_HOLD, now)
        self.hold_reasons = list(reasons)
        self._record(
            ev.OrderHeld(
                tenant_id=self.tenant_id,
                occurred_at=now,
                actor=actor,
                reason="; ".join(r.message for r in reasons),
                previous_status=previous.value,
                reasons=[r.as_dict() for r in reasons],
            )
        )

    def rehold(self, reasons: list[HoldReason], now: datetime, actor: str = "system") -> None:
        """A held order that still fails its checks keeps its status with fresh reasons."""
        if self.status != OrderStatus.ON_HOLD:
            self.hold(reasons, now, actor)
            return
        self.hold_reasons = list(reasons)
        self.updated_at = now
        self._record(
            ev.OrderHeld(
                tenant_id=self.tenant_id,
                occurred_at=now,
                actor=actor,
                reason="; ".join(r.message for r in reasons),
                previous_status=self.status.value,
                reasons=[r.as_dict() for r in reasons],
            )
        )

    def reserve(
        self,
        picks: list[PlannedPick],
        now: datetime,
        expires_at: datetime | None,
        actor: str = "system",
        services: dict[str, str] | None = None,
    ) -> None:
        """Record stock already reserved atomically in the store, and plan one shipment per
        warehouse (the allocation); `services` names each warehouse's carrier service."""
        self._move(OrderStatus.RESERVED, now)
        shipment_by_wh: dict[str, Shipment] = {}
        for s in self.shipments:
            if s.status == ShipmentStatus.PLANNED:
                shipment_by_wh[s.warehouse] = s
        new = []
        for pick in picks:
            shipment = shipment_by_wh.get(pick.warehouse)
            if shipment is None:
                shipment = Shipment(id=new_id("shp"), warehouse=pick.warehouse,
                                    carrier_service=(services or {}).get(pick.warehouse, ""))
                shipment_by_wh[pick.warehouse] = shipment
                self.shipments.append(shipment)
            res = Reservation(
                id=new_id("res"),
                line_no=pick.line_no,
                sku=pick.sku,
                warehouse=pick.warehouse,
                quantity=pick.quantity,
                shipment_id=shipment.id,
                expires_at=expires_at,
            )
            new.append(res)
        self.reservations.extend(new)
        self._record(
            ev.InventoryReserved(
                tenant_id=self.tenant_id,
                occurred_at=now,
                actor=actor,
                reservations=[r.as_dict() for r in new],
            )
        )

    def allocate(
        self, strategy: str, promised: date | None, now: datetime, actor: str = "system"
    ) -> None:
        self._move(OrderStatus.ALLOCATED, now)
        self.promised_delivery = promised
        shipments = []
        for s in self.shipments:
            if s.status != ShipmentStatus.PLANNED:
                continue
            lines = [
                {"line_no": r.line_no, "sku": r.sku, "quantity": r.quantity}
                for r in self.active_reservations()
                if r.shipment_id == s.id
            ]
            shipments.append({"shipment_id": s.id, "warehouse": s.warehouse,
                              "carrier_service": s.carrier_service, "lines": lines})
        self._record(
            ev.OrderAllocated(
                tenant_id=self.tenant_id,
                occurred_at=now,
                actor=actor,
                strategy=strategy,
                split=len(shipments) > 1,
                promised_delivery=promised.isoformat() if promised else None,
                shipments=shipments,
            )
        )

    def map_line(self, index: int, sku: str, matched_on: str, now: datetime, actor: str) -> None:
        """An operator (or a confirmed crosswalk entry) names the master SKU of a line."""
        line = self.lines[index]
        self.lines[index] = replace(line, sku=sku)
        self.updated_at = now
        self._record(
            ev.OrderLineMapped(
                tenant_id=self.tenant_id,
                occurred_at=now,
                actor=actor,
                line_no=line.line_no,
                channel_sku=line.channel_sku,
                title=line.title,
                barcode=line.barcode,
                master_sku=sku,
                matched_on=matched_on,
            )
        )

    def correct_address(self, address: Address, reason: str, now: datetime, actor: str,
                        *, record: bool = True) -> None:
        """Fix the shipping address of an order not yet released to a warehouse (`record`:
        as its own OrderAddressCorrected; an operator's edit records it in its OrderEdited)."""
        if self.status not in (
            OrderStatus.CREATED,
            OrderStatus.VALIDATED,
            OrderStatus.ON_HOLD,
            OrderStatus.RESERVED,
            OrderStatus.ALLOCATED,
        ):
            raise Conflict(
                f"order {self.id} is {self.status.value}; its address can no longer be changed here"
            )
        before = self.shipping_address
        self.shipping_address = address
        self.updated_at = now
        changed = sorted(
            k for k in Address.__dataclass_fields__ if getattr(before, k) != getattr(address, k)
        )
        if any(k in SUGGESTIBLE or k == "country" for k in changed):
            self.address_suggestion = None  # made for the old address; intake makes anew
        if not record:
            return
        self._record(
            ev.OrderAddressCorrected(
                tenant_id=self.tenant_id,
                occurred_at=now,
                actor=actor,
                reason=reason,
                fields=changed,
            )
        )

    def accept_address_suggestion(self, reason: str, now: datetime, actor: str) -> list[str]:
        """Fill the address's blank divisions from the stored suggestion (a person's
        decision, or a rule's auto-fill above its confidence threshold): recorded as an
        address correction with the reason. Returns the fields filled."""
        s = self.address_suggestion
        if s is None:
            raise Conflict(f"order {self.id} has no address suggestion to accept")
        a = self.shipping_address
        filled: dict[str, Any] = {k: v for k, v in s.values.items()
                                  if k in SUGGESTIBLE and v and not getattr(a, k)}
        self.correct_address(replace(a, **filled), reason, now, actor)
        self.address_suggestion = None
        return sorted(filled)

    def override_hold(self, codes: list[str], reason: str, now: datetime, actor: str) -> None:
        """Accept named hold reasons on purpose (audited); the checks then let them pass."""
        if self.status != OrderStatus.ON_HOLD:
            raise Conflict(f"order {self.id} is not on hold")
        held = {r.code.value for r in self.hold_reasons}
        unknown = [c for c in codes if c not in held]
        if unknown:
            raise Conflict(
                f"order {self.id} is not held for {', '.join(unknown)}; it is held "
                f"for {', '.join(sorted(held))}"
            )
        for code in codes:
            self.overrides.append(
                {"code": code, "reason": reason, "actor": actor, "at": now.isoformat()}
            )
        self.updated_at = now
        self._record(
            ev.OrderHoldOverridden(
                tenant_id=self.tenant_id,
                occurred_at=now,
                actor=actor,
                reason=reason,
                codes=list(codes),
            )
        )

    def edit(self, change: OrderEdit, reason: str, now: datetime, actor: str
             ) -> list[Reservation]:
        """A change of content taken whole (a channel's update, an operator's address fix,
        the desk's substitution): the fields are set; new lines give back what was reserved
        and hold the order, so it is validated and allocated afresh (the caller runs the
        pipeline). One `OrderEdited` with the diff. Returns the reservations released (the
        caller frees the stock). The operator's edit of quantities (services/orders/
        editing.change_order) reserves only the difference instead."""
        basis = self.edit_basis()
        self.set_content(change, reason, now, actor, lines=False)
        released: list[Reservation] = []
        if change.lines is not None:
            released = self.revise_lines(change.lines, now, actor, reason)
        self.record_edit(basis, reason, now, actor,
                         "recheck" if change.lines is not None else "in_place")
        return released

    def edit_basis(self) -> EditBasis:
        return EditBasis(tuple(self.lines), self.shipping_address, self.customer,
                         self._edit_fields(), self.grand_total)

    def _edit_fields(self) -> dict[str, Any]:
        return {"requested_delivery": self.requested_delivery,
                "service_level": self.service_level, "shipping_fee": self.shipping_fee,
                "charges": [c.as_dict() for c in self.charges],
                "cross_border": self.cross_border, "declared_value": self.declared_value,
                "attributes": dict(self.attributes)}

    def set_content(self, change: OrderEdit, reason: str, now: datetime, actor: str, *,
                    lines: bool = True, address_event: bool = True) -> None:
        """Set what `change` names (no stock moves here): the ship-to (with
        `address_event`, also recorded as an address correction, as channels' updates and
        address fixes always were), customer, fees, dates, service level, and, with
        `lines`, the lines themselves. Refused once released."""
        if self.status not in EDITABLE:
            raise Conflict(f"order {self.id} is {self.status.value}; its content can no "
                           "longer be changed in place")
        if change.address is not None:  # recorded (and refused once released) even unchanged
            self.correct_address(change.address, reason, now, actor, record=address_event)
        if change.customer is not None:
            self.customer = change.customer
        if change.shipping_fee is not None:
            self.shipping_fee = change.shipping_fee
        if change.charges is not None:
            self.charges = list(change.charges)
        if change.attributes is not None:
            self.attributes = dict(change.attributes)
        if change.cross_border is not None:
            self.cross_border = change.cross_border
        if change.declared_value is not KEEP:
            self.declared_value = change.declared_value
        if change.requested_delivery is not KEEP:
            self.requested_delivery = change.requested_delivery
        if change.service_level is not None:
            self.service_level = change.service_level
        if lines and change.lines is not None:
            self.lines = list(change.lines)
            self.overrides = []  # accepted for the old content; the new is checked anew
        self.updated_at = now

    def edit_diff(self, basis: EditBasis) -> dict[str, Any]:
        """Lines and fields before and after; personal fields (name, phone, street,
        customer) by name only, never their values."""
        cur = self.currency
        before = {ln.line_no: ln for ln in basis.lines}
        after = {ln.line_no: ln for ln in self.lines}
        lines: list[dict[str, Any]] = []
        for no in sorted(before.keys() | after.keys()):
            b, a = before.get(no), after.get(no)
            if b is not None and a is not None and all(
                    getattr(b, k) == getattr(a, k) for k in _LINE_FIELDS):
                continue
            either = a if a is not None else b
            lines.append({"line_no": no, "sku": either.sku if either is not None else "",
                          "before": None if b is None else _line_doc(b, cur),
                          "after": None if a is None else _line_doc(a, cur)})
        fields: dict[str, Any] = {}
        now_fields = self._edit_fields()
        for k, old in basis.fields.items():
            new = now_fields[k]
            if old == new:
                continue
            if k == "attributes":
                fields[k] = {"changed": sorted(x for x in old.keys() | new.keys()
                                               if old.get(x) != new.get(x))}
            else:
                fields[k] = {"before": _plain(old), "after": _plain(new)}
        changed = sorted(k for k in Address.__dataclass_fields__
                         if getattr(basis.address, k) != getattr(self.shipping_address, k))
        if changed:
            public = [k for k in changed if k not in _ADDRESS_PERSONAL]
            fields["shipping_address"] = {
                "changed": changed,
                "before": {k: _plain(getattr(basis.address, k)) for k in public},
                "after": {k: _plain(getattr(self.shipping_address, k)) for k in public}}
        customer = sorted(k for k in Customer.__dataclass_fields__
                          if getattr(basis.customer, k) != getattr(self.customer, k))
        if customer:
            fields["customer"] = {"changed": customer}
        return {"lines": lines, "fields": fields}

    def record_edit(self, basis: EditBasis, reason: str, now: datetime, actor: str,
                    outcome: str) -> ev.OrderEdited:
        """The one event of an edit: its diff, the version the order has once this unit of
        work commits, and the money difference (to collect > 0, to refund < 0)."""
        after = self.grand_total
        event = ev.OrderEdited(
            tenant_id=self.tenant_id, occurred_at=now, actor=actor, reason=reason,
            changes=self.edit_diff(basis), version=self.version + 1, outcome=outcome,
            grand_total_before=str(basis.grand_total), grand_total_after=str(after),
            money_difference=str(quantize(after - basis.grand_total, self.currency)),
            currency=self.currency)
        self.updated_at = now
        self._record(event)
        return event

    def adjust_reservations(self, release: Mapping[int, int], picks: Sequence[PlannedPick],
                            now: datetime, actor: str, reason: str
                            ) -> dict[tuple[str, str], int]:
        """Reserve only the difference of an edit, in place: give back `release` units of
        each line (line number -> units; a reservation cut in part is replaced by one for
        what stays) and add `picks` to the planned shipment of their warehouse. The stock
        itself was moved by the caller. Returns the (SKU, warehouse) units given back."""
        if self.status not in (OrderStatus.RESERVED, OrderStatus.ALLOCATED):
            raise Conflict(f"order {self.id} is {self.status.value}; it holds no stock to "
                           "adjust")
        freed: list[Reservation] = []
        kept: list[Reservation] = []
        for line_no, units in release.items():
            left = units
            for r in reversed(self.active_reservations()):
                if left <= 0:
                    break
                if r.line_no != line_no:
                    continue
                take = min(left, r.quantity)
                r.state = ReservationState.RELEASED
                freed.append(replace_reservation(r, take))
                if take < r.quantity:
                    kept.append(Reservation(new_id("res"), r.line_no, r.sku, r.warehouse,
                                            r.quantity - take, r.shipment_id, r.expires_at))
                left -= take
            if left > 0:
                raise Conflict(f"order {self.id}: line {line_no} has fewer units reserved "
                               f"than the {units} to give back")
        shipment_by_wh = {s.warehouse: s for s in self.shipments
                          if s.status == ShipmentStatus.PLANNED}
        deadline = min((r.expires_at for r in self.active_reservations() if r.expires_at),
                       default=None)
        added: list[Reservation] = []
        for p in picks:
            shipment = shipment_by_wh.get(p.warehouse)
            if shipment is None:
                raise Conflict(f"order {self.id} has no open shipment at {p.warehouse}")
            added.append(Reservation(new_id("res"), p.line_no, p.sku, p.warehouse,
                                     p.quantity, shipment.id, deadline))
        self.reservations.extend(kept + added)
        # a shipment left with nothing to carry is cancelled
        carrying = {r.shipment_id for r in self.active_reservations()}
        for s in self.shipments:
            if s.status == ShipmentStatus.PLANNED and s.id not in carrying:
                s.status = ShipmentStatus.CANCELLED
        self._record_release(freed, now, actor, reason)
        if added:
            self._record(ev.InventoryReserved(
                tenant_id=self.tenant_id, occurred_at=now, actor=actor, reason=reason,
                reservations=[r.as_dict() for r in added]))
        self.updated_at = now
        return stock_quantities(freed)

    def give_back_stock(self, reason: str, now: datetime, actor: str) -> list[Reservation]:
        """A held order keeps no stock: what it still had reserved (an edit's checks held
        it) goes back; the caller frees it."""
        if self.status != OrderStatus.ON_HOLD:
            raise Conflict(f"order {self.id} is {self.status.value}, not on hold")
        self._keep_lock_deadline()
        released = self._unreserve(ReservationState.RELEASED)
        self._record_release(released, now, actor, reason)
        return released

    def take_back_for_edit(self, reason: str, now: datetime, actor: str
                           ) -> list[Reservation]:
        """Edited after release, before packing: its open shipments are cancelled (the
        warehouse is told, as a recall tells it) and the order held for routing again with
        its new content (the caller routes it at once). Returns the reservations whose
        stock must be released."""
        if self.status not in REPLACEABLE:
            raise Conflict(f"order {self.id} is {self.status.value}; only an order released "
                           "to a warehouse and not yet packed can be edited there")
        released = self._unreserve(ReservationState.RELEASED)
        self._record_release(released, now, actor, f"edited after release: {reason}")
        self.hold([HoldReason(HoldCode.REROUTE, f"edited after release: {reason}")], now,
                  actor)
        return released

    def revise_lines(self, lines: list[OrderLine], now: datetime, actor: str,
                     reason: str) -> list[Reservation]:
        """The channel changed the order's lines before it went to a warehouse: release
        what was reserved and hold it, so it is validated and allocated afresh."""
        if self.status not in EDITABLE:
            raise Conflict(f"order {self.id} is {self.status.value}: line changes from the "
                           "channel need an exception decision")
        self._keep_lock_deadline()
        released = self._unreserve(ReservationState.RELEASED)
        self._record_release(released, now, actor, reason)
        self.lines = lines
        self.overrides = []  # accepted for the old content; the new content is checked anew
        reasons = [HoldReason(HoldCode.CHANNEL_UPDATE, reason)]
        if self.status == OrderStatus.ON_HOLD:
            self.rehold(reasons, now, actor)
        else:
            self.hold(reasons, now, actor)
        return released

    def reroute(self, reason: str, now: datetime, actor: str,
                hold: HoldReason | None = None) -> list[Reservation]:
        """A site or carrier it was planned on can no longer serve it (closed, capacity cut,
        carrier down, region blocked): give its stock back and hold it, so the caller can
        allocate it afresh at once (or leave it held with `hold`)."""
        if self.status not in (OrderStatus.RESERVED, OrderStatus.ALLOCATED):
            raise Conflict(f"order {self.id} is {self.status.value}; only orders not yet "
                           "released to a warehouse are re-routed")
        self._keep_lock_deadline()
        released = self._unreserve(ReservationState.RELEASED)
        self._record_release(released, now, actor, reason)
        self.hold([hold or HoldReason(HoldCode.REROUTE, reason)], now, actor)
        return released

    def _keep_lock_deadline(self) -> None:
        """A pre-sale lock's deadline belongs to the order, not to the reservation rows that
        are about to be released: keep it for the next reservation."""
        deadlines = [r.expires_at for r in self.active_reservations() if r.expires_at]
        if deadlines and self.presale_lock_until is None:
            self.presale_lock_until = min(deadlines)

    def notify(self, rule: str, version: int, message: str, to: list[str], now: datetime,
               actor: str) -> None:
        """A rule asked for people to hear about this order (on its timeline, evented)."""
        self._record(ev.RuleNotification(tenant_id=self.tenant_id, occurred_at=now,
                                         actor=actor, rule=rule, version=version,
                                         message=message, to=list(to)))

    def record_alert(self, event: ev.Event) -> None:
        """An alert about this order (raised, escalated or resolved by the twin): a fact in
        its timeline and event sequence like any other; the order itself does not change."""
        self._record(event)

    def note_anomaly(self, action: str, score: float, model_version: str,
                     reasons: list[dict[str, Any]], now: datetime, actor: str) -> None:
        """Intake's anomaly detection found something (held or flagged: on the timeline,
        evented); a hold itself is `hold` with a suspected_fraud or anomaly_review reason."""
        self._record(ev.OrderAnomalyDetected(
            tenant_id=self.tenant_id, occurred_at=now, actor=actor,
            reason="; ".join(str(r["message"]) for r in reasons),
            action=action, score=score, model_version=model_version,
            reasons=list(reasons)))

    def recall(self, reason: str, now: datetime, actor: str,
               cause: str = "release rejected") -> list[Reservation]:
        """Its warehouse refused the order after release (or the exception desk pulls it
        back, `cause` "recalled"): take it back (every shipment not dispatched is
        cancelled, their stock released) and hold it for routing again. Returns the
        reservations whose stock must be released."""
        if self.status != OrderStatus.RELEASED:
            raise Conflict(f"order {self.id} is {self.status.value}; only an order released "
                           "to a warehouse and not yet picked can be recalled")
        released = self._unreserve(ReservationState.RELEASED)
        self._record_release(released, now, actor, f"{cause}: {reason}")
        self.hold([HoldReason(HoldCode.RELEASE_REJECTED, reason)], now, actor)
        return released

    def record_compensation(self, event: ev.Event) -> None:
        """A compensation saga started, finished or needs a person: a fact in the order's
        timeline (webhooks tell the channel); the order itself does not change."""
        self.updated_at = event.occurred_at
        self._record(event)

    def record_return(self, event: ev.Event) -> None:
        """A step of one of its returns (domain/returns.py): a fact in its timeline and
        event sequence; the order itself does not change."""
        self.updated_at = event.occurred_at
        self._record(event)

    def join_pool(self, pool_id: str, pickup_site: str, distance_km: float,
                  closes_at: datetime, position: int, now: datetime, actor: str) -> None:
        """Validated and put into a group-buy pool (domain/pools): it waits, with no stock
        reserved, until the pool closes and routes it with the pool's delivery."""
        if self.status != OrderStatus.VALIDATED:
            self.mark_validated(now, actor)
        self._record(ev.OrderPooled(tenant_id=self.tenant_id, occurred_at=now, actor=actor,
                                    pool_id=pool_id, pickup_site=pickup_site,
                                    distance_km=round(distance_km, 3),
                                    closes_at=closes_at.isoformat(), position=position))

    def raise_exception(self, reason: str, now: datetime, actor: str) -> None:
        """Already with the warehouse: a person decides (recall, ship late, cancel)."""
        self._record(ev.OrderExceptionRaised(tenant_id=self.tenant_id, occurred_at=now,
                                             actor=actor, reason=reason))

    def person_holds(self) -> list[HoldReason]:
        """The hold reasons only a person's decision lifts (PERSON_HOLDS): an automatic
        retry (a rate loaded, a SKU mapped, an address accepted, a channel update) leaves an
        order with one of them held for that person."""
        if self.status != OrderStatus.ON_HOLD:
            return []
        return [r for r in self.hold_reasons if r.code in PERSON_HOLDS]

    def resume(self, now: datetime, actor: str) -> None:
        """Take a held order back into the pipeline; the service re-runs its checks."""
        if self.status != OrderStatus.ON_HOLD:
            raise IllegalTransition(
                self.id, self.status.value, OrderStatus.VALIDATED.value, allowed_next(self.status)
            )
        self._record(
            ev.OrderReleasedFromHold(tenant_id=self.tenant_id, occurred_at=now, actor=actor)
        )

    def book_waybills(self, booked: dict[str, tuple[str, str]]) -> None:
        """Carrier and tracking number per planned shipment (shipment id -> (service,
        waybill)), as booked just before release; recorded by the release event."""
        for s in self.shipments:
            if s.id in booked and s.status == ShipmentStatus.PLANNED:
                s.carrier_service, s.waybill = booked[s.id]

    def record_checkpoint(self, shipment_id: str, checkpoint: Checkpoint, now: datetime,
                          actor: str) -> bool:
        """A carrier checkpoint for one of its shipments, on the order's timeline. A
        `delivered` checkpoint delivers a dispatched shipment (and the order, once every
        shipment is delivered, through the lifecycle); for a shipment not dispatched yet it
        is only recorded, never refused. Returns whether it delivered the shipment."""
        shipment = next((s for s in self.shipments if s.id == shipment_id), None)
        if shipment is None:
            raise Conflict(f"order {self.id} has no shipment {shipment_id}")
        self.updated_at = now
        self._record(ev.ShipmentCheckpointRecorded(
            tenant_id=self.tenant_id, occurred_at=now, actor=actor, shipment_id=shipment_id,
            carrier=checkpoint.carrier, waybill=checkpoint.waybill,
            checkpoint=checkpoint.kind.value, checkpoint_at=checkpoint.at.isoformat(),
            location=checkpoint.location, description=checkpoint.description))
        if checkpoint.kind is not CheckpointKind.DELIVERED \
                or shipment.status != ShipmentStatus.DISPATCHED:
            return False
        self._deliver_shipment(shipment, checkpoint.at, now, actor,
                               f"carrier {checkpoint.carrier}: delivered")
        return True

    def deliver_reported(self, shipment_id: str, checkpoint: Checkpoint, now: datetime,
                         actor: str) -> bool:
        """A `delivered` checkpoint recorded before its shipment was dispatched (the
        warehouse confirmed dispatch late): deliver the shipment now it is dispatched.
        Returns whether it did."""
        shipment = next((s for s in self.shipments if s.id == shipment_id), None)
        if shipment is None or checkpoint.kind is not CheckpointKind.DELIVERED \
                or shipment.status != ShipmentStatus.DISPATCHED:
            return False
        self._deliver_shipment(shipment, checkpoint.at, now, actor,
                               f"carrier {checkpoint.carrier}: delivered (reported before "
                               "dispatch)")
        return True

    def _deliver_shipment(self, shipment: Shipment, delivered_at: datetime, now: datetime,
                          actor: str, reason: str) -> None:
        """One shipment reached the customer; the order is delivered with its last one
        (when all are dispatched: a partially shipped order waits for the rest)."""
        shipment.status = ShipmentStatus.DELIVERED
        shipment.delivered_at = delivered_at
        previous = self.status
        open_ = [s for s in self.shipments
                 if s.status in (ShipmentStatus.PLANNED, ShipmentStatus.DISPATCHED)]
        if not open_ and self.status == OrderStatus.SHIPPED:
            self._move(OrderStatus.DELIVERED, now)
        self.updated_at = now
        self._record(ev.ShipmentDelivered(
            tenant_id=self.tenant_id, occurred_at=now, actor=actor, reason=reason,
            previous_status=previous.value, shipment_id=shipment.id,
            warehouse=shipment.warehouse))

    def advance(self, target: OrderStatus, now: datetime, actor: str, reason: str = "",
                local_today: date | None = None) -> None:
        """A plain fulfilment step: released, picked, packed, delivered, invoiced, paid."""
        if target in (
            OrderStatus.SHIPPED,
            OrderStatus.PARTIALLY_SHIPPED,
            OrderStatus.CANCELLED,
            OrderStatus.ON_HOLD,
        ):
            raise Conflict(f"use the dedicated operation to move an order to '{target}'")
        if (
            target == OrderStatus.RELEASED
            and self.order_type == OrderType.PRE_SALE
            and self.presale_release
            and (local_today or now.date()) < self.presale_release
        ):
            raise Conflict(
                f"pre-sale order {self.id} cannot be released to the warehouse "
                f"before its release date {self.presale_release.isoformat()}"
            )
        previous = self._move(target, now).value
        common: dict[str, Any] = {
            "tenant_id": self.tenant_id,
            "occurred_at": now,
            "actor": actor,
            "reason": reason,
            "previous_status": previous,
        }
        if target == OrderStatus.RELEASED:
            # Released to the warehouse: the lock no longer expires.
            for r in self.active_reservations():
                r.expires_at = None
            self._record(
                ev.OrderReleasedToWarehouse(
                    **common,
                    warehouses=sorted(
                        {s.warehouse for s in self.shipments if s.status == ShipmentStatus.PLANNED}
                    ),
                    shipments=[{"shipment_id": s.id, "warehouse": s.warehouse,
                                "carrier_service": s.carrier_service, "waybill": s.waybill}
                               for s in self.shipments if s.status == ShipmentStatus.PLANNED],
                )
            )
        elif target == OrderStatus.DELIVERED:
            for s in self.shipments:
                if s.status == ShipmentStatus.DISPATCHED:
                    s.status = ShipmentStatus.DELIVERED
                    s.delivered_at = now
                    self._record(
                        ev.ShipmentDelivered(**common, shipment_id=s.id, warehouse=s.warehouse)
                    )
        elif target == OrderStatus.INVOICED:
            self._record(
                ev.OrderInvoiced(**common, amount=str(self.grand_total), currency=self.currency)
            )
        elif target == OrderStatus.PAID:
            self._record(
                ev.PaymentCaptured(**common, amount=str(self.grand_total), currency=self.currency)
            )
        else:
            self._record(ev.OrderStatusChanged(**common))

    def ship(self, shipment_ids: list[str] | None, now: datetime, actor: str) -> list[Reservation]:
        """Dispatch some or all planned shipments; returns reservations whose stock leaves."""
        planned = {s.id: s for s in self.shipments if s.status == ShipmentStatus.PLANNED}
        chosen = list(dict.fromkeys(shipment_ids)) if shipment_ids else list(planned)
        unknown = [sid for sid in chosen if sid not in planned]
        if unknown:
            raise Conflict(
                f"shipments not awaiting dispatch on order {self.id}: " + ", ".join(unknown)
            )
        if not chosen:
            raise Conflict(f"order {self.id} has no shipment awaiting dispatch")
        remaining = set(planned) - set(chosen)
        target = OrderStatus.PARTIALLY_SHIPPED if remaining else OrderStatus.SHIPPED
        previous: OrderStatus = self.status
        if self.status == OrderStatus.PARTIALLY_SHIPPED and remaining:
            pass  # another partial dispatch: status unchanged
        else:
            previous = self._move(target, now)
        self.updated_at = now
        committed: list[Reservation] = []
        for sid in chosen:
            shipment = planned[sid]
            shipment.status = ShipmentStatus.DISPATCHED
            shipment.dispatched_at = now
            lines = []
            for r in self.active_reservations():
                if r.shipment_id == sid:
                    r.state = ReservationState.COMMITTED
                    committed.append(r)
                    lines.append({"line_no": r.line_no, "sku": r.sku, "quantity": r.quantity})
            self._record(
                ev.ShipmentDispatched(
                    tenant_id=self.tenant_id,
                    occurred_at=now,
                    actor=actor,
                    shipment_id=sid,
                    warehouse=shipment.warehouse,
                    lines=lines,
                )
            )
        if previous != self.status:
            self._record(
                ev.OrderStatusChanged(
                    tenant_id=self.tenant_id,
                    occurred_at=now,
                    actor=actor,
                    previous_status=previous.value,
                )
            )
        return committed

    def cancel(self, reason: str, now: datetime, actor: str) -> list[Reservation]:
        """Cancel the order; returns the reservations whose stock must be released."""
        previous = self._move(OrderStatus.CANCELLED, now)
        released = self._unreserve(ReservationState.RELEASED)
        self._record_release(released, now, actor, reason or "order cancelled")
        self._record(
            ev.OrderCancelled(
                tenant_id=self.tenant_id,
                occurred_at=now,
                actor=actor,
                reason=reason,
                previous_status=previous.value,
            )
        )
        return released

    def expire_reservations(self, now: datetime, actor: str = "sweeper") -> list[Reservation]:
        """Release a lapsed pre-sale lock and hold the order, so it is never silently lost."""
        expired = [
            r
            for r in self.active_reservations()
            if r.expires_at is not None and r.expires_at <= now
        ]
        if not expired or self.status not in HOLDS_STOCK:
            return []
        # Reservations of one order are all-or-nothing: one lapsed lock frees the whole order.
        released = self._unreserve(ReservationState.EXPIRED)
        self._record_release(released, now, actor, "reservation expired")
        self.hold(
            [
                HoldReason(
                    HoldCode.RESERVATION_EXPIRED,
                    "pre-sale stock lock expired before the order was released",
                )
            ],
            now,
            actor,
        )
        return released

    def _unreserve(self, state: ReservationState) -> list[Reservation]:
        """Give back every active reservation and drop the shipments not yet dispatched."""
        released = self._release_reservations(state)
        for s in self.shipments:
            if s.status == ShipmentStatus.PLANNED:
                s.status = ShipmentStatus.CANCELLED
        return released

    def _release_reservations(self, state: ReservationState) -> list[Reservation]:
        released = self.active_reservations()
        for r in released:
            r.state = state
        return released

    def _record_release(
        self, released: list[Reservation], now: datetime, actor: str, reason: str
    ) -> None:
        if released:
            self._record(
                ev.InventoryReleased(
                    tenant_id=self.tenant_id,
                    occurred_at=now,
                    actor=actor,
                    reason=reason,
                    reservations=[r.as_dict() for r in released],
                )
            )

    def record_money(self, event: ev.Event) -> None:
        """An entry of the order's money ledger was booked (services/orders/money.py): a
        fact in its timeline and event sequence; the order itself does not change."""
        self._record(event)

    # ----- partial cancellation (domain/order_ledger.py books its money) ------------------
    def check_cancel_units(self, units: Mapping[int, int]) -> None:
        """Raise what `cancel_units` would refuse (Conflict: the status; InvalidInput: the
        lines and quantities), changing nothing."""
        if self.status not in (OrderStatus.RESERVED, OrderStatus.ALLOCATED):
            raise Conflict(
                f"order {self.id} is {self.status.value}: units can be cancelled only while "
                "reserved or allocated, before release (cancel the order, or edit it)")
        by_no = {ln.line_no: ln for ln in self.lines}
        errors = []
        for line_no, k in sorted(units.items()):
            line = by_no.get(line_no)
            if line is None:
                errors.append(FieldError(f"lines.{line_no}", f"the order has no line {line_no}"))
            elif k < 1 or k > line.quantity:
                errors.append(FieldError(f"lines.{line_no}.quantity",
                                         f"must be 1 to {line.quantity}"))
        if not units:
            errors.append(FieldError("lines", "name at least one line and quantity"))
        if errors:
            raise InvalidInput(errors)

    def cancel_units(self, units: Mapping[int, int], reason: str, now: datetime,
                     actor: str, money: CancelledMoney | None = None) -> list[Reservation]:
        """Cancel some units of some lines before the order goes to a warehouse: the line
        keeps the rest, a line with none left is dropped, the stock of the cancelled units
        goes back (returned: the released reservations, for the caller to free), a shipment
        with nothing left is cancelled. Cancelling every unit cancels the order. `money`:
        what the cancelled units carried by the ledger's allocation (domain/order_ledger),
        taken off the lines' discount and tax and off the order's shipping and charges, so
        the order's totals stay what is still due; without it the lines' discount and tax
        are scaled to the units kept and the order-level amounts stay."""
        self.check_cancel_units(units)
        by_no = {ln.line_no: ln for ln in self.lines}
        if all(units.get(ln.line_no, 0) == ln.quantity for ln in self.lines):
            return self.cancel(reason or "every unit cancelled", now, actor)
        released: list[Reservation] = []
        kept: list[OrderLine] = []
        for line in self.lines:
            k = units.get(line.line_no, 0)
            if k == 0:
                kept.append(line)
                continue
            left = line.quantity - k
            if left and money is not None:
                kept.append(replace(
                    line, quantity=left,
                    discount=line.discount - money.line_discount.get(line.line_no, ZERO),
                    tax=line.tax - money.line_tax.get(line.line_no, ZERO)))
            elif left:
                kept.append(replace(
                    line, quantity=left,
                    discount=quantize(line.discount * left / line.quantity, self.currency),
                    tax=quantize(line.tax * left / line.quantity, self.currency)))
            to_free = k
            for r in reversed(self.active_reservations()):  # the last planned first
                if r.line_no != line.line_no or to_free == 0:
                    continue
                take = min(r.quantity, to_free)
                to_free -= take
                r.state = ReservationState.RELEASED
                released.append(Reservation(r.id, r.line_no, r.sku, r.warehouse, take,
                                            r.shipment_id, r.expires_at,
                                            ReservationState.RELEASED))
                if take < r.quantity:  # the rest stays reserved, as a new reservation
                    self.reservations.append(Reservation(
                        new_id("res"), r.line_no, r.sku, r.warehouse, r.quantity - take,
                        r.shipment_id, r.expires_at))
        self.lines = kept
        if money is not None:
            self.shipping_fee -= money.shipping
            charges = list(self.charges)
            for kind, amount in money.charges.items():
                at = [i for i, c in enumerate(charges) if c.kind == kind]
                if at:  # the kind's last charge carries the reduction
                    c = charges[at[-1]]
                    charges[at[-1]] = Charge(c.kind, c.amount - amount, c.label)
                elif amount and charges:  # `total_rounding` (no charge of its own): the
                    c = charges[-1]       # last charge, whose decimals caused it
                    charges[-1] = Charge(c.kind, c.amount - amount, c.label)
                elif amount:
                    self.shipping_fee -= amount
            self.charges = charges
        active_shipments = {r.shipment_id for r in self.active_reservations()}
        for s in self.shipments:
            if s.status == ShipmentStatus.PLANNED and s.id not in active_shipments:
                s.status = ShipmentStatus.CANCELLED
        self.updated_at = now
        self._record_release(released, now, actor, reason or "units cancelled")
        self._record(ev.OrderLinesCancelled(
            tenant_id=self.tenant_id, occurred_at=now, actor=actor, reason=reason,
            lines=[{"line_no": n, "sku": by_no[n].sku, "quantity": k}
                   for n, k in sorted(units.items())]))
        return released
