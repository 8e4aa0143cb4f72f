"""WooCommerce: `parse.py` reads the REST API v3 Order (also the order.* webhook body);
`render.py` writes one back from a ChannelOrder."""

from orderhub.adapters.channels.woocommerce.parse import WooCommerceAdapter

__all__ = ["WooCommerceAdapter"]
