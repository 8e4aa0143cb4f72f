"""A local stand-in for DingTalk, WeCom and Slack (the demo and the tests).

As an httpx transport it takes the cards the hub posts to `https://<app>.chat.invalid/...`
(any URL: the app is the channel's), records them, and answers as the app does (`errcode`
0, or `ok`); `fail` makes it answer 500 (`"always"`, or a number of first posts). `click`
writes the callback the app would send when a person presses a card's button, signed and
(for WeCom) encrypted with the channel's secrets, in the documented shapes.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import orjson

from orderhub.adapters.chat import dingtalk, slack, wecom
from orderhub.adapters.chat.base import CallbackRequest, Secrets


@dataclass(frozen=True, slots=True)
class Posted:
    app: str
    url: str
    body: dict[str, Any]


def app_of(url: str) -> str:
    host = httpx.URL(url).host
    for app in ("dingtalk", "wecom", "slack"):
        if app in host:
            return app
    return host


class ChatSimulator(httpx.BaseTransport):
    def __init__(self, *, fail: str | int = 0) -> None:
        self.fail = fail
        self.calls = 0
        self.posted: list[Posted] = []
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.calls += 1
            calls = self.calls
        if self.fail == "always" or (isinstance(self.fail, int) and calls <= self.fail):
            return httpx.Response(500, content=b"simulated outage")
        app = app_of(str(request.url))
        with self._lock:
            self.posted.append(Posted(app, str(request.url), orjson.loads(request.content)))
        if app == "slack":
            return httpx.Response(200, content=b"ok")
        return httpx.Response(200, json={"errcode": 0, "errmsg": "ok"})

    def cards(self, app: str | None = None) -> list[Posted]:
        with self._lock:
            return [p for p in self.posted if app is None or p.app == app]

    @staticmethod
    def buttons(posted: Posted) -> dict[str, str]:
        """action -> the button's value, read back from what the app received."""
        b = posted.body
        if posted.app == "dingtalk":
            return {x["actionId"]: x["params"]["value"]
                    for x in b["actionCard"].get("btns", [])}
        if posted.app == "wecom":
            return {x["key"].rpartition(":")[2]: x["key"]
                    for x in b["template_card"].get("button_list", [])}
        out: dict[str, str] = {}
        for block in b["blocks"]:
            if block["type"] == "actions":
                for e in block["elements"]:
                    out[e["action_id"].removeprefix("hub_")] = e["value"]
        return out

    @staticmethod
    def card_id(posted: Posted) -> str:
        values = list(ChatSimulator.buttons(posted).values())
        return values[0].rpartition(":")[0] if values else ""

    @staticmethod
    def click(app: str, value: str, user_id: str, secrets: Secrets, now: datetime
              ) -> CallbackRequest:
        card_id = value.rpartition(":")[0]
        if app == "dingtalk":
            return dingtalk.callback(card_id, value, user_id, secrets.callback_secret, now)
        if app == "wecom":
            return wecom.callback(card_id, value, user_id, secrets.callback_secret,
                                  secrets.aes_key, secrets.receive_id, now)
        return slack.callback(card_id, value, user_id, secrets.callback_secret, now)
