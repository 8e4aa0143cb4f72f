"""Taobao / Tmall: a refund (退款) as TOP's `taobao.refund.get` returns it
(`refund_get_response.refund`, JSON, API version 2.0) and the refund messages carry it.

Fields read: `refund_id`, `tid` (the trade: the order's external id), `oid` (the
sub-order), `num`, `refund_fee` (yuan), `status`, `reason` and `desc` (the buyer's words),
`outer_id` (the seller's SKU code), `title`, `has_good_return` (goods come back),
`modified` / `created` ("YYYY-MM-DD HH:MM:SS", China time). Statuses: WAIT_SELLER_AGREE,
WAIT_BUYER_RETURN_GOODS, WAIT_SELLER_CONFIRM_GOODS are a request in progress (requested);
SELLER_REFUSE_BUYER and CLOSED end it (closed); SUCCESS means Taobao paid the buyer back
(refunded). The signature is the Taobao adapter's (`X-Top-Sign`, our relay's convention).
"""

from __future__ import annotations

from orderhub.adapters.channels._payload import (
    CHINA_TZ,
    decimal_at,
    iso_time,
    join,
    load_object,
    quantity_at,
    text_at,
    unwrap_response,
)
from orderhub.adapters.channels.base import PayloadError
from orderhub.adapters.channels.return_notice import (
    ChannelReturn,
    ChannelReturnLine,
    NoticeStatus,
    reason_code,
)

_STATUS: dict[str, NoticeStatus] = {
    "WAIT_SELLER_AGREE": "requested",
    "WAIT_BUYER_RETURN_GOODS": "requested",
    "WAIT_SELLER_CONFIRM_GOODS": "requested",
    "SELLER_REFUSE_BUYER": "closed",
    "CLOSED": "closed",
    "SUCCESS": "refunded",
}


def parse_refund(body: bytes) -> ChannelReturn:
    """The API response, `{"refund": {...}}`, or the bare refund object."""
    data = load_object(body, "a Taobao refund")
    refund, path = unwrap_response(data, "refund_get_response", "refund", "TOP",
                                   ("sub_msg", "msg"))
    refund_id = text_at(refund, "refund_id", path)
    if not refund_id:
        raise PayloadError("is missing", join(path, "refund_id"))
    tid = text_at(refund, "tid", path)
    if not tid:
        raise PayloadError("is missing", join(path, "tid"))
    raw_status = text_at(refund, "status", path)
    status = _STATUS.get(raw_status)
    if status is None:
        raise PayloadError(f"unknown refund status {raw_status!r}; known: "
                           + ", ".join(_STATUS), join(path, "status"))
    moment = refund.get("modified") or refund.get("created")
    at = iso_time(moment, join(path, "modified" if refund.get("modified") else "created"),
                  CHINA_TZ)
    words = text_at(refund, "reason", path)
    amount = decimal_at(refund, "refund_fee", path)
    goods_back = str(refund.get("has_good_return", "true")).lower() != "false"
    line = ChannelReturnLine(channel_sku=text_at(refund, "outer_id", path),
                             title=text_at(refund, "title", path),
                             quantity=quantity_at(refund, "num", path), amount=amount)
    attributes = {k: v for k in ("oid", "desc", "sid", "company_name")
                  if (v := text_at(refund, k, path))}
    attributes["taobao_status"] = raw_status
    return ChannelReturn(
        external_id=tid, refund_ref=refund_id, status=status, reason=reason_code(words),
        reason_text=words, lines=[line], updated_at=at, amount=amount, currency="CNY",
        goods_back=goods_back, attributes=attributes)
