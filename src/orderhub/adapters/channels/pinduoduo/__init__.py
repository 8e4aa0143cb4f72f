"""Pinduoduo (拼多多): `parse.py` reads the open platform `pdd.order.information.get` order;
`render.py` writes one back from a ChannelOrder."""

from orderhub.adapters.channels.pinduoduo.parse import PinduoduoAdapter

__all__ = ["PinduoduoAdapter"]
