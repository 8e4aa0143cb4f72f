"""The channel adapters by name.

The TikTok Shop and Douyin instances here carry no app key, so their secrets are configured
as "app_key:app_secret". Tabular files (CSV/XLSX) are read with `tabular.parse_rows`, which
returns many orders per file, so they are not a webhook adapter in this table.
"""

from __future__ import annotations

from orderhub.adapters.channels.base import ChannelAdapter
from orderhub.adapters.channels.shopify import ShopifyAdapter
from orderhub.adapters.channels.taobao import TaobaoAdapter
from orderhub.adapters.channels.tiktok import DouyinShopAdapter, TikTokShopAdapter
from orderhub.adapters.channels.woocommerce import WooCommerceAdapter

_ALL: tuple[ChannelAdapter, ...] = (
    ShopifyAdapter(),
    WooCommerceAdapter(),
    TikTokShopAdapter(),
    DouyinShopAdapter(),
    TaobaoAdapter(),
)
ADAPTERS: dict[str, ChannelAdapter] = {adapter.name: adapter for adapter in _ALL}


def get_adapter(name: str) -> ChannelAdapter:
    """The adapter called `name`; KeyError lists the known names."""
    try:
        return ADAPTERS[name]
    except KeyError:
        known = ", ".join(sorted(ADAPTERS))
        raise KeyError(f"unknown channel adapter '{name}'; known: {known}") from None
