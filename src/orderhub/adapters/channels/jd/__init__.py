"""JD (京东) POP: `parse.py` reads the JOS `jingdong.pop.order.get` order; `render.py`
writes one back from a ChannelOrder."""

from orderhub.adapters.channels.jd.parse import JdPopAdapter

__all__ = ["JdPopAdapter"]
