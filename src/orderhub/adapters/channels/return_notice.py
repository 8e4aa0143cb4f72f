"""The shape every channel's refund or return notification is read into (returns.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Literal

# requested: the buyer asked (the seller has not agreed yet); closed: withdrawn, refused or
# closed before money moved; refunded: the channel paid the buyer back.
NoticeStatus = Literal["requested", "closed", "refunded"]


@dataclass(frozen=True, slots=True)
class ChannelReturnLine:
    channel_sku: str  # the seller's SKU code ("" if the channel sent none)
    title: str
    quantity: int
    amount: Decimal | None = None  # what the channel says it refunds for the line


@dataclass(frozen=True, slots=True)
class ChannelReturn:
    external_id: str  # the order's id in the channel
    refund_ref: str  # the channel's refund / return id: one return per ref
    status: NoticeStatus
    reason: str  # a hub reason code (domain/returns.ReturnReason)
    reason_text: str  # the channel's own words
    lines: list[ChannelReturnLine]
    updated_at: datetime
    amount: Decimal | None = None  # what the channel refunds in all
    currency: str = ""
    goods_back: bool = True  # the goods come back (a refund without return: False)
    attributes: dict[str, str] = field(default_factory=dict)


# A channel's own reason words -> a hub reason code, first match wins (Taobao/Tmall's
# buyer-chosen reasons in Chinese, a Shopify note in English).
_REASON_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("damaged", ("破损", "损坏", "坏了", "质量问题", "damaged", "broken", "defect")),
    ("wrong_item", ("发错", "错发", "少件", "漏发", "wrong item", "wrong product")),
    ("not_as_described", ("描述不符", "与描述", "假货", "not as described")),
    ("size", ("尺码", "大小", "size", "fit")),
    ("late", ("未按约定时间", "发货慢", "太慢", "延迟", "late", "delay")),
    ("changed_mind", ("七天无理由", "7天无理由", "不喜欢", "不想要", "拍错", "多拍",
                      "changed mind", "no longer", "unwanted")),
)


def reason_code(text: str) -> str:
    """The hub's reason code for a channel's reason words ("other" when none matches)."""
    low = text.lower()
    for code, words in _REASON_WORDS:
        if any(w in low for w in words):
            return code
    return "other"
