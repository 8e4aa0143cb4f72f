"""Shopify: the `refunds/create` webhook (a Refund resource, REST Admin API 2024-10).

Fields read: `id` (the refund), `order_id`, `created_at` / `processed_at`, `note`,
`refund_line_items[]` (`quantity`, `restock_type`: return | cancel | no_restock |
legacy_restock, `subtotal`, `total_tax`, `line_item.sku`, `line_item.title`) and
`transactions[]` (`kind` refund, `status` success, `amount`, `currency`). Shopify sends the
webhook when the merchant has refunded: the notice is `refunded`. A line item refunded with
`restock_type` cancel was never shipped and no goods come back; such lines are left out (a
refund without any returned line is `goods_back` false).
"""

from __future__ import annotations

from orderhub.adapters.channels._payload import (
    ZERO,
    currency_of,
    decimal_at,
    id_at,
    iso_time,
    load_object,
    obj_at,
    objects_at,
    quantity_at,
    text_at,
)
from orderhub.adapters.channels.return_notice import (
    ChannelReturn,
    ChannelReturnLine,
    reason_code,
)

_NOT_RETURNED = frozenset({"cancel"})


def parse_refund(body: bytes) -> ChannelReturn:
    """One Refund resource (the webhook body, or `{"refund": {...}}` from the REST API)."""
    refund = load_object(body, "a Shopify Refund")
    wrapped = refund.get("refund")
    if "id" not in refund and isinstance(wrapped, dict):
        refund = wrapped
    refund_id = id_at(refund, "id")
    order_id = id_at(refund, "order_id")
    moment = refund.get("processed_at") or refund.get("created_at")
    at = iso_time(moment, "processed_at" if refund.get("processed_at") else "created_at")
    lines: list[ChannelReturnLine] = []
    all_lines = objects_at(refund, "refund_line_items", required=False)
    for i, item in enumerate(all_lines):
        path = f"refund_line_items[{i}]"
        if text_at(item, "restock_type", path) in _NOT_RETURNED:
            continue
        line_item = obj_at(item, "line_item", path) or {}
        lpath = f"{path}.line_item"
        amount = (decimal_at(item, "subtotal", path, ZERO)
                  + decimal_at(item, "total_tax", path, ZERO))
        lines.append(ChannelReturnLine(channel_sku=text_at(line_item, "sku", lpath),
                                       title=text_at(line_item, "title", lpath),
                                       quantity=quantity_at(item, "quantity", path),
                                       amount=amount))
    paid = ZERO
    currency = ""
    for i, tx in enumerate(objects_at(refund, "transactions", required=False)):
        path = f"transactions[{i}]"
        if text_at(tx, "kind", path) == "refund" and text_at(tx, "status", path) == "success":
            paid += decimal_at(tx, "amount", path, ZERO)
            if tx.get("currency"):
                currency = currency_of(tx.get("currency"), f"{path}.currency")
    note = text_at(refund, "note")
    attributes = {"restock": "true"} if refund.get("restock") is True else {}
    return ChannelReturn(
        external_id=order_id, refund_ref=refund_id, status="refunded",
        reason=reason_code(note), reason_text=note, lines=lines, updated_at=at,
        amount=paid if paid else None, currency=currency, goods_back=bool(lines),
        attributes=attributes)



