"""Taobao / Tmall: `parse.py` reads the TOP `taobao.trade.fullinfo.get` trade; `render.py`
writes one back from a ChannelOrder."""

from orderhub.adapters.channels.taobao.parse import TaobaoAdapter

__all__ = ["TaobaoAdapter"]
