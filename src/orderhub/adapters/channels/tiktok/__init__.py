"""TikTok Shop (global): `parse.py` reads the Open API order detail (202309); `render.py`
writes one back from a ChannelOrder."""

from orderhub.adapters.channels.tiktok.parse import TikTokShopAdapter

__all__ = ["TikTokShopAdapter"]
