"""The built-in validation checks: what each looks at on an order and the hold reasons it
gives. A check is a function of the order, the `ValidationContext` the service layer fills
(catalogue, ATP, recent orders, SKU suggestions, a phone validator) and the rule's params;
`CHECKS` names them. Which checks run, at what level and on which orders is the rule's
business (validation.py); lines whose SKU is not yet mapped are skipped by the checks that
need a master SKU.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from orderhub.domain.address import PhoneStatus, street_beyond_divisions
from orderhub.domain.buyer_notes import ERROR_ATTRIBUTE as NOTE_ERROR_ATTRIBUTE
from orderhub.domain.buyer_notes import FACT_ATTRIBUTES, SPAN_SUFFIX
from orderhub.domain.fx import FxMissing, RateTable
from orderhub.domain.inventory import Sku
from orderhub.domain.money import ZERO, is_known_currency, quantize
from orderhub.domain.order import Address, HoldCode, HoldReason, Order, OrderType
from orderhub.domain.rules.compliance import CHECKS as PACK_CHECKS
from orderhub.domain.rules.customs import limit_for


@dataclass
class ValidationContext:
    """What the checks may consult besides the order; the service layer fills it."""

    catalog: Mapping[str, Sku]
    atp_total: Mapping[str, int] = field(default_factory=dict)  # SKU -> ATP, all warehouses
    # window days -> (customer, SKU) -> units ordered before, within that window
    recent_by_window: Mapping[int, Mapping[tuple[str, str], int]] = field(default_factory=dict)
    # (order id, line no) -> ranked master SKU suggestions for an unmapped line
    suggestions: Mapping[tuple[str, int], list[dict[str, Any]]] = field(default_factory=dict)
    phone_valid: Callable[[str, str], bool] = lambda _phone, _country: True
    # order id -> hours of slack to its promise under the SLA policy (intake fills it when
    # a rule reads it: domain/twin/outlook.py); an order not in it is not judged
    promise_slack: Mapping[str, float] = field(default_factory=dict)
    # Address rules of countries other than the mainland: field -> "required"/"invalid"
    # (adapters/world_address.py); by default nothing is found
    address_problems: Callable[[Address], Mapping[str, str]] = lambda _a: {}
    # Where orders ship from, to work out cross-border orders (see cross_border_basis):
    # channel -> its default ship-from country, the channels that are cross-border, the
    # countries of the active warehouses, and after planning the countries an order's
    # assigned warehouses are in (order id -> countries)
    channel_ship_from: Mapping[str, str] = field(default_factory=dict)
    cross_border_channels: frozenset[str] = frozenset()
    warehouse_countries: frozenset[str] = frozenset()
    assigned_countries: Mapping[str, frozenset[str]] = field(default_factory=dict)
    # An amount in another currency (amount, from, to, on the order's day) -> converted,
    # or None when no rate is known: without one, a limit in another currency is not
    # compared
    convert: Callable[[Decimal, str, str, date], Decimal | None] = (
        lambda amount, src, dst, _on: amount if src == dst else None)
    # the tenant's exchange rates the batch needs (base currency, staleness limit; loaded
    # once per batch). None: amounts are compared number to number, as given.
    fx: RateTable | None = None


NOTE_AGE_ATTRIBUTE = FACT_ATTRIBUTES["baby_age_months"]
NOTE_BUYER_AGE_ATTRIBUTE = FACT_ATTRIBUTES["buyer_age_years"]

Check = Callable[[Order, ValidationContext, Mapping[str, Any]], list[HoldReason]]


def _dec(value: Any, default: str) -> Decimal:
    try:
        return Decimal(str(value if value is not None else default))
    except InvalidOperation:
        return Decimal(default)


def _get(order: Order, path: str) -> Any:
    obj: Any = order
    for part in path.split("."):
        obj = obj.get(part) if isinstance(obj, dict) else getattr(obj, part, None)
        if obj is None:
            return None
    return obj


# ----- format ------------------------------------------------------------------------------
def check_required_fields(
    order: Order, _ctx: ValidationContext, params: Mapping[str, Any]
) -> list[HoldReason]:
    missing = [f for f in params.get("fields", []) if _get(order, f) in (None, "", [])]
    return [
        HoldReason(HoldCode.MISSING_FIELD, f"required field {f} is empty", details={"field": f})
        for f in missing
    ]


def check_address_complete(
    order: Order, ctx: ValidationContext, params: Mapping[str, Any]
) -> list[HoldReason]:
    """Mainland addresses (the `countries` listed, CN by default) need the divisions in
    `require`; every other country is judged by its own rules (required fields, postcode
    format, states or areas where it has them: ctx.address_problems) unless
    `other_countries` is false. A missing value is a defect: what enrichment suggested for
    it (order.address_suggestion) is shown with the hold for a person to accept."""
    a = order.shipping_address
    country = a.country or "CN"
    if country in params.get("countries", ["CN"]):
        # A blank value is a missing one, and so is a street line that only repeats the
        # divisions (a marketplace's empty street after 省市区: "山西省太原市小店区")
        divisions = (a.province, a.city, a.district)
        missing = [
            p
            for p in params.get("require", ["province", "city", "district", "line1"])
            if not (street_beyond_divisions(a.line1, divisions) if p == "line1"
                    else str(getattr(a, p, "") or "").strip())
        ]
        invalid: list[str] = []
    elif params.get("other_countries", True):
        found = ctx.address_problems(a)
        missing = sorted(k for k, v in found.items() if v == "required")
        invalid = sorted(k for k, v in found.items() if v != "required")
    else:
        return []
    if not missing and not invalid:
        return []
    details: dict[str, Any] = {"missing": missing, "country": country}
    parts = []
    zh = []
    if missing:
        parts.append("lacks " + ", ".join(missing))
        zh.append("缺少" + "、".join(_ZH_FIELDS.get(m, m) for m in missing))
    if invalid:
        details["invalid"] = invalid
        parts.append("has an invalid " + ", ".join(invalid))
        zh.append("不符合规则的" + "、".join(_ZH_FIELDS.get(m, m) for m in invalid))
    s = order.address_suggestion
    if s is not None and s.values:
        details["suggestion"] = s.as_dict()
        parts.append("suggested: " + ", ".join(f"{k} {v}" for k, v in s.values.items())
                     + f" (confidence {s.confidence:.2f}; accept it with "
                     f"POST /v1/orders/{order.id}/address-suggestion/accept)")
        zh.append("建议补全：" + "，".join(f"{_ZH_FIELDS.get(k, k)}{v}"
                                      for k, v in s.values.items())
                  + f"（置信度 {s.confidence:.2f}，待确认）")
    details["message_zh"] = f"收货地址（{country}）" + "；".join(zh)
    return [
        HoldReason(
            HoldCode.ADDRESS_INCOMPLETE,
            f"shipping address ({country}) " + "; ".join(parts),
            details=details,
        )
    ]


_ZH_FIELDS = {"province": "省/州", "city": "城市", "district": "区县", "line1": "街道地址",
              "postal_code": "邮编", "country": "国家或地区"}


def check_phone_valid(
    order: Order, ctx: ValidationContext, params: Mapping[str, Any]
) -> list[HoldReason]:
    """The recipient's number must be a real number of the ship-to country. Marketplace
    masks (`138****1234`) and virtual numbers with an extension (`13800138000-1234`,
    `转1234`) are what the platform routes calls through: they pass while `allow_masked`
    (default true). Intake classified the number (address.phone_status); an order that
    was not classified is judged by ctx.phone_valid."""
    phone = order.shipping_address.phone or order.customer.phone
    if not phone:
        return []  # a missing phone is for required_fields to report
    status = order.shipping_address.phone_status
    allow_masked = params.get("allow_masked", True)
    if status in (PhoneStatus.MASKED, PhoneStatus.VIRTUAL) or (not status and "*" in phone):
        if allow_masked:
            return []  # marketplaces (Taobao, Douyin, JD, Pinduoduo) route the call
        return [HoldReason(
            HoldCode.PHONE_INVALID, "the recipient's phone number is a marketplace's "
            f"{status or 'masked'} number, and this rule wants a real one",
            details={"phone_status": status or PhoneStatus.MASKED.value,
                     "message_zh": "收货人电话为平台隐私号（脱敏或虚拟号），本规则要求真实号码"})]
    country = order.shipping_address.country or "CN"
    if status == PhoneStatus.VALID or (not status and ctx.phone_valid(phone, country)):
        return []
    return [
        HoldReason(
            # The number itself stays out: hold reasons are stored and sent in clear.
            HoldCode.PHONE_INVALID, f"the recipient's phone number is not valid for country "
            f"{country}", details={"phone_status": PhoneStatus.INVALID.value,
                                   "message_zh": f"收货人电话不是{country}的有效号码"}
        )
    ]


COMPONENT_NAMES = {"subtotal": "line subtotal", "discount": "line discounts", "tax": "tax",
                   "shipping": "shipping"}


def _component_name(kind: str) -> str:
    return COMPONENT_NAMES.get(kind, kind)


def check_amounts_consistent(
    order: Order, ctx: ValidationContext, params: Mapping[str, Any]
) -> list[HoldReason]:
    """Lines, their discounts and tax, shipping and every other component the channel
    itemised (fees, duties, tips, platform and seller discounts, adjustments: `Order.charges`)
    add up to the total the channel states. Where the channel also stated a component's
    own total (`Order.stated_components`), like is compared with like, and the hold names
    the component that differs. An order in a code that is not a currency (a channel sent
    it; the API refuses it) is held for that, since none of its amounts can be judged."""
    reasons = []
    if not is_known_currency(order.currency):
        reasons.append(fx_hold(FxMissing(order.currency, ctx.fx.base if ctx.fx else "",
                                         order_day(order), "unknown_currency"),
                               "amounts_consistent"))
    for ln in order.lines:
        if ln.discount > ln.unit_price * ln.quantity:
            reasons.append(
                HoldReason(
                    HoldCode.AMOUNT_MISMATCH,
                    f"line {ln.line_no}: discount {ln.discount} exceeds the "
                    f"line amount {ln.unit_price * ln.quantity}",
                    ln.line_no,
                    ln.sku or None,
                )
            )
    tolerance = _dec(params.get("tolerance"), "0.01")
    computed = order.components()
    differing = []
    for kind, stated in sorted(order.stated_components.items()):
        mine = computed.get(kind, ZERO)
        if abs(mine - stated) > tolerance:
            differing.append({"component": kind, "computed": str(quantize(mine, order.currency)),
                              "stated": str(stated)})
    if order.stated_total is not None:
        gap = abs(order.grand_total - order.stated_total)
        if gap > tolerance or differing:
            parts = ", ".join(f"{_component_name(k)} {v}" for k, v in computed.items()
                              if v or k in ("subtotal", "shipping"))
            if differing:
                named = "; ".join(f"{_component_name(d['component'])}: the hub counts "
                                  f"{d['computed']}, the channel states {d['stated']}"
                                  for d in differing)
                message = (f"{named} {order.currency} (total {order.grand_total} vs the "
                           f"channel's {order.stated_total})")
            else:
                message = (f"{parts} add up to {order.grand_total} {order.currency} but the "
                           f"channel states {order.stated_total}: a component of the "
                           f"channel's total ({order.stated_total - order.grand_total:+}) is "
                           "not itemised")
            reasons.append(
                HoldReason(
                    HoldCode.AMOUNT_MISMATCH,
                    message,
                    details={"computed": str(order.grand_total),
                             "stated": str(order.stated_total),
                             "components": {k: str(v) for k, v in computed.items()},
                             "differing": differing},
                )
            )
    return reasons


# ----- availability ------------------------------------------------------------------------
def check_sku_mapped(
    order: Order, ctx: ValidationContext, _params: Mapping[str, Any]
) -> list[HoldReason]:
    return [
        HoldReason(
            HoldCode.UNMAPPED_SKU,
            f"line {ln.line_no}: channel SKU {ln.channel_sku or '-'} / barcode "
            f"{ln.barcode or '-'} / title {ln.title!r} maps to no master SKU",
            ln.line_no,
            None,
            details={
                "channel_sku": ln.channel_sku,
                "barcode": ln.barcode,
                "title": ln.title,
                "suggestions": ctx.suggestions.get((order.id, ln.line_no), []),
            },
        )
        for ln in order.lines
        if not ln.sku
    ]


def check_sku_known(
    order: Order, ctx: ValidationContext, _params: Mapping[str, Any]
) -> list[HoldReason]:
    reasons = []
    for ln in order.lines:
        if not ln.sku:
            continue
        sku = ctx.catalog.get(ln.sku)
        if sku is None:
            reasons.append(
                HoldReason(
                    HoldCode.UNKNOWN_SKU,
                    f"line {ln.line_no}: SKU {ln.sku} is not in the catalogue",
                    ln.line_no,
                    ln.sku,
                )
            )
        elif not sku.active:
            reasons.append(
                HoldReason(
                    HoldCode.INACTIVE_SKU,
                    f"line {ln.line_no}: SKU {ln.sku} is not sellable (inactive)",
                    ln.line_no,
                    ln.sku,
                )
            )
    return reasons


def check_sellable_in_channel(
    order: Order, ctx: ValidationContext, _params: Mapping[str, Any]
) -> list[HoldReason]:
    reasons = []
    for ln in order.lines:
        sku = ctx.catalog.get(ln.sku)
        allowed = (sku.attributes.get("channels") if sku else None) or []
        if allowed and order.channel not in allowed:
            reasons.append(
                HoldReason(
                    HoldCode.NOT_SELLABLE_IN_CHANNEL,
                    f"line {ln.line_no}: SKU {ln.sku} is not sold on channel "
                    f"{order.channel} (only {', '.join(allowed)})",
                    ln.line_no,
                    ln.sku,
                )
            )
    return reasons


def check_atp_available(
    order: Order, ctx: ValidationContext, _params: Mapping[str, Any]
) -> list[HoldReason]:
    if order.order_type == OrderType.PRE_SALE and order.presale_release is not None:
        return []  # pre-sales wait for their release date's stock
    demand: dict[str, int] = {}
    for ln in order.lines:
        if ln.sku and ln.sku in ctx.catalog:
            demand[ln.sku] = demand.get(ln.sku, 0) + ln.quantity
    reasons = []
    for sku, qty in demand.items():
        have = ctx.atp_total.get(sku, 0)
        if have < qty:
            line_no = next(ln.line_no for ln in order.lines if ln.sku == sku)
            reasons.append(
                HoldReason(
                    HoldCode.BACKORDER,
                    f"SKU {sku}: {qty} ordered, {have} available to promise in the network",
                    line_no,
                    sku,
                )
            )
    return reasons


# ----- compliance --------------------------------------------------------------------------
def check_formula_stage(
    order: Order, ctx: ValidationContext, params: Mapping[str, Any]
) -> list[HoldReason]:
    """Infant formula stage vs the baby's age in months: the declared attribute, else (with
    `from_notes`, the default) the age read from the buyer's note (domain/buyer_notes.py),
    whose words the hold message quotes."""
    attribute = params.get("attribute", "baby_age_months")
    ranges: Mapping[str, Sequence[int]] = params.get(
        "stage_months", {"1": [0, 6], "2": [6, 12], "3": [12, 36]}
    )
    declared = order.attributes.get(attribute)
    source = f"declared age {declared}"
    if declared in (None, "") and params.get("from_notes", True):
        noted = order.attributes.get(NOTE_AGE_ATTRIBUTE)
        if noted not in (None, ""):
            declared = noted
            span = order.attributes.get(NOTE_AGE_ATTRIBUTE + SPAN_SUFFIX, "")
            source = f"age {noted} months read from the buyer's note ({span})"
    reasons = []
    for ln in order.lines:
        sku = ctx.catalog.get(ln.sku)
        stage = sku.attributes.get("formula_stage") if sku else None
        if stage is None:
            continue
        if declared in (None, ""):
            if params.get("require_declaration", False):
                unread = order.attributes.get(NOTE_ERROR_ATTRIBUTE)
                reasons.append(
                    HoldReason(
                        HoldCode.AGE_STAGE_MISMATCH,
                        f"line {ln.line_no}: stage {stage} infant formula "
                        f"needs the baby's age ({attribute})"
                        + (f"; {unread}" if unread else ""),
                        ln.line_no,
                        ln.sku,
                    )
                )
            continue
        try:
            months = int(str(declared))
        except ValueError:
            months = -1
        low, high = ranges.get(str(stage), [0, 999])
        if not low <= months < high:
            reasons.append(
                HoldReason(
                    HoldCode.AGE_STAGE_MISMATCH,
                    f"line {ln.line_no}: stage {stage} formula is for babies "
                    f"of {low}-{high} months; {source}",
                    ln.line_no,
                    ln.sku,
                )
            )
    return reasons


def check_age_restricted(
    order: Order, ctx: ValidationContext, params: Mapping[str, Any]
) -> list[HoldReason]:
    attribute = params.get("attribute", "buyer_age")
    declared = order.attributes.get(attribute)
    if declared in (None, ""):  # the buyer's own words: "本人今年16岁", "I'm 17"
        declared = order.attributes.get(NOTE_BUYER_AGE_ATTRIBUTE)
    reasons = []
    for ln in order.lines:
        sku = ctx.catalog.get(ln.sku)
        if sku is None:
            continue
        min_age = sku.attributes.get("min_age") or (
            params.get("alcohol_min_age", 18) if sku.attributes.get("alcohol") else None
        )
        if not min_age:
            continue
        if declared in (None, ""):
            if params.get("require_declaration", False):
                reasons.append(
                    HoldReason(
                        HoldCode.AGE_RESTRICTED,
                        f"line {ln.line_no}: SKU {ln.sku} needs the buyer's age ({attribute})",
                        ln.line_no,
                        ln.sku,
                    )
                )
            continue
        try:
            age = int(str(declared))
        except ValueError:
            age = -1
        if age < int(min_age):
            reasons.append(
                HoldReason(
                    HoldCode.AGE_RESTRICTED,
                    f"line {ln.line_no}: SKU {ln.sku} may only be sold to "
                    f"buyers aged {min_age}+; declared {declared}",
                    ln.line_no,
                    ln.sku,
                )
            )
    return reasons


def check_quantity_limit(
    order: Order, ctx: ValidationContext, params: Mapping[str, Any]
) -> list[HoldReason]:
    if order.order_type.value not in params.get("order_types", ["b2c", "pre_sale"]):
        return []  # limits protect consumer supply; B2B accounts have agreements
    customer = order.customer.ref
    ordered: dict[str, int] = {}
    for ln in order.lines:
        if ln.sku:
            ordered[ln.sku] = ordered.get(ln.sku, 0) + ln.quantity
    reasons = []
    for sku_code, qty in ordered.items():
        sku = ctx.catalog.get(sku_code)
        limit = (sku.attributes.get("max_per_customer") if sku else None) or params.get(
            "default_max_per_customer"
        )
        if not limit:
            continue
        recent = ctx.recent_by_window.get(int(params.get("window_days", 30)), {})
        before = recent.get((customer, sku_code), 0) if customer else 0
        if before + qty > int(limit):
            reasons.append(
                HoldReason(
                    HoldCode.QUANTITY_LIMIT,
                    f"SKU {sku_code}: limit {limit} per customer within "
                    f"{params.get('window_days', 30)} days; this order {qty}, earlier {before}",
                    sku=sku_code,
                )
            )
    return reasons


def cross_border_basis(order: Order, ctx: ValidationContext) -> str:
    """Why `order` is cross-border ("" when it is not), whatever the payload says: the
    channel declared it, the channel is a cross-border one, or the ship-to country differs
    from the country it ships from. Ship-from is, best known first: the countries of the
    warehouses planning assigned (ctx.assigned_countries, after routing); the channel's
    default ship-from country; else the active warehouses' countries (cross-border when
    none is in the ship-to country, so that whichever ships it crosses a border)."""
    if order.cross_border:
        return "declared cross-border by the channel"
    if order.channel in ctx.cross_border_channels:
        return f"channel {order.channel} is a cross-border channel"
    dest = order.shipping_address.country or "CN"
    assigned = ctx.assigned_countries.get(order.id)
    if assigned:
        foreign = sorted(c for c in assigned if c != dest)
        return f"ships from {', '.join(foreign)} to {dest}" if foreign else ""
    default = ctx.channel_ship_from.get(order.channel, "")
    origins = frozenset({default}) if default else ctx.warehouse_countries
    if origins and dest not in origins:
        return f"ships from {', '.join(sorted(origins))} to {dest}"
    return ""


_HS_CODE = re.compile(r"^\d{6,10}$")
_ORIGIN = re.compile(r"^[A-Z]{2}$")


def check_cross_border(
    order: Order, ctx: ValidationContext, params: Mapping[str, Any]
) -> list[HoldReason]:
    """A cross-border order (cross_border_basis) needs an HS code (6 to 10 digits) and a
    country of origin (ISO code) per line, and a declared value within the destination's
    limit (domain/rules/customs.py; the rule's `limits` override entries, its
    `declared_value_limit` one amount in the order's currency for every destination).
    Without a declared value the goods value (lines after discounts) is what is declared,
    unless `require_declared_value` asks the channel for one."""
    basis = cross_border_basis(order, ctx)
    if not basis:
        return []
    reasons = []
    for ln in order.lines:
        if not ln.sku and not (ln.hs_code and ln.origin_country):
            continue  # an unmapped line: its customs data is judged once it is mapped
        sku = ctx.catalog.get(ln.sku)
        attrs = sku.attributes if sku else {}
        hs = str(ln.hs_code or attrs.get("hs_code") or "").replace(".", "").replace(" ", "")
        origin = str(ln.origin_country or attrs.get("origin_country") or "").strip().upper()
        problems = []
        if not hs:
            problems.append("HS code")
        elif not _HS_CODE.match(hs):
            problems.append(f"a valid HS code (6-10 digits, not {hs[:12]!r})")
        if not origin:
            problems.append("country of origin")
        elif not _ORIGIN.match(origin):
            problems.append(f"a country of origin as an ISO code (not {origin[:12]!r})")
        if problems:
            reasons.append(
                HoldReason(
                    HoldCode.CROSS_BORDER_DOCS,
                    f"line {ln.line_no}: cross-border line ({basis}) lacks "
                    + " and ".join(problems),
                    ln.line_no,
                    ln.sku or None,
                    details={"basis": basis, "message_zh": f"第{ln.line_no}行：跨境订单缺少"
                             + "、".join("HS编码" if "HS" in p else "原产地" for p in problems)},
                )
            )
    declared = order.declared_value
    if declared is None:
        if params.get("require_declared_value", False):
            reasons.append(
                HoldReason(HoldCode.CROSS_BORDER_DOCS, f"cross-border order ({basis}) lacks "
                           "a declared value", details={"basis": basis,
                                                        "message_zh": "跨境订单缺少申报价值"})
            )
            return reasons
        # No platform has a declared-value field: the customs value of a retail parcel is
        # its transaction value, the goods after discounts (shipping and tax excluded).
        declared = order.subtotal - order.discount_total
    dest = order.shipping_address.country or "CN"
    if params.get("declared_value_limit") is not None:
        amount, currency = _dec(params.get("declared_value_limit"), "5000"), order.currency
        source = "the rule's declared_value_limit"
    else:
        limit = limit_for(dest, params.get("limits"), params.get("default_limit"))
        amount, currency, source = limit.amount, limit.currency, limit.source
    converted = ctx.convert(declared, order.currency, currency, order_day(order))
    if converted is not None and converted > amount:
        what = "declared value" if order.declared_value is not None else "goods value"
        reasons.append(
            HoldReason(
                HoldCode.DECLARED_VALUE_LIMIT,
                f"{what} {declared} {order.currency} exceeds the per-parcel limit for "
                f"{dest}, {amount} {currency}",
                details={"destination": dest, "limit": str(amount), "currency": currency,
                         "source": source, "basis": basis, "value": str(declared),
                         "message_zh": ("申报价值" if order.declared_value is not None
                                        else "货值") + f" {declared} {order.currency} "
                         f"超过{dest}的单笔限值 {amount} {currency}"},
            )
        )
    return reasons


def order_day(order: Order) -> date:
    """The day an order's money is converted on: when it was placed (UTC), or received."""
    return (order.placed_at or order.created_at).date()


def fx_hold(missing: FxMissing, check: str) -> HoldReason:
    """The order cannot be judged on money: a rate is missing or stale (or its currency is
    not one); it waits for a rate, not for a verdict on its price."""
    return HoldReason(HoldCode.FX_RATE_MISSING, missing.message(),
                      details={**missing.as_dict(), "check": check})


def money_at_base(ctx: ValidationContext, order: Order, amount: Decimal, currency: str
                  ) -> tuple[Decimal, str] | FxMissing:
    """`amount` (in `currency`) in the tenant's base currency on the order's day, unrounded
    (compared before it is shown), or why it cannot be."""
    table = ctx.fx
    if table is None or currency == table.base:
        return amount, currency
    factor = table.to_base_factor(currency, order_day(order))
    if isinstance(factor, FxMissing):
        return factor
    return amount * factor, table.base


def sku_currency(sku: Sku, ctx: ValidationContext, order: Order) -> str:
    """The currency of a SKU's money facts (list price, floor): its `currency` attribute,
    else the tenant's base currency (the order's own when no rates are loaded)."""
    code = sku.attributes.get("currency")
    if isinstance(code, str) and code:
        return code.upper()
    return ctx.fx.base if ctx.fx is not None else order.currency


def floor_currency(sku: Sku, ctx: ValidationContext, order: Order) -> str:
    """The currency of a SKU's floor price: its own `floor_currency` fact when the floor
    is stated in another currency than the list price (a floor of USD 120 on a SKU listed
    in CNY), else the SKU's currency (`sku_currency`)."""
    code = sku.attributes.get("floor_currency")
    if isinstance(code, str) and code.strip():
        return code.strip().upper()
    return sku_currency(sku, ctx, order)


def check_price_floor(
    order: Order, ctx: ValidationContext, params: Mapping[str, Any]
) -> list[HoldReason]:
    """No line sold below its SKU's floor price (or `min_ratio_of_list` of its list price).
    The floor is in the SKU's currency; a line in another currency is compared in the
    tenant's base currency at the rate effective on the order's day; without a usable rate
    the order is held for the rate (FX_RATE_MISSING), not judged on price."""
    ratio = _dec(params.get("min_ratio_of_list"), "0.5")
    reasons = []
    missing: FxMissing | None = None
    for ln in order.lines:
        sku = ctx.catalog.get(ln.sku)
        if sku is None:
            continue
        floor = sku.attributes.get("floor_price")
        limit = (
            _dec(floor, "0")
            if floor is not None
            else (sku.list_price * ratio if sku.list_price is not None else None)
        )
        if limit is None:
            continue
        net = (ln.unit_price * ln.quantity - ln.discount) / ln.quantity
        # The floor's own currency only goes with the floor itself: a floor derived from
        # the list price (min_ratio_of_list) is in the list price's currency.
        floor_in = (floor_currency(sku, ctx, order) if floor is not None
                    else sku_currency(sku, ctx, order))
        if floor_in == order.currency:
            if net < limit:
                reasons.append(HoldReason(
                    HoldCode.PRICE_BELOW_FLOOR,
                    f"line {ln.line_no}: SKU {ln.sku} sold at {net:.2f} per "
                    f"unit, below its floor {limit:.2f}", ln.line_no, ln.sku))
            continue
        mine = money_at_base(ctx, order, net, order.currency)
        theirs = money_at_base(ctx, order, limit, floor_in)
        if isinstance(mine, FxMissing):
            missing = missing or mine
            continue
        if isinstance(theirs, FxMissing):
            missing = missing or theirs
            continue
        if mine[0] < theirs[0]:
            base = mine[1]
            shown = f"{order.currency} {net:.2f}"
            if ctx.fx is not None:
                conversion = ctx.fx.convert(quantize(net, order.currency), order.currency,
                                            order_day(order))
                if not isinstance(conversion, FxMissing):
                    shown = conversion.describe()
            reasons.append(HoldReason(
                HoldCode.PRICE_BELOW_FLOOR,
                f"line {ln.line_no}: SKU {ln.sku} sold at {shown} per unit, below its "
                f"floor {floor_in} {limit:.2f} = {base} {theirs[0]:.2f}",
                ln.line_no, ln.sku,
                details={"net": str(quantize(net, order.currency)),
                         "currency": order.currency, "floor": f"{limit:.2f}",
                         "floor_currency": floor_in,
                         "net_base": f"{mine[0]:.2f}", "floor_base": f"{theirs[0]:.2f}",
                         "base": base}))
    if missing is not None:
        reasons.insert(0, fx_hold(missing, "price_floor"))
    return reasons


def check_promise_possible(
    order: Order, ctx: ValidationContext, params: Mapping[str, Any]
) -> list[HoldReason]:
    """Hold an order whose promise can no longer be kept under the SLA policy: if every
    step from now keeps its target, it arrives after the end of its due date (or with less
    than `min_slack_hours` to spare)."""
    slack = ctx.promise_slack.get(order.id)
    least = float(_dec(params.get("min_slack_hours"), "0"))
    if slack is None or slack >= least:
        return []
    if slack < 0:
        en = (f"the promise cannot be kept under the SLA: its targets deliver "
              f"{-slack:.1f} h after the end of the due date")
        zh = f"按SLA时效已无法兑现交付承诺：预计晚于承诺日期 {-slack:.1f} 小时送达"
    else:
        en = (f"only {slack:.1f} h of slack to the promise under the SLA (at least "
              f"{least:g} h wanted)")
        zh = f"按SLA时效距交付承诺仅余 {slack:.1f} 小时（要求至少 {least:g} 小时）"
    return [HoldReason(HoldCode.PROMISE_IMPOSSIBLE, en, details={
        "message_zh": zh, "slack_hours": slack, "min_slack_hours": least})]


CHECKS: dict[str, Check] = {
    "required_fields": check_required_fields,
    "address_complete": check_address_complete,
    "phone_valid": check_phone_valid,
    "amounts_consistent": check_amounts_consistent,
    "sku_mapped": check_sku_mapped,
    "sku_known": check_sku_known,
    "sellable_in_channel": check_sellable_in_channel,
    "atp_available": check_atp_available,
    "formula_stage": check_formula_stage,
    "age_restricted": check_age_restricted,
    "quantity_limit": check_quantity_limit,
    "cross_border": check_cross_border,
    "price_floor": check_price_floor,
    "promise_possible": check_promise_possible,
    **PACK_CHECKS,  # the checks compliance packs are made of (compliance.py)
}
