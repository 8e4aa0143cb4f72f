"""Douyin shop (抖店): `parse.py` reads the open platform `order.orderDetail` response;
`render.py` writes one back from a ChannelOrder."""

from orderhub.adapters.channels.douyin.parse import DouyinShopAdapter

__all__ = ["DouyinShopAdapter"]
