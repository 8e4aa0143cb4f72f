"""The channel adapters by name: `ADAPTERS[name]` verifies and parses a channel's payload,
`render(name, order)` and `sign(name, body, secret)` write one (the inverse, for labelled
test corpora and benchmarks: `ADAPTERS[a].parse(render(a, o))` gives `o` back, except for
what the format has no place for, listed in docs/channels.md, and times, cut to the second).

The TikTok Shop, Douyin, JD and Pinduoduo instances here carry no app key, so their secrets
are configured as "app_key:app_secret". Tabular files (CSV/XLSX) are read with
`tabular.parse_rows`, which returns many orders per file, so they are not a webhook adapter
in this table (their inverse is `tabular.render_csv`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import NamedTuple

import orjson

from orderhub.adapters.channels._payload import JsonObject
from orderhub.adapters.channels.base import ChannelAdapter, ChannelOrder
from orderhub.adapters.channels.douyin import DouyinShopAdapter
from orderhub.adapters.channels.douyin import render as douyin
from orderhub.adapters.channels.jd import JdPopAdapter
from orderhub.adapters.channels.jd import render as jd
from orderhub.adapters.channels.pinduoduo import PinduoduoAdapter
from orderhub.adapters.channels.pinduoduo import render as pinduoduo
from orderhub.adapters.channels.shopify import ShopifyAdapter
from orderhub.adapters.channels.shopify import render as shopify
from orderhub.adapters.channels.taobao import TaobaoAdapter
from orderhub.adapters.channels.taobao import render as taobao
from orderhub.adapters.channels.tiktok import TikTokShopAdapter
from orderhub.adapters.channels.tiktok import render as tiktok
from orderhub.adapters.channels.woocommerce import WooCommerceAdapter
from orderhub.adapters.channels.woocommerce import render as woocommerce

_ALL: tuple[ChannelAdapter, ...] = (
    ShopifyAdapter(),
    WooCommerceAdapter(),
    TikTokShopAdapter(),
    DouyinShopAdapter(),
    TaobaoAdapter(),
    JdPopAdapter(),
    PinduoduoAdapter(),
)
ADAPTERS: dict[str, ChannelAdapter] = {adapter.name: adapter for adapter in _ALL}


def get_adapter(name: str) -> ChannelAdapter:
    """The adapter called `name`; KeyError lists the known names."""
    try:
        return ADAPTERS[name]
    except KeyError:
        known = ", ".join(sorted(ADAPTERS))
        raise KeyError(f"unknown channel adapter '{name}'; known: {known}") from None


class Renderer(NamedTuple):
    """A channel's inverse: its payload for an order, and the headers its `verify` accepts."""

    payload: Callable[[ChannelOrder], JsonObject]
    sign: Callable[[bytes, str], dict[str, str]]
    # Signing at a given send time, where the signature covers one (JD, Pinduoduo).
    sign_at: Callable[[bytes, str, datetime], dict[str, str]] | None = None


RENDERERS: dict[str, Renderer] = {
    "shopify": Renderer(shopify.payload, shopify.sign),
    "woocommerce": Renderer(woocommerce.payload, woocommerce.sign),
    "tiktok": Renderer(tiktok.payload, tiktok.sign),
    "douyin": Renderer(douyin.payload, douyin.sign),
    "taobao": Renderer(taobao.payload, taobao.sign),
    "jd": Renderer(jd.payload, jd.sign, jd.sign),
    "pdd": Renderer(pinduoduo.payload, pinduoduo.sign, pinduoduo.sign),
}
ADAPTER_NAMES: tuple[str, ...] = tuple(RENDERERS)


def _known(adapter: str) -> None:
    if adapter not in RENDERERS:
        known = ", ".join(sorted(RENDERERS))
        raise KeyError(f"unknown channel adapter '{adapter}'; known: {known}")


def render(adapter: str, order: ChannelOrder) -> bytes:
    """`order` as the JSON body channel `adapter` sends (KeyError for an unknown adapter,
    ValueError for a value its format cannot hold).

    Rendering is deterministic: ids the format needs but the order does not hold (line ids,
    SKU ids, request ids) are derived from the order's external id. A value the format's own
    field cannot hold (a non-CNY Douyin or Taobao order, an amount finer than a fen for
    Douyin) is a ValueError; a field the format has no place for is left out."""
    _known(adapter)
    if not order.lines:
        raise ValueError("an order needs at least one line")
    return orjson.dumps(RENDERERS[adapter].payload(order))


def sign(adapter: str, body: bytes, secret: str, now: datetime | None = None
         ) -> dict[str, str]:
    """The headers with which `ADAPTERS[adapter].verify(body, headers, secret)` passes;
    sent at `now` where the signature covers a send time (JD, Pinduoduo: without `now` the
    time is derived from the body, and the webhook refuses it as stale).

    TikTok Shop, Douyin, JD and Pinduoduo take the secret as "app_key:app_secret" (as the
    instances here do); Douyin is signed with md5, the push default, and names the app in
    `app-id`; JD and Pinduoduo with their md5 request signature over the body.
    """
    _known(adapter)
    if not secret:
        raise ValueError("no signing secret given")
    renderer = RENDERERS[adapter]
    if now is not None and renderer.sign_at is not None:
        return renderer.sign_at(body, secret, now)
    return renderer.sign(body, secret)
