"""Request and response bodies. Field rules here give clients precise 422 messages; the
service layer re-checks what only it can know (currency decimals, channels, catalogue)."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)
from pydantic import Strict as StrictType

from orderhub.domain.money import is_known_currency
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
        # the currency of list_price and floor_price (default: the tenant's base currency)
        "currency": (lambda v: isinstance(v, str) and is_known_currency(v.upper()),
                     "an ISO 4217 currency code"),
        # the currency of floor_price when it differs from the list price's (default:
        # `currency`)
        "floor_currency": (lambda v: isinstance(v, str) and is_known_currency(v.upper()),
                           "an ISO 4217 currency code"),
    }
    for key, (ok, what) in checks.items():
        if key in facts and not ok(facts[key]):
            raise ValueError(f"attributes.{key} must be {what}")
    return facts


# ----- Strict input ---------------------------------------------------------------------
# JSON has no date, and FastAPI validates the objects json.loads made, so the rules below are
# written for those: a wrong type is refused (422 naming the field) instead of coerced into a
# different order. Whole numbers and true/false take no strings, floats or the other kind
# (`quantity: true` is not 1, `active: 0` is not false). Dates, date-times and times are
# ISO 8601 strings only (a number is not read as seconds since 1970). Amounts (Decimal) take
# a JSON string ("59.90", as the README sends) or a JSON number; true/false is refused.
# Text takes no control characters: C0 (U+0000-U+001F), DEL and C1 (U+007F-U+009F) are
# refused in names, codes, addresses, phones and ids (`Line`); free text (`Text`: reasons,
# descriptions) may also hold tab and line breaks (\t \n \r). Pydantic itself refuses
# lone surrogates.
# Free-form JSON objects (`JsonObject`, SKU attributes) hold no integer outside the signed
# 64-bit range, which the store cannot keep.

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_TIME = re.compile(r"\d{2}:\d{2}")
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROLS_BUT_BREAKS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _iso(pattern: re.Pattern[str], what: str, example: str) -> Any:
    def check(value: Any) -> Any:
        if isinstance(value, str) and not pattern.match(value):
            raise ValueError(f"must be an ISO 8601 {what} string such as {example!r}")
        if isinstance(value, bool | int | float | Decimal):
            raise ValueError(f"must be an ISO 8601 {what} string such as {example!r}, "
                             "not a number")
        return value
    return BeforeValidator(check)


def _refuse(controls: re.Pattern[str]) -> Any:
    def check(value: str) -> str:
        found = controls.search(value)
        if found:
            raise ValueError(f"must not contain control characters "
                             f"(U+{ord(found.group()):04X} at position {found.start()})")
        return value
    return AfterValidator(check)


def _int64_only(value: Any, path: str = "") -> Any:
    """Walks a free-form JSON value; every integer must fit a signed 64-bit integer."""
    if isinstance(value, int) and not isinstance(value, bool):
        if not INT64_MIN <= value <= INT64_MAX:
            where = f"{path}: " if path else ""
            raise ValueError(f"{where}integer outside the signed 64-bit range "
                             f"({INT64_MIN} to {INT64_MAX})")
    elif isinstance(value, dict):
        for k, v in value.items():
            _int64_only(v, f"{path}.{k}" if path else str(k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _int64_only(v, f"{path}.{i}" if path else str(i))
    return value


Int = Annotated[int, StrictType()]
Flag = Annotated[bool, StrictType()]
Float = Annotated[float, StrictType()]  # a JSON integer is still a number here
Day = Annotated[date, _iso(_ISO_DATE, "date", "2026-12-01")]
TimeOfDay = Annotated[time, _iso(_ISO_TIME, "time", "18:00")]
Line = Annotated[str, _refuse(_CONTROLS)]
Text = Annotated[str, _refuse(_CONTROLS_BUT_BREAKS)]
JsonObject = Annotated[dict[str, Any], AfterValidator(_int64_only)]
Moment = Annotated[AwareDatetime, _iso(_ISO_DATE, "date-time", "2026-11-24T10:00:00+08:00"),
                   AfterValidator(_moment)]
Amount = Annotated[Decimal, AfterValidator(_amount)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AddressIn(Strict):
    country: Line = Field("CN", min_length=2, max_length=2, description="ISO 3166-1 alpha-2")
    province: Line = Field("", max_length=64)
    city: Line = Field("", max_length=64)
    district: Line = Field("", max_length=64)
    line1: Line = Field("", max_length=300)
    postal_code: Line = Field("", max_length=20)
    name: Line = Field("", max_length=200)
    phone: Line = Field("", max_length=40)
    lat: Float | None = Field(None, ge=-90, le=90)
    lon: Float | None = Field(None, ge=-180, le=180)

    def to_domain(self) -> Address:
        return Address(**self.model_dump())


class CustomerIn(Strict):
    ref: Line = Field("", max_length=200, description="The channel's customer id")
    name: Line = Field("", max_length=200)
    email: Line = Field("", max_length=320)
    phone: Line = Field("", max_length=40)
    tier: Line = Field("", max_length=32, description="For example VIP, B2B-GOLD")

    def to_domain(self) -> Customer:
        return Customer(**self.model_dump())


class LineIn(Strict):
    line_no: Int | None = Field(None, ge=1, le=100_000,
                                description="Defaults to the position (1-based)")
    sku: Line = Field(min_length=1, max_length=64)
    quantity: Int = Field(gt=0, le=1_000_000)
    unit_price: Amount = Field(ge=0, description="Price of one unit before discount and tax")
    discount: Amount = Field(Decimal(0), ge=0, description="Discount amount for the line")
    tax: Amount = Field(Decimal(0), ge=0, description="Tax amount for the line")


class PresaleIn(Strict):
    release_date: Day = Field(description="When the goods become available to ship")
    lock_until: Moment | None = Field(
        None, description="Stock lock deadline (balance payment); default: now + configured TTL"
    )


class OrderIn(Strict):
    """A canonical order as a channel submits it."""

    external_id: Line = Field(
        min_length=1, max_length=200,
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
    requested_delivery: Day | None = None
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


class FxRateIn(Strict):
    currency: Line = Field(min_length=3, max_length=3, description="ISO 4217 code")
    rate: Amount = Field(gt=0, description="units of the base currency per unit")
    effective_date: Day
    source: Line = Field("manual", max_length=120,
                         description="where the figure came from: PBOC central parity, manual")


class FxRatesIn(Strict):
    rates: list[FxRateIn] | None = Field(None, max_length=10_000)
    csv: Text | None = Field(None, max_length=2_000_000, description=(
        "a rate file instead: header currency,rate,effective_date[,source]; refused as a "
        "whole if a row is bad (the error names the line and field)"))


class FxRateOut(BaseModel):
    currency: str
    effective_date: date
    rate: Decimal
    source: str
    updated_at: datetime
    updated_by: str


class FxLoadOut(BaseModel):
    added: int
    changed: int
    unchanged: int
    retried: int = Field(0, description="orders held for a missing rate validated again")


class FxSettingsIn(Strict):
    base_currency: Line = Field(min_length=3, max_length=3)
    max_age_days: Int = Field(ge=0, le=366, description="a rate older than this is not used")


class FxSettingsOut(BaseModel):
    base_currency: str
    max_age_days: int


class ChargeOut(BaseModel):
    kind: str = Field(description="shipping, fee:<name>, duty, tip, discount:platform, "
                                  "discount:seller, discount:shipping, adjustment")
    amount: Decimal = Field(description="signed: charges positive, discounts negative")
    label: str = Field(description="the channel's own name for it")


class TotalsOut(BaseModel):
    subtotal: Decimal
    discount: Decimal
    tax: Decimal
    shipping_fee: Decimal
    grand_total: Decimal
    charges: list[ChargeOut] = Field(default_factory=list, description=(
        "components of the total outside the lines (fees, duties, tips, order-level "
        "discounts and subsidies, adjustments)"))
    stated_total: Decimal | None = Field(None, description="the total the channel stated")


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
    fx: dict[str, Any] | None = Field(None, description=(
        "the total in the tenant's base currency as the money checks converted it: amount, "
        "converted, rate, effective_date, source, text (or why no rate could be used)"))
    customer: dict[str, Any]
    shipping_address: dict[str, Any] = Field(description="phone_e164 (the recipient's "
                                             "number in E.164) and phone_status (valid, "
                                             "masked, virtual, invalid, missing) are worked "
                                             "out by the hub; phone_e164 is masked like phone")
    lines: list[LineOut]
    hold_reasons: list[HoldReasonOut]
    attributes: dict[str, str] = Field(
        default_factory=dict,
        description="The channel's other order facts (po_number, ship_to_site, declarations) "
        "and the facts read from the buyer's notes: note_baby_age_months, "
        "note_requested_delivery, note_invoice_title, note_invoice_tax_id, "
        "note_buyer_age_years (the buyer's own age, for age-restricted goods), each with its "
        "words in <name>_span; the buyer's free text only with the full personal-data view")
    address_suggestion: dict[str, Any] | None = Field(
        None, description="Values suggested for missing divisions (values, confidence, "
        "source); accept with POST /v1/orders/{id}/address-suggestion/accept")
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
    reason: Text = Field("", max_length=500)


class CancelIn(Strict):
    reason: Text = Field(min_length=1, max_length=500, description="Why the order is cancelled")


class ShipIn(Strict):
    shipment_ids: list[Line] | None = Field(
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
    name: Line = Field(min_length=1, max_length=200)
    lat: Float = Field(ge=-90, le=90)
    lon: Float = Field(ge=-180, le=180)
    region: Region = Field("", max_length=64, description="Lane region (east, north, ...); "
                           "taken from the province when omitted")
    city: Line = Field("", max_length=64)
    daily_capacity: Int = Field(0, ge=0, le=100_000_000,
                                description="Orders picked per day; 0 = not limited")
    cutoff: TimeOfDay = Field(time(16, 0), description="Local cut-off for same-day dispatch")
    timezone: Annotated[Line, AfterValidator(_zone)] = Field("Asia/Shanghai", max_length=64)
    active: Flag = True
    province: Province = Field("", max_length=32, description="For zones and lanes: 浙江, 上海")
    kind: SiteKind = "warehouse"
    handling_per_order: Amount = Field(Decimal("3.00"), ge=0)
    handling_per_unit: Amount = Field(Decimal("0.50"), ge=0)
    capabilities: list[Capability] = Field(default_factory=list)
    max_queue_days: Int = Field(2, ge=1, le=30, description="Takes no more orders once this "
                                "many days of picking are queued")
    country: Line = Field("CN", pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2 "
                          "country it ships from (an order to another country is "
                          "cross-border)")

    @model_validator(mode="after")
    def _fill_region(self) -> WarehouseIn:
        if not self.region and self.province:
            self.region = PROVINCE_REGION[self.province]
        return self


class WarehousePatch(Strict):
    name: Line | None = Field(None, min_length=1, max_length=200)
    daily_capacity: Int | None = Field(None, ge=0, le=100_000_000)
    cutoff: TimeOfDay | None = None
    active: Flag | None = None
    handling_per_order: Amount | None = Field(None, ge=0)
    handling_per_unit: Amount | None = Field(None, ge=0)
    capabilities: list[Capability] | None = None
    max_queue_days: Int | None = Field(None, ge=1, le=30)
    reason: Text = Field("", max_length=500, description="Why (recorded on events)")


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
    country: str = "CN"


class SkuIn(Strict):
    code: str = Code
    name: Line = Field(min_length=1, max_length=300)
    list_price: Amount | None = Field(None, ge=0)
    barcode: Line = Field("", max_length=64)
    weight_kg: Amount | None = Field(None, ge=0)
    active: Flag = True
    attributes: Annotated[JsonObject, AfterValidator(_sku_facts)] = Field(
        default_factory=dict,
        description="Facts the validation rules read: formula_stage, alcohol, min_age, "
                    "floor_price, currency (of list and floor price; default the tenant's "
                    "base currency), floor_currency (of the floor price when it differs), "
                    "channels (where sellable), max_per_customer, hs_code, "
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
    active: Flag


class ChannelIn(Strict):
    code: str = Code
    name: Line = Field(min_length=1, max_length=200)
    kind: Line = Field("web", description="web, marketplace, pos, b2b, ...", max_length=32)
    active: Flag = True
    adapter: Line = Field("", max_length=32, description="Adapter that reads its webhooks: "
                         "shopify, woocommerce, tiktok, douyin, taobao, jd, pdd (empty: "
                         "canonical API only)")
    secret: Line = Field("", max_length=200, description="Secret its webhooks are signed with "
                        "(write-only; tiktok, douyin, jd, pdd: 'app_key:app_secret')")
    cross_border: Flag = Field(False, description="A cross-border channel (Tmall Global, "
                               "JD Worldwide, ...): every order it sends is cross-border")
    ship_from_country: Line = Field("", pattern=r"^([A-Z]{2})?$", description="ISO country "
                                    "its orders ship from by default (empty: the network's "
                                    "warehouses)")


class ChannelOut(BaseModel):
    code: str
    name: str
    kind: str
    active: bool
    adapter: str = ""
    mode: str = Field("live", description="live, or shadow: orders validated and routed, "
                      "never reserved (docs/channels.md, cut-over in shadow mode)")
    cross_border: bool = False
    ship_from_country: str = ""


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
    sku: Line = Field(min_length=1, max_length=64)
    warehouse: Line = Field(min_length=1, max_length=64)
    quantity: Int = Field(gt=0, le=100_000_000)
    reference: Line = Field(
        "",
        max_length=200,
        description="ASN / purchase order number. A reference names one line (SKU, "
        "warehouse): a repeat with the same quantity changes nothing and answers 200 with "
        "the stored result, another quantity is a 409. Empty: no de-duplication (send an "
        "Idempotency-Key instead)",
    )


class AdjustmentIn(Strict):
    sku: Line = Field(min_length=1, max_length=64)
    warehouse: Line = Field(min_length=1, max_length=64)
    delta: Int = Field(
        description="Change of on-hand quantity, negative for losses",
        ge=-100_000_000,
        le=100_000_000,
    )
    reason: Text = Field(min_length=1, max_length=500)
    reference: Line = Field(
        "",
        max_length=200,
        description="Count sheet or incident number. A reference names one line (SKU, "
        "warehouse): a repeat with the same delta and reason changes nothing and answers 200 "
        "with the stored result, other content is a 409. Empty: no de-duplication",
    )


class SafetyStockIn(Strict):
    safety_stock: Int = Field(ge=0, le=100_000_000)
    reason: Text = Field("", max_length=500)


class ExpiryOut(BaseModel):
    orders_released: int
