"""The checks a country's compliance pack is made of (domain/compliance_packs.py), each an
ordinary built-in check with typed parameters, so a pack rule is stored, sandboxed,
canaried, activated, audited and overridden like any check:

- `value_cap`: a cross-border parcel's declared value (or goods value: the lines after
  discounts, as C4 takes it) above `limit` in the listed `countries` is held
  (`declared_value_limit`); `kind` says whether the figure is a cap (the retail import
  regime ends there: China's 5,000 CNY) or a duty threshold (above it a formal entry is
  needed: the EU's 150 EUR), which only changes the wording. `single_item_limit` is the
  limit of a one-unit order (China: one item up to the 26,000 CNY annual limit),
  `ship_from_limits` the limit of a parcel from a given country (Korea: USD 200 from the
  US), `value_factor` the share of the value that is the customs value (Japan: 60% of
  the retail price of a personal import).
- `identifier_required`: the buyer's identifier the destination's customs ask for (the
  payer's Chinese resident ID, 身份证, checksum checked; Korea's personal customs clearance
  code, 개인통관고유부호) is present and well formed, and with `name_match` the name on it
  is the recipient's (`cross_border_docs`). The identifier is personal data: a hold never
  quotes it.
- `hs_code_required`: every line carries an HS code of at least `min_digits` digits (the
  destination's tariff line, stricter than C4's 6) (`cross_border_docs`).
- `restricted_goods`: lines whose SKU is in a prohibited `categories` or has a true
  prohibited `attributes` fact, or (with `positive_list_attribute`) is not marked as on the
  destination's positive list, are held (`restricted_goods`).

Every one runs only on orders shipped to one of its `countries`, and (unless
`cross_border_only` is false) only on cross-border ones (checks.cross_border_basis, the
same judgement as C4); its hold cites the rule's `source` (title, URL, date read, pack
version), which the pack puts in the params.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from orderhub.domain.money import quantize
from orderhub.domain.order import HoldCode, HoldReason, Order
from orderhub.domain.privacy import FREE_TEXT_ATTRIBUTES
from orderhub.domain.rules.customs import valid_limit

if TYPE_CHECKING:  # checks.py lists these checks in CHECKS: imported from there
    from orderhub.domain.rules.checks import ValidationContext

IDENTIFIERS = {
    # identifier -> (order attribute it is read from, what it is called, in Chinese)
    "cn_resident_id": ("buyer_id_number", "the payer's resident ID (身份证)", "订购人身份证号"),
    "kr_pccc": ("kr_pccc", "the personal customs clearance code (개인통관고유부호)",
                "韩国个人通关号码"),
}
ID_NAME_ATTRIBUTE = "buyer_id_name"  # the name on the identifier (订购人姓名)


def _in_scope(order: Order, ctx: ValidationContext, params: Mapping[str, Any]) -> str:
    """The destination when the rule judges this order, else ""."""
    dest = (order.shipping_address.country or "CN").upper()
    if dest not in params.get("countries", ()):
        return ""  # most rules stop here: another country's pack
    if params.get("cross_border_only", True):
        from orderhub.domain.rules.checks import cross_border_basis  # (checks imports us)

        if not cross_border_basis(order, ctx):
            return ""
    return dest


def cite(params: Mapping[str, Any]) -> str:
    """' (source: <title>, <url>, read <date>; pack CN 2026.12.1)' or ''."""
    src = params.get("source")
    if not isinstance(src, Mapping):
        return ""
    parts = [str(src[k]) for k in ("title", "url") if src.get(k)]
    if src.get("read_on"):
        parts.append(f"read {src['read_on']}")
    pack = f"; pack {src['pack']}" if src.get("pack") else ""
    return f" (source: {', '.join(parts)}{pack})" if parts else ""


def _details(params: Mapping[str, Any], dest: str, zh: str, **more: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"destination": dest, "message_zh": zh, **more}
    if isinstance(params.get("source"), Mapping):
        out["source"] = dict(params["source"])
    return out


def check_value_cap(order: Order, ctx: ValidationContext, params: Mapping[str, Any]
                    ) -> list[HoldReason]:
    dest = _in_scope(order, ctx, params)
    if not dest:
        return []
    limit = params.get("limit") or {}
    origin = _ship_from(order, ctx)
    by_origin = params.get("ship_from_limits") or {}
    single = params.get("single_item_limit")
    if origin in by_origin:  # (Korea: USD 200 for parcels from the US)
        limit = by_origin[origin]
    elif single and sum(ln.quantity for ln in order.lines) == 1:
        limit = single  # (China: one item up to the annual limit, full duty)
    amount, currency = Decimal(str(limit.get("amount"))), str(limit.get("currency", ""))
    declared = order.declared_value
    what, what_zh = "declared value", "申报价值"
    if declared is None:
        declared, what, what_zh = order.subtotal - order.discount_total, "goods value", "货值"
    factor = Decimal(str(params.get("value_factor", "1")))
    if factor != 1:  # (Japan: a personal import's customs value is 60% of retail)
        what, what_zh = f"{what} x {factor}", f"{what_zh} x {factor}"
    converted = ctx.convert(declared * factor, order.currency, currency,
                            (order.placed_at or order.created_at).date())
    if converted is None or converted <= amount:
        return []  # within it, or no rate to compare with (never held for a currency)
    threshold = params.get("kind", "cap") == "threshold"
    shown = (f"{declared} {order.currency}" if order.currency == currency
             else f"{declared} {order.currency} ({quantize(converted, currency)} {currency})")
    en = (f"{what} {shown} is over {dest}'s "
          + ("duty threshold" if threshold else "per-parcel limit")
          + f" of {amount} {currency}"
          + ("; a formal customs entry is needed" if threshold else "") + cite(params))
    zh = (f"{what_zh} {shown} 超过{dest}"
          + ("免税额度" if threshold else "单笔限值") + f" {amount} {currency}"
          + ("，需正式报关" if threshold else ""))
    return [HoldReason(HoldCode.DECLARED_VALUE_LIMIT, en, details=_details(
        params, dest, zh, limit=str(amount), currency=currency, value=str(declared)))]


def _ship_from(order: Order, ctx: ValidationContext) -> str:
    """The one country the parcel ships from when it is known (the warehouses planning
    assigned, else the channel's default ship-from), else ""."""
    assigned = ctx.assigned_countries.get(order.id)
    if assigned:
        return next(iter(assigned)) if len(assigned) == 1 else ""
    return ctx.channel_ship_from.get(order.channel, "")


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def valid_cn_resident_id(value: str) -> bool:
    """An 18-character PRC resident ID (GB 11643-1999): 17 digits and its ISO 7064
    MOD 11-2 check character."""
    v = value.strip().upper()
    if not re.fullmatch(r"\d{17}[\dX]", v):
        return False
    total = sum(int(d) * w for d, w in zip(v[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == v[17]


def valid_kr_pccc(value: str) -> bool:
    """A Korean personal customs clearance code: P and 12 digits."""
    return re.fullmatch(r"P\d{12}", value.strip().upper()) is not None


_VALID = {"cn_resident_id": valid_cn_resident_id, "kr_pccc": valid_kr_pccc}


def _norm_name(name: str) -> str:
    return re.sub(r"[\s·•.]", "", name).casefold()


def check_identifier_required(order: Order, ctx: ValidationContext,
                              params: Mapping[str, Any]) -> list[HoldReason]:
    dest = _in_scope(order, ctx, params)
    if not dest:
        return []
    kind = str(params.get("identifier", ""))
    attribute, name_en, name_zh = IDENTIFIERS[kind]
    value = str(order.attributes.get(str(params.get("attribute") or attribute), "")).strip()
    if not value:
        problem, zh = f"lacks {name_en}", f"缺少{name_zh}"
    elif not _VALID[kind](value):
        problem, zh = f"has an invalid {name_en} (not shown)", f"{name_zh}无效"
    elif params.get("name_match", False):
        holder = str(order.attributes.get(ID_NAME_ATTRIBUTE, "")).strip()
        recipient = order.shipping_address.name or ""
        if not holder:
            problem, zh = (f"lacks the name on {name_en} ({ID_NAME_ATTRIBUTE})",
                           f"缺少{name_zh}对应的姓名")
        elif _norm_name(holder) != _norm_name(recipient):
            problem, zh = (f"names someone other than the recipient on {name_en}",
                           f"{name_zh}姓名与收件人不一致")
        else:
            return []
    else:
        return []
    return [HoldReason(HoldCode.CROSS_BORDER_DOCS,
                       f"cross-border order to {dest} {problem}{cite(params)}",
                       details=_details(params, dest, f"发往{dest}的跨境订单{zh}",
                                        identifier=kind))]


def check_hs_code_required(order: Order, ctx: ValidationContext, params: Mapping[str, Any]
                           ) -> list[HoldReason]:
    dest = _in_scope(order, ctx, params)
    if not dest:
        return []
    least = int(params.get("min_digits", 6))
    reasons = []
    for ln in order.lines:
        if not ln.sku and not ln.hs_code:
            continue  # unmapped: judged once it is mapped
        sku = ctx.catalog.get(ln.sku)
        attrs = sku.attributes if sku else {}
        hs = re.sub(r"[.\s]", "", str(ln.hs_code or attrs.get("hs_code") or ""))
        if hs.isdigit() and least <= len(hs) <= 10:
            continue
        got = f"has {hs[:12]!r}" if hs else "has none"
        reasons.append(HoldReason(
            HoldCode.CROSS_BORDER_DOCS,
            f"line {ln.line_no}: {dest} needs an HS code of at least {least} digits "
            f"({got}){cite(params)}", ln.line_no, ln.sku or None,
            details=_details(params, dest, f"第{ln.line_no}行：{dest}要求至少{least}位HS编码",
                             min_digits=least)))
    return reasons


def check_restricted_goods(order: Order, ctx: ValidationContext, params: Mapping[str, Any]
                           ) -> list[HoldReason]:
    dest = _in_scope(order, ctx, params)
    if not dest:
        return []
    categories = set(params.get("categories", []))
    flags = list(params.get("attributes", []))
    positive = str(params.get("positive_list_attribute") or "")
    reasons = []
    for ln in order.lines:
        sku = ctx.catalog.get(ln.sku) if ln.sku else None
        if sku is None:
            continue  # unmapped or unknown: A1/A2 hold it; judged once it is known
        attrs = sku.attributes
        found = []
        category = attrs.get("category")
        if isinstance(category, str) and category in categories:
            found.append(f"category {category}")
        found.extend(f"{f}" for f in flags if attrs.get(f) is True)
        if found:
            en = f"{', '.join(found)} may not be sent to {dest}"
            zh = f"第{ln.line_no}行：{'、'.join(found)}禁止或限制进口至{dest}"
        elif positive and attrs.get(positive) is not True:
            en = f"not marked as on {dest}'s positive list ({positive})"
            zh = f"第{ln.line_no}行：商品未标注为{dest}正面清单商品（{positive}）"
        else:
            continue
        reasons.append(HoldReason(
            HoldCode.RESTRICTED_GOODS, f"line {ln.line_no}: SKU {sku.code}: {en}"
            f"{cite(params)}", ln.line_no, sku.code, details=_details(params, dest, zh)))
    return reasons


# ----- parameters -----------------------------------------------------------------------------

def _countries(v: Any) -> bool:
    return (isinstance(v, list) and bool(v)
            and all(isinstance(c, str) and re.fullmatch(r"[A-Z]{2}", c) for c in v))


def _strs(v: Any) -> bool:
    return isinstance(v, list) and all(isinstance(x, str) and x for x in v)


def _source(v: Any) -> bool:
    return (isinstance(v, Mapping) and set(v) <= {"title", "url", "read_on", "pack"}
            and all(isinstance(x, str) and len(x) <= 500 for x in v.values())
            and bool(v.get("title")))


def _positive_limit(v: Any) -> bool:
    if not valid_limit(v):
        return False
    try:
        return Decimal(str(v["amount"])) >= 0
    except (InvalidOperation, KeyError):
        return False


def _factor(v: Any) -> bool:
    try:
        return isinstance(v, str | int | float) and not isinstance(v, bool) and (
            Decimal(0) < Decimal(str(v)) <= 1)
    except InvalidOperation:
        return False


_COMMON: dict[str, tuple[Any, str]] = {
    "countries": (_countries, "a non-empty list of ISO country codes (upper case)"),
    "cross_border_only": (lambda v: isinstance(v, bool), "true or false"),
    "source": (_source, "{title, url, read_on, pack}: where the rule is written"),
}

PARAMS: dict[str, dict[str, tuple[Any, str]]] = {
    "value_cap": {**_COMMON,
                  "limit": (_positive_limit, "{amount: >= 0, currency: ISO code}"),
                  "single_item_limit": (_positive_limit, "{amount: >= 0, currency: ISO "
                                        "code}: the limit of an order of one item"),
                  "ship_from_limits": (
                      lambda v: isinstance(v, Mapping) and bool(v) and all(
                          isinstance(k, str) and re.fullmatch(r"[A-Z]{2}", k)
                          and _positive_limit(x) for k, x in v.items()),
                      "country shipped from -> {amount, currency}"),
                  "value_factor": (_factor, "a share 0..1 of the value that is the "
                                   "customs value (e.g. \"0.6\")"),
                  "kind": (lambda v: v in ("cap", "threshold"), "cap or threshold")},
    "identifier_required": {
        **_COMMON,
        "identifier": (lambda v: v in IDENTIFIERS, f"one of {', '.join(IDENTIFIERS)}"),
        # personal data: only from an attribute kept encrypted and out of masked views
        "attribute": (lambda v: isinstance(v, str) and v in FREE_TEXT_ATTRIBUTES,
                      "the order attribute it is read from, one kept encrypted as personal "
                      "data (e.g. buyer_id_number, kr_pccc)"),
        "name_match": (lambda v: isinstance(v, bool), "true or false")},
    "hs_code_required": {**_COMMON,
                         "min_digits": (lambda v: isinstance(v, int)
                                        and not isinstance(v, bool) and 6 <= v <= 10,
                                        "a whole number 6..10")},
    "restricted_goods": {**_COMMON,
                         "categories": (_strs, "a list of SKU categories"),
                         "attributes": (_strs, "a list of SKU facts (true when it applies)"),
                         "positive_list_attribute": (
                             lambda v: isinstance(v, str) and len(v) <= 64,
                             "the SKU fact that marks it as on the positive list")},
}
# Parameters a rule of the check must give.
REQUIRED: dict[str, tuple[str, ...]] = {
    "value_cap": ("countries", "limit"), "identifier_required": ("countries", "identifier"),
    "hs_code_required": ("countries", "min_digits"), "restricted_goods": ("countries",)}

CHECKS = {"value_cap": check_value_cap, "identifier_required": check_identifier_required,
          "hs_code_required": check_hs_code_required,
          "restricted_goods": check_restricted_goods}
