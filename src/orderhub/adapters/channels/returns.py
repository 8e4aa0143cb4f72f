"""Refund and return notifications of the channels, read into one shape (`ChannelReturn`):
pure, bytes in, a notice out, or a PayloadError naming the field. The signature is checked
with the channel adapter's own `verify` (the same secret and header as its orders).

`RETURN_PARSERS[adapter]` reads one notification of that adapter's channels:
`shopify` (the refunds/create webhook: a Refund resource) and `taobao` (Taobao/Tmall: the
TOP refund, `taobao.refund.get`, as its refund messages carry it). The service matches the
notice's lines to the order's lines by the seller's SKU code (`channel_sku`), else by title:
the hub keeps the channel's SKU code per line, not the channel's line ids.
"""

from __future__ import annotations

from collections.abc import Callable

from orderhub.adapters.channels.return_notice import ChannelReturn, ChannelReturnLine
from orderhub.adapters.channels.shopify.refund import parse_refund as shopify_refund
from orderhub.adapters.channels.taobao.refund import parse_refund as taobao_refund

__all__ = ["RETURN_PARSERS", "ChannelReturn", "ChannelReturnLine"]

RETURN_PARSERS: dict[str, Callable[[bytes], ChannelReturn]] = {
    "shopify": shopify_refund,
    "taobao": taobao_refund,
}
