"""The chat apps by name. A new app is one module (render, verify, parse, reply) added here."""

from __future__ import annotations

from orderhub.adapters.chat.base import ChatAdapter
from orderhub.adapters.chat.dingtalk import DingTalkAdapter
from orderhub.adapters.chat.slack import SlackAdapter
from orderhub.adapters.chat.wecom import WeComAdapter

APPS: dict[str, ChatAdapter] = {a.name: a for a in (DingTalkAdapter(), WeComAdapter(),
                                                     SlackAdapter())}
