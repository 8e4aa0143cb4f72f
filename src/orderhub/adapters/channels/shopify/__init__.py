"""Shopify: `parse.py` reads the orders/* webhook (the REST Admin API Order) into a
ChannelOrder; `render.py` writes one back from a ChannelOrder (test corpora, benchmarks)."""

from orderhub.adapters.channels.shopify.parse import ShopifyAdapter

__all__ = ["ShopifyAdapter"]
