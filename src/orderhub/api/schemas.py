"""Request and response bodies. Field rules here give clients precise 422 messages; the
service layer re-checks what only it can know (currency decimals, channels, catalogue)."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    model_validator,
)

from orderhub.domain.order import Address, Customer, OrderType, ServiceLevel
from orderhub.domain.routing.lanes import PROVINCE_REGION, REGIONS, province_key
from orderhub.services.intake.drafts import LineDraft, OrderDraft

Code = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:/-]*$")
MAX_AMOUNT = Decimal("1e12")


def _moment(value: datetime) -> datetime:
    if not 1970 <= value.year <= 2200:
        raise ValueError("must lie between the years 1970 and 2200")
    return value


def _amount(value: Decimal) -> Decimal:
    if value.is_finite() and abs(value) >= MAX_AMOUNT:
        raise ValueError(f"must be below {MAX_AMOUNT:,.0f}")
    return value


def _zone(value: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown IANA time zone '{value}'") from None
    return value


def _sku_facts(facts: dict[str, Any]) -> dict[str, Any]:
    """The SKU facts the rules read must have the types the rules expect."""
    def count(v: Any) -> bool:
        return isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 1_000_000

    def amount(v: Any) -> bool:
        try:
            d = Decimal(str(v))
        except ArithmeticError:
            return False
        return d.is_finite() and 0 <= d < MAX_AMOUNT

    checks: dict[str, tuple[Any, str]] = {
        "formula_stage": (count, "a whole number"), "min_age": (count, "a whole number"),
        "max_per_customer": (lambda v: count(v) and v >= 1, "a whole number, at least 1"),
        "floor_price": (amount, "a non-negative amount"),
        "alcohol": (lambda v: isinstance(v, bool), "true or false"),
        "channels": (lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
                     "a list of channel codes"),
    }
    for key, (ok, what) in checks.items():
        if key in facts and not ok(facts[key]):
            raise ValueError(f"attributes.{key} must be {what}")
    return facts


Moment = Annotated[AwareDatetime, AfterValidator(_moment)]
Amount = Annotated[Decimal, AfterValidator(_amount)]
NoControl = r"^[^\x00-\x1f]*$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AddressIn(Strict):
    country: str = Field("CN", min_length=2, max_length=2, description="ISO 3166-1 alpha-2")
    province: str = Field("", max_length=64)
    city: str = Field("", max_length=64)
    district: str = Field("", max_length=64)
    line1: str = Field("", max_length=300)
    postal_code: str = Field("", max_length=20)
    name: str = Field("", max_length=200)
    phone: str = Field("", max_length=40)
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)

    def to_domain(self) -> Address:
        return Address(**self.model_dump())


class CustomerIn(Strict):
    ref: str = Field("", max_length=200, description="The channel's customer id")
    name: str = Field("", max_length=200)
    email: str = Field("", max_length=320)
    phone: str = Field("", max_length=40)
    tier: str = Field("", max_length=32, description="For example VIP, B2B-GOLD")

    def to_domain(self) -> Customer:
        return Customer(**self.model_dump())


class LineIn(Strict):
    line_no: int | None = Field(None, ge=1, le=100_000,
                                description="Defaults to the position (1-based)")
    sku: str = Field(min_length=1, max_length=64, pattern=NoControl)
    quantity: int = Field(gt=0, le=1_000_000)
    unit_price: Amount = Field(ge=0, description="Price of one unit before discount and tax")
    discount: Amount = Field(Decimal(0), ge=0, description="Discount amount for the line")
    tax: Amount = Field(Decimal(0), ge=0, description="Tax amount for the line")


class PresaleIn(Strict):
    release_date: date = Field(description="When the goods become available to ship")
    lock_until: Moment | None = Field(
        None, description="Stock lock deadline (balance payment); default: now + configured TTL"
    )


class OrderIn(Strict):
    """A canonical order as a channel submits it."""

    external_id: str = Field(
        min_length=1, max_length=200, pattern=NoControl,
        description="The channel's order number; unique per channel",
    )
    channel: str = Code
    order_type: OrderType = OrderType.B2C
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217, for example CNY")
    customer: CustomerIn = Field(default_factory=CustomerIn)
    shipping_address: AddressIn = Field(default_factory=AddressIn)
    lines: list[LineIn] = Field(min_length=1, max_length=500)
    shipping_fee: Amount = Field(Decimal(0), ge=0)
    placed_at: Moment | None = None
    requested_delivery: date | None = None
    presale: PresaleIn | None = None
    service_level: ServiceLevel = Field(
        ServiceLevel.STANDARD,
        description="SLA class; with no requested_delivery it sets the due date: same_day 0, "
                    "next_day 1, express 2, standard 3, economy 5 days after the order")
    pickup_store: str | None = Field(
        None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$",
        description="Click and collect: the store (a site with the pickup capability) where "
                    "the customer collects the order")

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "external_id": "TM-20261124-0001",
                    "channel": "tmall",
                    "currency": "CNY",
                    "customer": {"ref": "tm-buyer-88", "name": "张三", "tier": "VIP"},
                    "shipping_address": {
                        "country": "CN",
                        "province": "浙江省",
                        "city": "杭州市",
                        "district": "西湖区",
                        "line1": "文三路 100 号",
                    },
                    "lines": [
                        {
                            "sku": "SKU-00001",
                            "quantity": 2,
                            "unit_price": "59.90",
                            "discount": "10.00",
                            "tax": "0",
                        }
                    ],
                }
            ]
        },
    )

    def to_draft(self) -> OrderDraft:
        return OrderDraft(
            channel=self.channel,
            external_id=self.external_id,
            currency=self.currency,
            order_type=self.order_type,
            lines=[
                LineDraft(
                    sku=ln.sku,
                    quantity=ln.quantity,
                    unit_price=ln.unit_price,
                    discount=ln.discount,
                    tax=ln.tax,
                    line_no=ln.line_no,
                )
                for ln in self.lines
            ],
            customer=self.customer.to_domain(),
            shipping_address=self.shipping_address.to_domain(),
            shipping_fee=self.shipping_fee,
            placed_at=self.placed_at,
            requested_delivery=self.requested_delivery,
            presale_release=self.presale.release_date if self.presale else None,
            presale_lock_until=self.presale.lock_until if self.presale else None,
            service_level=self.service_level.value,
            pickup_store=self.pickup_store or "",
        )


class OrderBatchIn(Strict):
    orders: list[OrderIn] = Field(min_length=1, max_length=5000)


class SubmitResultOut(BaseModel):
    outcome: str = Field(description="created | existing | conflict")
    order_id: str | None
    channel: str
    external_id: str
    status: str | None
    message: str = ""


class BatchOut(BaseModel):
    created: int
    existing: int
    conflicts: int
    results: list[SubmitResultOut]


class HoldReasonOut(BaseModel):
    code: str
    message: str
    line_no: int | None = None
    sku: str | None = None
    details: dict[str, Any] | None = Field(
        None, description="For unmapped lines: the channel codes and ranked SKU suggestions")


class LineOut(BaseModel):
    line_no: int
    sku: str
    quantity: int
    unit_price: Decimal
    discount: Decimal
    tax: Decimal
    total: Decimal


class ReservationOut(BaseModel):
    id: str
    line_no: int
    sku: str
    warehouse: str
    quantity: int
    state: str
    shipment_id: str
    expires_at: datetime | None


class ShipmentLineOut(BaseModel):
    line_no: int
    sku: str
    quantity: int


class ShipmentOut(BaseModel):
    id: str
    warehouse: str
    status: str
    carrier_service: str | None = Field(None, description="carrier:service chosen by routing")
    waybill: str | None = Field(None, description="the carrier's tracking number, once booked")
    dispatched_at: datetime | None
    delivered_at: datetime | None
    lines: list[ShipmentLineOut]


class TotalsOut(BaseModel):
    subtotal: Decimal
    discount: Decimal
    tax: Decimal
    shipping_fee: Decimal
    grand_total: Decimal


class OrderOut(BaseModel):
    id: str
    tenant_id: str
    channel: str
    external_id: str
    order_type: str
    status: str
    next_statuses: list[str]
    currency: str
    totals: TotalsOut
    customer: dict[str, Any]
    shipping_address: dict[str, Any]
    lines: list[LineOut]
    hold_reasons: list[HoldReasonOut]
    reservations: list[ReservationOut]
    shipments: list[ShipmentOut]
    split: bool
    placed_at: datetime | None
    requested_delivery: date | None
    promised_delivery: date | None
    presale_release: date | None
    presale_lock_until: datetime | None
    service_level: str
    pickup_store: str | None
    created_at: datetime
    updated_at: datetime
    version: int


class OrderPage(BaseModel):
    items: list[OrderOut]
    next_cursor: str | None


class TimelineEntryOut(BaseModel):
    seq: int
    event_id: str
    type: str
    at: datetime
    status: str
    actor: str
    reason: str
    data: dict[str, Any]


class ReasonIn(Strict):
    reason: str = Field("", max_length=500)


class CancelIn(Strict):
    reason: str = Field(min_length=1, max_length=500, description="Why the order is cancelled")


class ShipIn(Strict):
    shipment_ids: list[str] | None = Field(
        None, description="Shipments to dispatch; all planned shipments if omitted"
    )


def _province(name: str) -> str:
    if not name:
        return ""
    key = province_key(name)
    if key not in PROVINCE_REGION:
        raise ValueError(f"unknown province '{name}'")
    return key


def _region(name: str) -> str:
    if name and name not in REGIONS:
        raise ValueError(f"unknown lane region '{name}'; known: {', '.join(REGIONS)}")
    return name


Capability = Literal["cold_chain", "hazardous", "b2b_pallet", "pickup"]
SiteKind = Literal["warehouse", "store", "front"]
Province = Annotated[str, AfterValidator(_province)]
Region = Annotated[str, AfterValidator(_region)]


class WarehouseIn(Strict):
    code: str = Code
    name: str = Field(min_length=1, max_length=200)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    region: Region = Field("", max_length=64, description="Lane region (east, north, ...); "
                           "taken from the province when omitted")
    city: str = Field("", max_length=64)
    daily_capacity: int = Field(0, ge=0, le=100_000_000,
                                description="Orders picked per day; 0 = not limited")
    cutoff: time = Field(time(16, 0), description="Local cut-off for same-day dispatch")
    timezone: Annotated[str, AfterValidator(_zone)] = Field("Asia/Shanghai", max_length=64)
    active: bool = True
    province: Province = Field("", max_length=32, description="For zones and lanes: 浙江, 上海")
    kind: SiteKind = "warehouse"
    handling_per_order: Amount = Field(Decimal("3.00"), ge=0)
    handling_per_unit: Amount = Field(Decimal("0.50"), ge=0)
    capabilities: list[Capability] = Field(default_factory=list)
    max_queue_days: int = Field(2, ge=1, le=30, description="Takes no more orders once this "
                                "many days of picking are queued")

    @model_validator(mode="after")
    def _fill_region(self) -> WarehouseIn:
        if not self.region and self.province:
            self.region = PROVINCE_REGION[self.province]
        return self


class WarehousePatch(Strict):
    name: str | None = Field(None, min_length=1, max_length=200)
    daily_capacity: int | None = Field(None, ge=0, le=100_000_000)
    cutoff: time | None = None
    active: bool | None = None
    handling_per_order: Amount | None = Field(None, ge=0)
    handling_per_unit: Amount | None = Field(None, ge=0)
    capabilities: list[Capability] | None = None
    max_queue_days: int | None = Field(None, ge=1, le=30)
    reason: str = Field("", max_length=500, description="Why (recorded on events)")


class WarehouseOut(BaseModel):
    code: str
    name: str
    lat: float
    lon: float
    region: str
    city: str
    daily_capacity: int
    cutoff: time
    timezone: str
    active: bool
    province: str
    kind: str
    handling_per_order: Decimal
    handling_per_unit: Decimal
    capabilities: list[str]
    max_queue_days: int


class SkuIn(Strict):
    code: str = Code
    name: str = Field(min_length=1, max_length=300)
    list_price: Amount | None = Field(None, ge=0)
    barcode: str = Field("", max_length=64)
    weight_kg: Amount | None = Field(None, ge=0)
    active: bool = True
    attributes: Annotated[dict[str, Any], AfterValidator(_sku_facts)] = Field(
        default_factory=dict,
        description="Facts the validation rules read: formula_stage, alcohol, min_age, "
                    "floor_price, channels (where sellable), max_per_customer, hs_code, "
                    "origin_country, category")


class SkuOut(BaseModel):
    code: str
    name: str
    list_price: Decimal | None
    barcode: str
    weight_kg: Decimal | None
    active: bool
    attributes: dict[str, Any] = {}


class SkuPage(BaseModel):
    items: list[SkuOut]
    next_cursor: str | None


class SkuPatch(Strict):
    active: bool


class ChannelIn(Strict):
    code: str = Code
    name: str = Field(min_length=1, max_length=200)
    kind: str = Field("web", description="web, marketplace, pos, b2b, ...", max_length=32)
    active: bool = True
    adapter: str = Field("", max_length=32, description="Adapter that reads its webhooks: "
                         "shopify, woocommerce, tiktok, douyin, taobao (empty: canonical API only)")
    secret: str = Field("", max_length=200, description="Secret its webhooks are signed with "
                        "(write-only)")


class ChannelOut(BaseModel):
    code: str
    name: str
    kind: str
    active: bool
    adapter: str = ""


class StockLevelOut(BaseModel):
    sku: str
    warehouse: str
    on_hand: int
    reserved: int
    safety_stock: int
    atp: int = Field(
        description="Available to promise: on hand - reserved - safety stock, never below 0"
    )
    shortfall: int = Field(
        description="How much of the safety stock on hand - reserved does not cover "
        "(0 when covered); atp - shortfall = on hand - reserved - safety stock"
    )


class StockPage(BaseModel):
    items: list[StockLevelOut]
    next_cursor: str | None


class SkuStockOut(BaseModel):
    sku: str
    on_hand: int
    reserved: int
    safety_stock: int
    atp: int
    shortfall: int
    warehouses: list[StockLevelOut]


class ReceiptIn(Strict):
    sku: str = Field(min_length=1, max_length=64)
    warehouse: str = Field(min_length=1, max_length=64)
    quantity: int = Field(gt=0, le=100_000_000)
    reference: str = Field(
        "",
        max_length=200,
        description="ASN / purchase order number. A reference names one line (SKU, "
        "warehouse): a repeat with the same quantity changes nothing and answers 200 with "
        "the stored result, another quantity is a 409. Empty: no de-duplication (send an "
        "Idempotency-Key instead)",
    )


class AdjustmentIn(Strict):
    sku: str = Field(min_length=1, max_length=64)
    warehouse: str = Field(min_length=1, max_length=64)
    delta: int = Field(
        description="Change of on-hand quantity, negative for losses",
        ge=-100_000_000,
        le=100_000_000,
    )
    reason: str = Field(min_length=1, max_length=500)
    reference: str = Field(
        "",
        max_length=200,
        description="Count sheet or incident number. A reference names one line (SKU, "
        "warehouse): a repeat with the same delta and reason changes nothing and answers 200 "
        "with the stored result, other content is a 409. Empty: no de-duplication",
    )


class SafetyStockIn(Strict):
    safety_stock: int = Field(ge=0, le=100_000_000)
    reason: str = Field("", max_length=500)


class ExpiryOut(BaseModel):
    orders_released: int
